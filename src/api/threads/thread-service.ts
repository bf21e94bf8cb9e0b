/**
 * `client.beta.sessions.threads` over the event log store: a session's threads are the sub-agent threads its
 * lead's log created; each thread's own log is kept under `<session>/<thread>` (src/domain/threads.ts).
 */
import type { BetaManagedAgentsSessionThread } from '@anthropic-ai/sdk/resources/beta/sessions/threads/threads';
import { threadSessionId } from '../../domain/threads';
import type { SessionStore } from '../../storage/session-store';
import type { ThreadArchiveStore } from '../../storage/thread-archive-store';
import type { ThreadWorkflows } from './thread-workflows';
import { invalidRequest, notFound } from '../api-error';
import type { EventService } from '../events/event-service';
import type { ThreadListQuery } from '../events/event-params';
import { paginate, type Page } from '../pagination';
import { threadObject, threadsInLog, type LoggedThread } from './thread-object';

export class ThreadService {
  constructor(
    private readonly store: SessionStore,
    private readonly events: EventService,
    private readonly archives?: ThreadArchiveStore,
    /** The server's view of threads' workflows; absent, threads cannot be archived. */
    private readonly workflows?: ThreadWorkflows,
  ) {}

  /** Oldest first, as they were created; archived ones only with `include_archived=true`. */
  async list(sessionId: string, query: ThreadListQuery): Promise<Page<BetaManagedAgentsSessionThread>> {
    await this.events.requireSession(sessionId);
    const statuses = query['statuses[]'] as readonly string[] | undefined;
    const archived = await this.archivedIn(sessionId);
    const threads = (await this.logged(sessionId)).filter(
      (thread) =>
        (!statuses || statuses.includes(thread.status)) && (query.include_archived || !archived[thread.thread_id]),
    );
    const keyed = threads.map((thread, index) => ({ thread, key: String(index).padStart(8, '0') }));
    const page = paginate(keyed, ({ key }) => key, query);
    return {
      data: await Promise.all(page.data.map(({ thread }) => this.object(sessionId, thread, archived))),
      next_page: page.next_page,
    };
  }

  async retrieve(sessionId: string, threadId: string): Promise<BetaManagedAgentsSessionThread> {
    const thread = await this.existing(sessionId, threadId);
    return this.object(sessionId, thread, await this.archivedIn(sessionId));
  }

  /**
   * Marks the thread archived (first, so it is hidden at once and stays so), then cancels its workflow if it
   * still runs. The lead is not asked: it already treats a thread whose workflow ended under it as ended (its
   * log says `session.thread_status_terminated`, a `delegate` waiting on it gets a tool error, and follow-ups to
   * it are refused), so cancelling the child is the same path as any thread that stops on its own, and needs no
   * new command in the lead's workflow. Archiving again changes nothing.
   */
  async archive(sessionId: string, threadId: string): Promise<BetaManagedAgentsSessionThread> {
    const thread = await this.existing(sessionId, threadId);
    if (!this.archives || !this.workflows) {
      throw invalidRequest('archiving a thread needs a server connected to Temporal');
    }
    const archived = await this.archivedIn(sessionId);
    if (!archived[threadId]) {
      await this.archives.archive(sessionId, threadId, new Date().toISOString());
      if (thread.status !== 'terminated') await this.workflows.stop(threadSessionId(sessionId, threadId));
    }
    return this.object(sessionId, thread, await this.archivedIn(sessionId));
  }

  /** The store id of the thread's own log, once the thread is known to exist. */
  async logOf(sessionId: string, threadId: string): Promise<string> {
    await this.existing(sessionId, threadId);
    return threadSessionId(sessionId, threadId);
  }

  private async existing(sessionId: string, threadId: string): Promise<LoggedThread> {
    await this.events.requireSession(sessionId);
    const thread = (await this.logged(sessionId)).find((candidate) => candidate.thread_id === threadId);
    if (thread) return thread;
    // Not in the lead's log yet: the lead writes it there at its next model request or idle.
    const workflow = await this.workflows?.describe(sessionId, threadSessionId(sessionId, threadId));
    if (!workflow) throw notFound(`no thread ${threadId} in session ${sessionId}`);
    return {
      thread_id: threadId,
      agent_name: workflow.agent_name,
      status: workflow.running ? 'running' : 'terminated',
      created_at: workflow.started_at,
      updated_at: workflow.started_at,
    };
  }

  private async logged(sessionId: string): Promise<LoggedThread[]> {
    return threadsInLog(await this.store.readEvents(sessionId));
  }

  private async archivedIn(sessionId: string): Promise<Record<string, string>> {
    return (await this.archives?.archived(sessionId)) ?? {};
  }

  private async object(
    sessionId: string,
    thread: LoggedThread,
    archived: Record<string, string>,
  ): Promise<BetaManagedAgentsSessionThread> {
    const snapshot = await this.store.readSnapshot(threadSessionId(sessionId, thread.thread_id));
    return threadObject(sessionId, thread, snapshot, archived[thread.thread_id] ?? null);
  }
}
