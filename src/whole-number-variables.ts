/** A setting read from an environment variable holding a whole number, and the range it accepts. */
export interface WholeNumberVariable<Setting extends string> {
  name: string;
  setting: Setting;
  min: number;
  max: number;
}

/**
 * The values of the variables that are set (blank counts as unset), by setting. A value that is not a whole number
 * in its range throws the error `invalid` makes of a message naming the variable, the value and the range.
 */
export function readWholeNumberVariables<Setting extends string>(
  env: NodeJS.ProcessEnv,
  variables: ReadonlyArray<WholeNumberVariable<Setting>>,
  invalid: (message: string) => Error,
): Partial<Record<Setting, number>> {
  const values: Partial<Record<Setting, number>> = {};
  for (const { name, setting, min, max } of variables) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(value >= min && value <= max))
      throw invalid(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
    values[setting] = value;
  }
  return values;
}
