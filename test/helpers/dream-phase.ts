/** Waiting for a dream to reach a phase, as tests that review dreams do. */
import type { LucidClient } from '../../src/client';
import type { Dream } from '../../src/domain/dream';

/** Polls the dream until it is in `phase`; fails naming the phase it is stuck at after 30 s. */
export async function waitForDreamPhase(lucid: LucidClient, dreamId: string, phase: Dream['phase']): Promise<Dream> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const dream = await lucid.dream(dreamId);
    if (dream?.phase === phase) return dream;
    if (Date.now() > deadline) throw new Error(`dream ${dreamId} never reached ${phase} (at ${dream?.phase})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
