/** Memory in sessions: the store's index and content reach the system prompt; the memory tool writes versions. */
import { WorkflowFailedError } from '@temporalio/client';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { MemoryStoreRepository } from '../../src/memory/memory-store';
import { startSessionHarness, type SessionHarness } from '../helpers/session';

const agent: AgentDefinition = {
  name: 'rememberer',
  model: 'scripted',
  system: 'AGENT-SYSTEM',
  tools: [],
  max_turns: 5,
  max_tokens: 256,
};

describe('memory in sessions', () => {
  let harness: SessionHarness;
  let memory: MemoryStoreRepository;
  beforeAll(async () => {
    harness = await startSessionHarness({ rules: [] });
    memory = harness.storage.memory;
  });
  afterAll(async () => harness?.close());

  it('puts the store into the system prompt as reference data and records the agent writes as session versions', async () => {
    const store = await memory.createStore({ name: 'Team lessons', description: 'What we learned' });
    await memory.writeMemory(
      store.id,
      { path: '/lessons/testing.md', content: 'LESSON-MARKER: run the tests before you finish.' },
      { type: 'user_actor', user_id: 'ana' },
    );
    harness.model.setScenario({
      rules: [
        {
          match: { system: 'LESSON-MARKER' },
          times: 1,
          reply: {
            content: [
              {
                type: 'tool_use',
                name: 'memory',
                input: { command: 'create', path: '/lessons/naming.md', content: 'Use kebab-case file names.' },
              },
            ],
          },
        },
        {
          match: {},
          times: 1,
          reply: {
            content: [
              {
                type: 'tool_use',
                name: 'memory',
                input: {
                  command: 'str_replace',
                  path: '/lessons/naming.md',
                  old_str: 'kebab-case',
                  new_str: 'kebab-case (never camelCase)',
                },
              },
            ],
          },
        },
        { match: {}, reply: { content: [{ type: 'text', text: 'Noted.' }] } },
      ],
    });
    const before = harness.model.requests.length;
    const sessionId = await harness.lucid.startSession({
      agent,
      message: 'Work and remember',
      memory_stores: [{ memory_store_id: store.id, access: 'read_write' }],
    });
    const snapshot = await harness.lucid.result(sessionId);
    expect(snapshot.final_message).toBe('Noted.');

    const first = harness.model.requests[before].body;
    const system = JSON.stringify(first.system);
    expect(system).toContain('AGENT-SYSTEM');
    expect(system).toContain('Reference data from memory stores');
    expect(system).toContain('/lessons/testing.md');
    expect(system).toContain('LESSON-MARKER: run the tests');
    expect(first.tools.map((tool: { name: string }) => tool.name)).toEqual(['memory']);

    const written = await memory.getMemoryByPath(store.id, '/lessons/naming.md');
    expect(written.content).toBe('Use kebab-case (never camelCase) file names.');
    const versions = await memory.listVersions(store.id, { memory_id: written.id });
    expect(versions.map((version) => [version.operation, version.created_by])).toEqual([
      ['modified', { type: 'session_actor', session_id: sessionId }],
      ['created', { type: 'session_actor', session_id: sessionId }],
    ]);
  });

  it('refuses writes to a read-only store as a tool error', async () => {
    const store = await memory.createStore({ name: 'Read only' });
    harness.model.setScenario({
      rules: [
        {
          match: {},
          times: 1,
          reply: {
            content: [
              { type: 'tool_use', name: 'memory', input: { command: 'create', path: '/x.md', content: 'nope' } },
            ],
          },
        },
        { match: {}, reply: { content: [{ type: 'text', text: 'Could not write.' }] } },
      ],
    });
    const sessionId = await harness.lucid.startSession({
      agent,
      message: 'Try',
      memory_stores: [{ memory_store_id: store.id, access: 'read_only' }],
    });
    await harness.lucid.result(sessionId);
    const result = (await harness.store.readEvents(sessionId)).find((event) => event.type === 'agent.tool_result');
    expect(result).toMatchObject({ is_error: true, content: [{ text: expect.stringMatching(/read-only/) }] });
    expect(await memory.listMemories(store.id)).toEqual([]);
  });

  it('fails the session at start, clearly, for an unknown store', async () => {
    const sessionId = await harness.lucid.startSession({
      agent,
      message: 'x',
      memory_stores: [{ memory_store_id: 'memstore_missing', access: 'read_only' }],
    });
    const error = await harness.lucid.result(sessionId).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(`${cause?.message} ${(cause?.cause as Error | undefined)?.message ?? ''}`).toMatch(/memstore_missing/);
  });
});
