/**
 * The Temporal floor for bench/turn-overhead.ts: the least a durable agent loop can cost on Temporal. A minimal
 * workflow runs, per turn, one no-op activity where a session calls the model and one where it runs the tool,
 * with the same activity options as `agentSession`'s model and tool calls. Whatever a Lucid turn costs beyond
 * this is Lucid's own doing.
 */
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './activities';

const { modelStandIn, toolStandIn } = proxyActivities<typeof activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
});

/** `turns` model stand-ins, each but the last followed by a tool stand-in, one after the other. */
export async function temporalFloor(turns: number, modelLatencyMs = 0): Promise<number> {
  let activitiesRun = 0;
  for (let turn = 1; turn <= turns; turn++) {
    await modelStandIn(modelLatencyMs);
    activitiesRun++;
    if (turn < turns) {
      await toolStandIn();
      activitiesRun++;
    }
  }
  return activitiesRun;
}
