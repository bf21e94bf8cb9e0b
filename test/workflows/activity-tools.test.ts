/**
 * temporal_activity tools against a real team worker: examples/ticket-worker.ts as a separate process on its own
 * task queue, filing tickets in a JSON file, while Lucid's worker runs the session.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal as proto } from '@temporalio/proto';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { SessionEvent } from '../../src/domain/events';
import { LucidClient } from '../../src/client';
import { openStorage } from '../../src/storage/open-storage';
import { activityAttempts } from '../helpers/history-payloads';
import { expectWellFormedLog, startSessionHarness, type SessionHarness } from '../helpers/session';
import { tempDir, uniqueTaskQueue } from '../helpers/temporal';
import { ticketTool, ticketWorker, type TicketWorker } from '../helpers/ticket-worker';
import { waitFor } from '../helpers/wait-for';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

const PendingState = proto.api.enums.v1.PendingActivityState;

function agentFor(worker: TicketWorker): AgentDefinition {
  return {
    name: 'triager',
    model: 'scripted-small',
    system: 'File tickets for problems you are told about.',
    tools: [ticketTool(worker.taskQueue)],
    max_turns: 5,
    max_tokens: 256,
  };
}

/** The model files one ticket, then answers with what the tool said. */
function fileTicket(input: Record<string, unknown>) {
  return {
    rules: [
      { match: {}, times: 1, reply: { content: [{ type: 'tool_use' as const, name: 'create_ticket', input }] } },
      { match: {}, reply: { content: [{ type: 'text' as const, text: 'Done.' }] } },
    ],
  };
}

function toolResults(events: SessionEvent[]) {
  return events.flatMap((event) => (event.type === 'agent.tool_result' ? [event] : []));
}

describe('temporal_activity tools', () => {
  let harness: SessionHarness;
  const workers: TicketWorker[] = [];
  const lucidWorkers: WorkerProcess[] = [];

  beforeAll(async () => {
    harness = await startSessionHarness(fileTicket({ title: 'x' }));
  });
  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    for (const worker of lucidWorkers) await worker.kill('SIGTERM');
    await harness?.close();
  });

  function newTicketWorker(options: { delayMs?: number } = {}): TicketWorker {
    const worker = ticketWorker(harness.temporal.address, options);
    workers.push(worker);
    return worker;
  }

  const pendingTicketCall = (sessionId: string, state: number) => async () =>
    (await harness.temporal.client.workflow.getHandle(sessionId).describe()).raw.pendingActivities?.some(
      (activity) => activity.activityType?.name === 'createTicket' && activity.state === state,
    ) ?? false;

  it("files the ticket on the team's worker and hands its result to the model's next request", async () => {
    const tickets = newTicketWorker();
    await tickets.start();
    harness.model.setScenario(fileTicket({ title: 'Printer on fire', body: 'Third floor' }));
    const before = harness.model.requests.length;

    const sessionId = await harness.lucid.startSession({ agent: agentFor(tickets), message: 'The printer burns' });
    const snapshot = await harness.lucid.result(sessionId);

    expect(snapshot.final_message).toBe('Done.');
    const events = await harness.store.readEvents(sessionId);
    expectWellFormedLog(events, snapshot.event_count);
    const toolUse = events.find((event) => event.type === 'agent.tool_use');
    expect(toolUse).toMatchObject({ name: 'create_ticket', input: { title: 'Printer on fire' } });
    const toolUseId = toolUse?.type === 'agent.tool_use' ? toolUse.tool_use_id : '';
    expect(tickets.tickets()).toEqual([
      { id: 'TICKET-1', title: 'Printer on fire', body: 'Third floor', tool_use_id: toolUseId },
    ]);
    const [result] = toolResults(events);
    expect(result.is_error).toBe(false);
    expect(JSON.parse(result.content[0].text)).toEqual(tickets.tickets()[0]);

    // The model was offered the tool and read its result in the following request.
    const [first, second] = harness.model.requests.slice(before);
    expect(first.body.tools).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'create_ticket', input_schema: expect.any(Object) })]),
    );
    expect(JSON.stringify(second.body.messages)).toContain('TICKET-1');

    // In the Temporal UI: an activity of the team's type, on the team's queue, with a summary.
    const history = (await harness.temporal.client.workflow.getHandle(sessionId).fetchHistory()).events ?? [];
    const scheduled = history.find(
      (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'createTicket',
    );
    expect(scheduled?.activityTaskScheduledEventAttributes?.taskQueue?.name).toBe(tickets.taskQueue);
    const summary = scheduled?.userMetadata?.summary;
    expect(summary && defaultPayloadConverter.fromPayload(summary)).toBe(
      `create_ticket: createTicket on ${tickets.taskQueue}`,
    );
  });

  it("waits while the team's worker is down and completes the call once it is up", async () => {
    const tickets = newTicketWorker();
    harness.model.setScenario(fileTicket({ title: 'Disk full' }));

    const sessionId = await harness.lucid.startSession({ agent: agentFor(tickets), message: 'The disk is full' });
    await waitFor(pendingTicketCall(sessionId, PendingState.PENDING_ACTIVITY_STATE_SCHEDULED), 'the call to wait');
    expect(await harness.lucid.isRunning(sessionId)).toBe(true);
    expect(tickets.tickets()).toEqual([]);
    await tickets.start();
    const snapshot = await harness.lucid.result(sessionId);

    expect(snapshot.final_message).toBe('Done.');
    expect(tickets.tickets()).toEqual([expect.objectContaining({ id: 'TICKET-1', title: 'Disk full' })]);
    const [result] = toolResults(await harness.store.readEvents(sessionId));
    expect(result).toMatchObject({ is_error: false });
    expect(result.content[0].text).toContain('TICKET-1');
  });

  it('turns a non-retryable failure into a tool error the model sees, with no retry', async () => {
    const tickets = newTicketWorker();
    await tickets.start();
    harness.model.setScenario(fileTicket({ title: '   ' }));
    const before = harness.model.requests.length;

    const sessionId = await harness.lucid.startSession({ agent: agentFor(tickets), message: 'Something is off' });
    const snapshot = await harness.lucid.result(sessionId);

    expect(snapshot.final_message).toBe('Done.');
    expect(tickets.tickets()).toEqual([]);
    const [result] = toolResults(await harness.store.readEvents(sessionId));
    expect(result.is_error).toBe(true);
    expect(result.content[0].text).toBe('tool create_ticket failed: a ticket needs a title');
    expect(JSON.stringify(harness.model.requests.slice(before)[1].body.messages)).toContain('a ticket needs a title');
    const history = (await harness.temporal.client.workflow.getHandle(sessionId).fetchHistory()).events ?? [];
    expect(activityAttempts(history, 'createTicket')).toEqual([1]);
  });

  it('turns attempts that all time out into a tool error once the retry policy gives up', async () => {
    const tickets = newTicketWorker({ delayMs: 5_000 });
    await tickets.start();
    harness.model.setScenario(fileTicket({ title: 'Too slow' }));
    const tool = { ...ticketTool(tickets.taskQueue), start_to_close_timeout: 1, retry: { maximum_attempts: 2 } };

    const sessionId = await harness.lucid.startSession({
      agent: { ...agentFor(tickets), tools: [tool] },
      message: 'File it fast',
    });
    const snapshot = await harness.lucid.result(sessionId);

    expect(snapshot.final_message).toBe('Done.');
    const [result] = toolResults(await harness.store.readEvents(sessionId));
    expect(result.is_error).toBe(true);
    expect(result.content[0].text).toMatch(/^tool create_ticket failed: .*timeout/i);
    const history = (await harness.temporal.client.workflow.getHandle(sessionId).fetchHistory()).events ?? [];
    expect(activityAttempts(history, 'createTicket')).toEqual([2]);
  });

  it('retries a call whose team worker was killed mid-call, on the restarted worker, and files the ticket once', async () => {
    const tickets = newTicketWorker({ delayMs: 2_000 });
    await tickets.start();
    harness.model.setScenario(fileTicket({ title: 'Second try' }));
    const tool = { ...ticketTool(tickets.taskQueue), start_to_close_timeout: '4s' };

    const sessionId = await harness.lucid.startSession({
      agent: { ...agentFor(tickets), tools: [tool] },
      message: 'File it despite crashes',
    });
    await waitFor(pendingTicketCall(sessionId, PendingState.PENDING_ACTIVITY_STATE_STARTED), 'the call to start');
    await tickets.stop('SIGKILL');
    await tickets.start();
    const snapshot = await harness.lucid.result(sessionId);

    expect(snapshot.final_message).toBe('Done.');
    expect(tickets.tickets()).toEqual([expect.objectContaining({ id: 'TICKET-1', title: 'Second try' })]);
    const [result] = toolResults(await harness.store.readEvents(sessionId));
    expect(result).toMatchObject({ is_error: false });
    const history = (await harness.temporal.client.workflow.getHandle(sessionId).fetchHistory()).events ?? [];
    expect(activityAttempts(history, 'createTicket')).toEqual([2]);
  });

  it('cancels a waiting call on interrupt; the model sees a tool error', async () => {
    const tickets = newTicketWorker(); // never started: the call waits until the interrupt
    harness.model.setScenario(fileTicket({ title: 'Never filed' }));

    const sessionId = await harness.lucid.startSession({ agent: agentFor(tickets), message: 'File it' });
    await waitFor(pendingTicketCall(sessionId, PendingState.PENDING_ACTIVITY_STATE_SCHEDULED), 'the call to wait');
    await harness.lucid.interrupt(sessionId);
    const snapshot = await harness.lucid.result(sessionId);

    expect(snapshot.status).toBe('terminated');
    const [result] = toolResults(await harness.store.readEvents(sessionId));
    expect(result.is_error).toBe(true);
    expect(result.content[0].text).toBe('The call was interrupted by the user; activity createTicket was cancelled.');
    const history = (await harness.temporal.client.workflow.getHandle(sessionId).fetchHistory()).events ?? [];
    expect(history.some((event) => event.activityTaskCancelRequestedEventAttributes)).toBe(true);
  });

  it("survives Lucid's worker killed while the call is in flight: the ticket is filed once, its result kept", async () => {
    const tickets = newTicketWorker({ delayMs: 3_000 });
    await tickets.start();
    harness.model.setScenario(fileTicket({ title: 'Crash-proof' }));
    const dataDir = tempDir('lucid-activity-crash-');
    const taskQueue = uniqueTaskQueue('lucid-activity-crash');
    const options = { address: harness.temporal.address, taskQueue, dataDir, modelUrl: harness.model.url };
    const storage = openStorage({ dataDir });
    const lucid = new LucidClient({ client: harness.temporal.client, taskQueue, storage });

    const first = startWorkerProcess(options);
    lucidWorkers.push(first);
    await first.ready;
    const sessionId = await lucid.startSession({ agent: agentFor(tickets), message: 'File it once' });
    await waitFor(pendingTicketCall(sessionId, PendingState.PENDING_ACTIVITY_STATE_STARTED), 'the call to start');
    await first.kill('SIGKILL');
    const second = startWorkerProcess(options);
    lucidWorkers.push(second);
    await second.ready;
    const snapshot = await lucid.result(sessionId);

    expect(snapshot.final_message).toBe('Done.');
    expect(tickets.tickets()).toEqual([expect.objectContaining({ id: 'TICKET-1', title: 'Crash-proof' })]);
    const events = await storage.sessions.readEvents(sessionId);
    expectWellFormedLog(events, snapshot.event_count);
    const results = toolResults(events);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ is_error: false });
    expect(results[0].content[0].text).toContain('TICKET-1');
    // The team's activity ran once: Lucid's worker going away does not touch it.
    const history = (await harness.temporal.client.workflow.getHandle(sessionId).fetchHistory()).events ?? [];
    expect(activityAttempts(history, 'createTicket')).toEqual([1]);
  });
});
