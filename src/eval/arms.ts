/** The arms an eval compares, and what each one turns on. */
export const ARMS = ['baseline', 'outcomes', 'memory', 'outcomes+memory'] as const;
export type Arm = (typeof ARMS)[number];

export function usesOutcomes(arm: Arm): boolean {
  return arm === 'outcomes' || arm === 'outcomes+memory';
}

export function usesMemory(arm: Arm): boolean {
  return arm === 'memory' || arm === 'outcomes+memory';
}
