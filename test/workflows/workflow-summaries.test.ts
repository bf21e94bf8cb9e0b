/**
 * What the Temporal UI shows for a session: the workflow's static summary (agent and the first words of the task)
 * and a summary on each of its local activities (their markers), read back from a real server.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import { sessionSummary } from '../../src/domain/session-summary';
import { startSessionHarness, type SessionHarness } from '../helpers/session';

const agent: AgentDefinition = {
  name: 'summarised',
  model: 'scripted-small',
  system: 'Answer briefly.',
  tools: [],
  max_turns: 3,
  max_tokens: 256,
};

function summaryOf(event: temporal.api.history.v1.IHistoryEvent): string | undefined {
  const payload = event.userMetadata?.summary;
  return payload ? defaultPayloadConverter.fromPayload<string>(payload) : undefined;
}

describe('workflow summaries', () => {
  let harness: SessionHarness;
  beforeAll(async () => {
    harness = await startSessionHarness({
      rules: [{ match: {}, reply: { content: [{ type: 'text', text: 'Done.' }] } }],
    });
  });
  afterAll(async () => harness?.close());

  it('names the agent and the first words of the task, and says what each local activity did', async () => {
    const task =
      'Read the meeting notes in this workspace and write summary.md with a bullet list of every action item, with dates';
    const sessionId = await harness.lucid.startSession({ agent, message: task });
    await harness.lucid.result(sessionId);
    const handle = harness.temporal.client.workflow.getHandle(sessionId);

    const staticSummary = await (await handle.describe()).staticSummary();
    expect(staticSummary).toBe(
      'summarised: Read the meeting notes in this workspace and write summary.md with a bullet list…',
    );
    const markers = (await handle.fetchHistory()).events?.filter((event) => event.markerRecordedEventAttributes) ?? [];
    const summaries = markers.map(summaryOf).filter((summary) => summary !== undefined);
    expect(summaries).toEqual(
      expect.arrayContaining([
        'prepare the workspace',
        expect.stringMatching(/^persist events \d+–\d+$/),
        'save snapshot (terminated · end_turn)',
      ]),
    );
  });

  it('keeps short tasks whole and cuts a long first word', () => {
    expect(sessionSummary('scribe', '  Say\n hello  ')).toBe('scribe: Say hello');
    expect(sessionSummary('scribe', 'x'.repeat(100))).toBe(`scribe: ${'x'.repeat(80)}…`);
  });
});
