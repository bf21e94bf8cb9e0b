/**
 * A proposed change as the review routes answer with it (a Lucid extension; the API has no per-change review):
 * the change as the dream holds it, named `dream_change` and tied to its dream.
 */
import type { DreamChange } from '../../domain/dream';

export type DreamChangeObject = DreamChange & { type: 'dream_change'; dream_id: string };

export function dreamChangeObject(dreamId: string, change: DreamChange): DreamChangeObject {
  return { type: 'dream_change', dream_id: dreamId, ...change };
}
