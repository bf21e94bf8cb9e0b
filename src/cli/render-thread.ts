/**
 * Thread events (a lead delegating to its sub-agents) as readable lines, and the threads part of the progress
 * line. Pure, like render-event.ts: the same events always give the same text.
 *
 * - `thread   thread sthr_… (researcher) created`
 * - `thread   → sthr_… researcher: Research the history of the port`
 * - `thread   ← sthr_… researcher: Notes are in history.md`
 * - `thread   thread sthr_… (researcher) idle (end_turn)`
 */
import type { SessionEvent } from '../domain/events';
import type { ThreadStatus } from '../domain/threads';
import { oneLine } from './text';

/** The events a lead's log records about its threads. */
export type ThreadEvent = Extract<
  SessionEvent,
  {
    type:
      | 'session.thread_created'
      | 'session.thread_status_running'
      | 'session.thread_status_idle'
      | 'session.thread_status_terminated'
      | 'agent.thread_message_sent'
      | 'agent.thread_message_received';
  }
>;

const THREAD_EVENT_TYPES: ReadonlySet<string> = new Set<ThreadEvent['type']>([
  'session.thread_created',
  'session.thread_status_running',
  'session.thread_status_idle',
  'session.thread_status_terminated',
  'agent.thread_message_sent',
  'agent.thread_message_received',
]);

/** True for the thread events of a lead's log, which {@link describeThreadEvent} renders. */
export function isThreadEvent(event: SessionEvent): event is ThreadEvent {
  return THREAD_EVENT_TYPES.has(event.type);
}

/** The kind column and the text of a thread event. */
export function describeThreadEvent(event: ThreadEvent, maxTextLength: number): [kind: string, text: string] {
  switch (event.type) {
    case 'session.thread_created':
      return ['thread', `thread ${event.session_thread_id} (${event.agent_name}) created`];
    case 'session.thread_status_running':
      return ['thread', `thread ${event.session_thread_id} (${event.agent_name}) running`];
    case 'session.thread_status_idle':
      return ['thread', `thread ${event.session_thread_id} (${event.agent_name}) idle (${event.stop_reason.type})`];
    case 'session.thread_status_terminated':
      return ['thread', `thread ${event.session_thread_id} (${event.agent_name}) terminated`];
    case 'agent.thread_message_sent':
      // A task is often a long brief; its first line is what identifies it in a log.
      return [
        'thread',
        `→ ${event.to_session_thread_id} ${event.to_agent_name}: ${firstLine(joinText(event.content), maxTextLength)}`,
      ];
    case 'agent.thread_message_received':
      return [
        'thread',
        `← ${event.from_session_thread_id} ${event.from_agent_name}: ${oneLine(joinText(event.content), maxTextLength)}`,
      ];
  }
}

/** The first non-blank line, cut to `max` characters; "…" marks that more followed. */
export function firstLine(text: string, max: number): string {
  const lines = text.trim().split('\n');
  const first = oneLine(lines[0], max);
  return lines.length > 1 && !first.endsWith('…') ? `${first} …` : first;
}

function joinText(blocks: ReadonlyArray<{ text: string }>): string {
  return blocks.map((block) => block.text).join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Progress: each thread's latest status, as the lead's log tells it
// ---------------------------------------------------------------------------------------------------------------

/** Each thread's status by thread id, in the order the threads were created. */
export type ThreadStatuses = Readonly<Record<string, ThreadStatus>>;

/** The statuses after one more event (a new object when something changed; the old one is left as it was). */
export function advanceThreadStatuses(statuses: ThreadStatuses, event: SessionEvent): ThreadStatuses {
  switch (event.type) {
    case 'session.thread_created':
    case 'session.thread_status_running':
      return { ...statuses, [event.session_thread_id]: 'running' };
    case 'session.thread_status_idle':
      return { ...statuses, [event.session_thread_id]: 'idle' };
    case 'session.thread_status_terminated':
      return { ...statuses, [event.session_thread_id]: 'terminated' };
    default:
      return statuses;
  }
}

/** How many threads are working on a task right now. */
export function runningThreadCount(statuses: ThreadStatuses): number {
  return Object.values(statuses).filter((status) => status === 'running').length;
}

/** `threads: 2 running / 3`, or null while the session has no threads. */
export function renderThreadProgress(statuses: ThreadStatuses): string | null {
  const total = Object.keys(statuses).length;
  return total === 0 ? null : `threads: ${runningThreadCount(statuses)} running / ${total}`;
}
