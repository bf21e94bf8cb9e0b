/**
 * The `session_thread` object (the SDK's BetaManagedAgentsSessionThread) of one of a session's sub-agent threads,
 * from what the lead's log says of it (created, running, idle, terminated) and the thread's own snapshot (usage).
 * Lucid's roster agents are definitions, not API agents, so `agent` is the API's inline shape with what Lucid
 * knows of it. The primary thread is the session itself and is not listed (docs/api.md).
 */
import type { BetaManagedAgentsSessionThread } from '@anthropic-ai/sdk/resources/beta/sessions/threads/threads';
import type { SessionEvent, SessionSnapshot } from '../../domain/events';
import type { ThreadStatus } from '../../domain/threads';

/** A thread as the lead's log tells it. */
export interface LoggedThread {
  thread_id: string;
  agent_name: string;
  status: ThreadStatus;
  created_at: string;
  updated_at: string;
}

/** Every thread the lead's log has created, in creation order, with its latest status. */
export function threadsInLog(events: readonly SessionEvent[]): LoggedThread[] {
  const threads = new Map<string, LoggedThread>();
  for (const event of events) {
    if (event.type === 'session.thread_created') {
      threads.set(event.session_thread_id, {
        thread_id: event.session_thread_id,
        agent_name: event.agent_name,
        status: 'running',
        created_at: event.processed_at,
        updated_at: event.processed_at,
      });
      continue;
    }
    const status = STATUS_OF[event.type];
    if (status === undefined || !('session_thread_id' in event)) continue;
    const thread = threads.get(event.session_thread_id ?? '');
    if (thread) Object.assign(thread, { status, updated_at: event.processed_at });
  }
  return [...threads.values()];
}

const STATUS_OF: Partial<Record<SessionEvent['type'], ThreadStatus>> = {
  'session.thread_status_running': 'running',
  'session.thread_status_idle': 'idle',
  'session.thread_status_terminated': 'terminated',
};

export function threadObject(
  sessionId: string,
  thread: LoggedThread,
  snapshot: SessionSnapshot | null,
  archivedAt: string | null = null,
): BetaManagedAgentsSessionThread {
  return {
    type: 'session_thread',
    id: thread.thread_id,
    session_id: sessionId,
    parent_thread_id: null,
    status: thread.status,
    agent: { type: 'inline', name: thread.agent_name } as BetaManagedAgentsSessionThread['agent'],
    workflow_run_id: null,
    stats: null,
    usage: snapshot
      ? {
          input_tokens: snapshot.usage.input_tokens,
          output_tokens: snapshot.usage.output_tokens,
          cache_read_input_tokens: snapshot.usage.cache_read_input_tokens,
          cache_creation: {
            ephemeral_5m_input_tokens: snapshot.usage.cache_creation_input_tokens,
            ephemeral_1h_input_tokens: 0,
          },
        }
      : null,
    created_at: thread.created_at,
    updated_at: thread.updated_at,
    archived_at: archivedAt,
  };
}
