/**
 * Reads a dream for the API: from its saved record once it has ended, from its running workflow while it runs,
 * and from the API's record before its workflow has said anything.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { LucidClient } from '../../client';
import type { Dream } from '../../domain/dream';
import type { DreamApiRecord } from '../../storage/dream-registry';
import type { Storage } from '../../storage/open-storage';
import { dreamQuery } from '../../workflows/api/dream-api';
import { notFound } from '../api-error';
import { pendingDream } from './dream-object';

export const FINAL_STATUSES: ReadonlySet<Dream['status']> = new Set(['completed', 'failed', 'canceled']);

export interface DreamView {
  state: Dream;
  record: DreamApiRecord | null;
}

export class DreamReader {
  constructor(
    private readonly storage: Storage,
    private readonly lucid: LucidClient,
  ) {}

  /** The dream, or a 404. */
  async existing(dreamId: string): Promise<DreamView> {
    const view = await this.view(dreamId, await this.storage.dreams.readApiRecord(dreamId));
    if (!view) throw notFound(`no dream ${dreamId}`);
    return view;
  }

  /**
   * A final saved record is the dream; otherwise the running workflow answers, and before it has (no worker has
   * taken it yet) the API's record shows it pending. A workflow that closed without saving an end (terminated)
   * is shown failed. Null when nothing knows the id.
   */
  async view(dreamId: string, record: DreamApiRecord | null): Promise<DreamView | null> {
    const saved = await this.storage.dreams.readDream(dreamId);
    if (saved && FINAL_STATUSES.has(saved.status)) return { state: saved, record };
    const started = record?.input ? pendingDream({ ...record, input: record.input }) : null;
    const execution = await this.execution(dreamId);
    if (execution?.running) {
      const state = (await this.liveDream(dreamId)) ?? saved ?? started;
      return state && { state, record };
    }
    const last = saved ?? started;
    return last && { state: endedUnrecorded(last, execution?.closedAt ?? null), record };
  }

  private async execution(dreamId: string): Promise<{ running: boolean; closedAt: string | null } | null> {
    try {
      const description = await this.lucid.temporal.workflow.getHandle(dreamId).describe();
      return { running: description.status.name === 'RUNNING', closedAt: description.closeTime?.toISOString() ?? null };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  }

  private async liveDream(dreamId: string): Promise<Dream | null> {
    try {
      return await this.lucid.temporal.workflow.getHandle(dreamId).query(dreamQuery);
    } catch {
      return null; // no worker has run it yet, or none answers now: the saved record is the best there is
    }
  }
}

/** A dream whose workflow closed without saving how it ended (it was terminated, or lost): failed. */
function endedUnrecorded(dream: Dream, closedAt: string | null): Dream {
  return {
    ...dream,
    status: 'failed',
    error: {
      type: 'internal_error',
      message: `the dream's workflow ended without recording an outcome (terminated, or no longer known to Temporal)`,
    },
    ended_at: dream.ended_at ?? closedAt,
  };
}
