import { ClearToolUsesSchema, ContextManagementSchema } from '../../src/domain/agent-definition';
import { contextVerdict, planClearing } from '../../src/domain/context-clearing';
import { nextRequestFullness } from '../../src/domain/context-window';

const options = ClearToolUsesSchema.parse({}); // trigger 0.7, target 0.5, keep 3
const fullness = (tokens: number) =>
  nextRequestFullness({ window: 10_000, previous_request_tokens: tokens, added_tokens: 0 });
/** Ten results of 1,000 tokens each at seqs 10, 20, ..., 100. */
const results = Array.from({ length: 10 }, (_, index) => [(index + 1) * 10, 1_000] as const);

describe('planClearing', () => {
  it('does nothing below the trigger', () => {
    expect(planClearing(fullness(6_999), options, results)).toBeNull();
  });

  it('clears the oldest results in one batch down to the target', () => {
    expect(planClearing(fullness(7_500), options, results)).toEqual({
      cleared_through_seq: 30,
      tool_results_cleared: 3,
      estimated_tokens_before: 7_500,
      estimated_tokens_after: 4_500,
    });
  });

  it('never clears the newest `keep` results, even if the target is not reached', () => {
    expect(planClearing(fullness(9_900), { ...options, keep: 8 }, results)).toMatchObject({
      cleared_through_seq: 20,
      tool_results_cleared: 2,
      estimated_tokens_after: 7_900,
    });
    expect(planClearing(fullness(9_900), options, results.slice(0, 3))).toBeNull();
  });

  it('skips results that clearing would not shrink, without counting them', () => {
    const mixed = [[5, 0] as const, ...results];
    expect(planClearing(fullness(7_500), options, mixed)).toMatchObject({
      cleared_through_seq: 30,
      tool_results_cleared: 3,
    });
  });
});

describe('contextVerdict', () => {
  it('asks for compaction at or past its trigger', () => {
    const management = ContextManagementSchema.parse({});
    expect(contextVerdict(fullness(8_499), management)).toBe('fits');
    expect(contextVerdict(fullness(8_500), management)).toBe('needs_compaction');
  });
});
