/**
 * `client.beta.sessions.threads` over the event log store: a session's threads are the sub-agent threads its
 * lead's log created; each thread's own log is kept under `<session>/<thread>` (src/domain/threads.ts).
 */
import type { BetaManagedAgentsSessionThread } from '@anthropic-ai/sdk/resources/beta/sessions/threads/threads';
import { threadSessionId } from '../../domain/threads';
import type { SessionStore } from '../../storage/session-store';
import { invalidRequest, notFound } from '../api-error';
import type { EventService } from '../events/event-service';
import type { ThreadListQuery } from '../events/event-params';
import { paginate, type Page } from '../pagination';
import { threadObject, threadsInLog, type LoggedThread } from './thread-object';

export class ThreadService {
  constructor(
    private readonly store: SessionStore,
    private readonly events: EventService,
  ) {}

  /** Oldest first, as they were created. */
  async list(sessionId: string, query: ThreadListQuery): Promise<Page<BetaManagedAgentsSessionThread>> {
    await this.events.requireSession(sessionId);
    const statuses = query['statuses[]'] as readonly string[] | undefined;
    const threads = (await this.logged(sessionId)).filter((thread) => !statuses || statuses.includes(thread.status));
    const keyed = threads.map((thread, index) => ({ thread, key: String(index).padStart(8, '0') }));
    const page = paginate(keyed, ({ key }) => key, query);
    return {
      data: await Promise.all(page.data.map(({ thread }) => this.object(sessionId, thread))),
      next_page: page.next_page,
    };
  }

  async retrieve(sessionId: string, threadId: string): Promise<BetaManagedAgentsSessionThread> {
    return this.object(sessionId, await this.existing(sessionId, threadId));
  }

  /** The API archives a thread to stop it taking input; Lucid's threads end with their lead, so not yet. */
  async archive(sessionId: string, threadId: string): Promise<never> {
    await this.existing(sessionId, threadId);
    throw invalidRequest('archiving a thread is not supported by Lucid yet: its threads end with the session');
  }

  /** The store id of the thread's own log, once the thread is known to exist. */
  async logOf(sessionId: string, threadId: string): Promise<string> {
    await this.existing(sessionId, threadId);
    return threadSessionId(sessionId, threadId);
  }

  private async existing(sessionId: string, threadId: string): Promise<LoggedThread> {
    await this.events.requireSession(sessionId);
    const thread = (await this.logged(sessionId)).find((candidate) => candidate.thread_id === threadId);
    if (!thread) throw notFound(`no thread ${threadId} in session ${sessionId}`);
    return thread;
  }

  private async logged(sessionId: string): Promise<LoggedThread[]> {
    return threadsInLog(await this.store.readEvents(sessionId));
  }

  private async object(sessionId: string, thread: LoggedThread): Promise<BetaManagedAgentsSessionThread> {
    const snapshot = await this.store.readSnapshot(threadSessionId(sessionId, thread.thread_id));
    return threadObject(sessionId, thread, snapshot);
  }
}
