import { RE2JS } from 're2js';
import { WorkspaceError } from './sandbox';

/**
 * grep's regular expression, matched in linear time. The model writes JavaScript syntax; it is checked as such
 * (so a typo gets the familiar JavaScript message), then translated to RE2 and run by re2js, whose automata never
 * backtrack: `(a+)+$` over a 100 kB line takes milliseconds, where V8's engine would hold the worker for hours.
 * What RE2 cannot do in linear time (backreferences, lookaheads) is a tool error that says so.
 */

/** Longest pattern accepted: a bound on compile time and program size. */
export const MAX_GREP_PATTERN_CHARS = 1000;
/**
 * Budget for one line: characters × program size. Matching costs at most about that many automaton steps (the NFA
 * fallback's worst case), so a line is searched up to `MAX_LINE_WORK / programSize` characters: whole lines for
 * ordinary patterns, a long prefix for huge ones. About a second of work at worst.
 */
const MAX_LINE_WORK = 50_000_000;

export interface GrepPattern {
  /** Whether the line (without its line break) contains a match. */
  test(line: string): boolean;
  /** Characters of a line that are searched; the rest of a longer line is not. */
  maxLineChars: number;
}

/** Compiles the model's pattern, or throws a {@link WorkspaceError} the model can act on. */
export function compileGrepPattern(pattern: string): GrepPattern {
  if (pattern.length > MAX_GREP_PATTERN_CHARS) {
    throw invalid(`the pattern is ${pattern.length} characters long; at most ${MAX_GREP_PATTERN_CHARS} are accepted.`);
  }
  checkJavaScriptSyntax(pattern);
  const unsupported = unsupportedConstruct(pattern);
  if (unsupported) throw invalid(`${unsupported} ${SUPPORTED}`);
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(RE2JS.translateRegExp(pattern), RE2JS.LOOKBEHINDS);
  } catch (error) {
    throw invalid(`${describeRe2Error((error as Error).message)} ${SUPPORTED}`);
  }
  return {
    test: (line) => compiled.test(line),
    maxLineChars: Math.max(1000, Math.floor(MAX_LINE_WORK / Math.max(1, compiled.programSize()))),
  };
}

const SUPPORTED =
  'grep matches in linear time (RE2 engine): classes, groups, alternation, quantifiers, anchors, \\b and ' +
  'lookbehinds without capturing groups work; backreferences and lookaheads do not.';

function invalid(why: string): WorkspaceError {
  return new WorkspaceError('invalid_input', `Invalid grep pattern: ${why}`);
}

/** V8 parses (never runs) the pattern, so a malformed one gets JavaScript's own message. */
function checkJavaScriptSyntax(pattern: string): void {
  try {
    new RegExp(pattern);
  } catch (error) {
    throw new WorkspaceError(
      'invalid_input',
      `${(error as Error).message}. The pattern is a JavaScript regular expression.`,
    );
  }
}

/**
 * The first construct RE2 cannot run, described for the model; null if there is none. Found by a scan that skips
 * escapes and character classes, so `[(?=]` or `\\(?=` are not mistaken for a lookahead.
 */
function unsupportedConstruct(pattern: string): string | null {
  let inClass = false;
  for (let at = 0; at < pattern.length; at++) {
    const char = pattern[at];
    if (char === '\\') {
      const next = pattern[at + 1] ?? '';
      if (!inClass && /[1-9]/.test(next)) return `backreferences such as \\${next} are not supported.`;
      if (!inClass && next === 'k' && pattern[at + 2] === '<')
        return 'named backreferences (\\k<name>) are not supported.';
      at++;
    } else if (inClass) {
      if (char === ']') inClass = false;
    } else if (char === '[') {
      inClass = true; // in JavaScript even `[]` is a (empty) class, closed by the next `]`
    } else if (char === '(' && pattern[at + 1] === '?' && (pattern[at + 2] === '=' || pattern[at + 2] === '!')) {
      return `lookahead assertions such as "(?${pattern[at + 2]}" are not supported.`;
    }
  }
  return null;
}

/** RE2's parse errors read "error parsing regexp: invalid ...: `x`"; keep the part after the prefix. */
function describeRe2Error(message: string): string {
  const reason = message.replace(/^error parsing regexp: /, '');
  if (reason.startsWith('invalid capture in lookbehind')) {
    return 'capturing groups inside a lookbehind are not supported; use (?:...) there.';
  }
  if (reason.startsWith('expression too large') || reason.startsWith('invalid repeat count')) {
    return `the pattern is too large to match in linear time (${reason}); use smaller repetition counts.`;
  }
  return `RE2 cannot run this pattern (${reason}).`;
}
