import { AgentDefinitionSchema } from '../../src/domain/agent-definition';
import {
  contextManagementOf,
  contextWindowOf,
  DEFAULT_CONTEXT_WINDOW,
  modelContextWindow,
  nextRequestFullness,
  requestInputTokens,
} from '../../src/domain/context-window';

describe('context windows', () => {
  it('knows current Claude models, defaults to 200,000, and lets an agent override its window', () => {
    expect(modelContextWindow('claude-opus-4-5-20251101')).toBe(200_000);
    expect(modelContextWindow('claude-sonnet-4-6')).toBe(200_000);
    expect(modelContextWindow('claude-haiku-4-5')).toBe(200_000);
    expect(modelContextWindow('some-other-model')).toBe(DEFAULT_CONTEXT_WINDOW);
    expect(contextWindowOf({ model: 'claude-sonnet-4-5', context_window: 1_000_000 })).toBe(1_000_000);
    expect(contextWindowOf({ model: 'claude-sonnet-4-5' })).toBe(200_000);
  });

  it('fills in every context management default, and keeps what the agent set', () => {
    expect(contextManagementOf({})).toEqual({
      clear_tool_uses: { trigger_ratio: 0.7, target_ratio: 0.5, keep: 3 },
      compaction: { enabled: true, trigger_ratio: 0.85 },
    });
    const agent = AgentDefinitionSchema.parse({
      name: 'a',
      model: 'm',
      context_window: 20_000,
      context_management: { clear_tool_uses: { keep: 1 }, compaction: { enabled: false } },
    });
    expect(contextManagementOf(agent)).toEqual({
      clear_tool_uses: { trigger_ratio: 0.7, target_ratio: 0.5, keep: 1 },
      compaction: { enabled: false, trigger_ratio: 0.85 },
    });
  });

  it('rejects a target at or above the trigger, and unknown options', () => {
    const base = { name: 'a', model: 'm' };
    const clearing = (options: unknown) =>
      AgentDefinitionSchema.safeParse({ ...base, context_management: { clear_tool_uses: options } }).success;
    expect(clearing({ trigger_ratio: 0.5, target_ratio: 0.5 })).toBe(false);
    expect(clearing({ trigger_ratio: 1.5 })).toBe(false);
    expect(clearing({ keep_all: true })).toBe(false);
    expect(AgentDefinitionSchema.safeParse({ ...base, context_window: 10 }).success).toBe(false);
  });

  it('estimates the next request from the previous usage plus what was added, less what was cleared', () => {
    const usage = {
      input_tokens: 100,
      cache_read_input_tokens: 9_000,
      cache_creation_input_tokens: 900,
      output_tokens: 50,
    };
    expect(requestInputTokens(usage)).toBe(10_000);
    expect(nextRequestFullness({ window: 20_000, previous_request_tokens: 10_000, added_tokens: 4_000 })).toEqual({
      estimated_tokens: 14_000,
      window: 20_000,
      ratio: 0.7,
    });
    expect(
      nextRequestFullness({
        window: 20_000,
        previous_request_tokens: 10_000,
        added_tokens: 4_000,
        removed_tokens: 6_000,
      }).estimated_tokens,
    ).toBe(8_000);
  });
});
