/**
 * Scheduled dreaming: one Temporal Schedule per agent and memory store, starting a `dream` over the agent's
 * sessions completed since the store's last dream. Overlap policy SKIP: a dream still waiting for review blocks
 * the next one rather than piling up.
 */
import { ScheduleOverlapPolicy, type Client, type ScheduleHandle } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { DreamInput } from '../domain/dream';
import { DreamInputSchema } from '../domain/dream';
import { describeIssues } from '../domain/session-input';

export interface DreamScheduleOptions {
  scheduleId?: string;
  agent: string;
  memory_store_id: string;
  model: string;
  /** A cron expression ("0 3 * * *") or an interval ("6h", "30m"); exactly one. */
  cron?: string;
  every?: string;
  min_sessions?: number;
  review?: DreamInput['review'];
  output_behavior?: DreamInput['output_behavior'];
  instructions?: string;
  review_deadline_seconds?: number;
  taskQueue: string;
}

export function dreamScheduleId(agent: string, memoryStoreId: string): string {
  return `dream-${agent}-${memoryStoreId}`;
}

export async function createDreamSchedule(client: Client, options: DreamScheduleOptions): Promise<ScheduleHandle> {
  if (Boolean(options.cron) === Boolean(options.every))
    throw new Error('give exactly one of a cron expression or an interval');
  const input: DreamInput = {
    memory_store_id: options.memory_store_id,
    sessions: { type: 'since_last_dream', agent: options.agent, min_sessions: options.min_sessions ?? 1 },
    model: options.model,
    review: options.review ?? 'human',
    output_behavior: options.output_behavior ?? { type: 'update_existing' },
    ...(options.instructions ? { instructions: options.instructions } : {}),
    ...(options.review_deadline_seconds ? { review_deadline_seconds: options.review_deadline_seconds } : {}),
  };
  const parsed = DreamInputSchema.safeParse(input);
  if (!parsed.success) throw new Error(`invalid dream settings: ${describeIssues(parsed.error)}`);
  const scheduleId = options.scheduleId ?? dreamScheduleId(options.agent, options.memory_store_id);
  return client.schedule.create({
    scheduleId,
    spec: options.cron ? { cronExpressions: [options.cron] } : { intervals: [{ every: options.every as Duration }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'dream',
      // The server appends the scheduled time, so every run gets its own dream id.
      workflowId: `drm_${scheduleId}`,
      taskQueue: options.taskQueue,
      args: [input],
      staticSummary: `dream: ${options.agent} → ${options.memory_store_id}`,
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour', pauseOnFailure: false },
  });
}
