/**
 * "Did you mean": an unknown command, subcommand or option is answered with one line naming the closest known
 * one, instead of the whole help or parseArgs' own text.
 */
import { CliError, ExitCode } from './errors';

/**
 * A misspelt name (command, subcommand or option): exit code 2 like any usage error, but main prints only its
 * message, which already says what to do.
 */
export class UnknownNameError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.usage);
    this.name = 'UnknownNameError';
  }
}

/** What was not recognised, among which known names, and where the user finds them all. */
export interface UnknownName {
  /** `command`, `option`, ... */
  kind: string;
  name: string;
  known: readonly string[];
  /** Shown before the name and the suggestion: `memory ` for a subcommand of `lucid memory`. */
  prefix?: string;
  /** Shown after the name: ` for lucid run`. */
  context?: string;
  /** The command that lists the known names: `lucid help`, `lucid run --help`. */
  help: string;
}

/** `unknown command "stauts" (did you mean "status"?); see: lucid help` */
export function unknownNameError({
  kind,
  name,
  known,
  prefix = '',
  context = '',
  help,
}: UnknownName): UnknownNameError {
  const suggestion = closest(name, known);
  const didYouMean = suggestion === null ? '' : ` (did you mean "${prefix}${suggestion}"?)`;
  return new UnknownNameError(`unknown ${kind} "${prefix}${name}"${context}${didYouMean}; see: ${help}`);
}

/**
 * The known name nearest to `name` by edit distance, if near enough to be a typo (at most a third of its
 * letters wrong), or one that starts with it (`--work` for `--workspace`); null otherwise.
 */
export function closest(name: string, known: readonly string[]): string | null {
  const prefixed = known.filter((candidate) => name.length >= 3 && candidate.startsWith(name));
  if (prefixed.length === 1) return prefixed[0];
  let best: { candidate: string; distance: number } | null = null;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  const allowed = Math.max(1, Math.floor(Math.max(name.length, 3) / 3));
  return best && best.distance <= allowed ? best.candidate : null;
}

/** Levenshtein distance with adjacent transpositions counted as one edit (`stauts` → `status` is 1). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const substitution = rows[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
      }
    }
  }
  return rows[a.length][b.length];
}
