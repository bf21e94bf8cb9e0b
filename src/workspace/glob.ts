import { RE2JS } from 're2js';
import { WorkspaceError } from './sandbox';

/**
 * list_files globs, matched in linear time: the glob is translated to an RE2 expression (no lookarounds, no
 * backtracking) instead of a JavaScript RegExp, so no pattern the model writes can stall the worker.
 *
 * Syntax, against workspace-relative paths with `/` separators:
 *   `*`      any characters within one path segment (dotfiles included: `*.ts` matches `.hidden.ts`)
 *   `**`     as a whole segment: any number of segments, none included (`**` + `/x` matches `x` and `a/b/x`)
 *   `?`      one character other than `/`
 *   `[abc]`, `[a-z]`, `[!abc]`, `[^abc]`   one character (never `/`) from, or not from, the set
 *   `{a,b}`  either alternative, nestable (`{src,test}/**` + `/*.{ts,js}`)
 *   `\x`     the character x itself
 * Anything else stands for itself.
 */

/** Longest glob accepted: a bound on the size of the compiled expression. */
export const MAX_GLOB_CHARS = 1000;

export interface Glob {
  /** The leading path segments without glob syntax: only files under it can match. '' for the workspace root. */
  base: string;
  /** Whether the pattern has any glob syntax; a plain path names a file or a directory to list whole. */
  isGlob: boolean;
  /** Whether a workspace-relative path matches the whole pattern. */
  matches(path: string): boolean;
}

const GLOB_CHARS = /[*?[\]{}\\]/;

export function compileGlob(pattern: string): Glob {
  if (pattern.length > MAX_GLOB_CHARS) {
    throw new WorkspaceError(
      'invalid_input',
      `Invalid pattern: it is ${pattern.length} characters long; at most ${MAX_GLOB_CHARS} are accepted.`,
    );
  }
  const segments = pattern.split('/');
  const firstGlob = segments.findIndex((segment) => GLOB_CHARS.test(segment));
  const expression = RE2JS.compile(`^${translate(pattern, 0, pattern.length)}$`, RE2JS.DOTALL);
  return {
    base: (firstGlob === -1 ? segments : segments.slice(0, firstGlob)).join('/'),
    isGlob: firstGlob !== -1,
    matches: (path) => expression.test(path),
  };
}

/** The RE2 expression for `glob.slice(from, to)`, a whole pattern or one alternative of a brace. */
function translate(glob: string, from: number, to: number): string {
  let out = '';
  for (let at = from; at < to; at++) {
    const char = glob[at];
    if (char === '\\' && at + 1 < to) {
      out += literal(glob[++at]);
    } else if (char === '*') {
      let end = at;
      while (end + 1 < to && glob[end + 1] === '*') end++;
      const wholeSegment = (at === from || glob[at - 1] === '/') && (end + 1 === to || glob[end + 1] === '/');
      if (end > at && wholeSegment && end + 1 < to) {
        out += '(?:.*/)?'; // `**/` is zero or more directories
        end++;
      } else if (end > at && wholeSegment) {
        // A trailing `/**` is the directory itself or anything below it; a lone `**` is everything.
        const slash = literal('/');
        out = out.endsWith(slash) ? `${out.slice(0, -slash.length)}(?:/.*)?` : `${out}.*`;
      } else {
        out += '[^/]*';
      }
      at = end;
    } else if (char === '?') {
      out += '[^/]';
    } else if (char === '[') {
      const close = classEnd(glob, at, to);
      if (close === -1) out += literal(char);
      else {
        out += characterClass(glob.slice(at + 1, close));
        at = close;
      }
    } else if (char === '{') {
      const brace = braceAlternatives(glob, at, to);
      if (!brace) out += literal(char);
      else {
        out += `(?:${brace.alternatives.map(([start, end]) => translate(glob, start, end)).join('|')})`;
        at = brace.close;
      }
    } else {
      out += literal(char);
    }
  }
  return out;
}

/** A character as an RE2 literal: by code point, so no character is ever special. */
function literal(char: string): string {
  return `\\x{${char.codePointAt(0)!.toString(16)}}`;
}

/** Index of the `]` closing the class opened at `open`, or -1 (then the `[` is a literal). */
function classEnd(glob: string, open: number, to: number): number {
  let at = open + 1;
  if (glob[at] === '!' || glob[at] === '^') at++;
  if (glob[at] === ']') at++; // a leading `]` is a member, as in shells
  for (; at < to; at++) {
    if (glob[at] === '\\') at++;
    else if (glob[at] === '/')
      return -1; // a class never spans segments
    else if (glob[at] === ']') return at;
  }
  return -1;
}

/** An RE2 class for a glob class's body (between the brackets); `/` never matches. */
function characterClass(body: string): string {
  const negated = body[0] === '!' || body[0] === '^';
  let out = '';
  for (let at = negated ? 1 : 0; at < body.length; at++) {
    if (body[at] === '\\' && at + 1 < body.length) at++;
    out += literal(body[at]);
    if (body[at + 1] === '-' && at + 2 < body.length) {
      out += `-${literal(body[at + 2] === '\\' && at + 3 < body.length ? body[at + 3] : body[at + 2])}`;
      at += body[at + 2] === '\\' ? 3 : 2;
    }
  }
  return negated ? `[^/${out}]` : `(?:[${out}])`;
}

/**
 * The alternatives of the brace opened at `open`, as [start, end) ranges, and the index of its `}`; null when it
 * is not closed or has no top-level comma (then the `{` is a literal, as in shells).
 */
function braceAlternatives(
  glob: string,
  open: number,
  to: number,
): { alternatives: [number, number][]; close: number } | null {
  const alternatives: [number, number][] = [];
  let depth = 0;
  let start = open + 1;
  for (let at = open + 1; at < to; at++) {
    const char = glob[at];
    if (char === '\\') at++;
    else if (char === '{') depth++;
    else if (char === '}' && depth > 0) depth--;
    else if (char === ',' && depth === 0) {
      alternatives.push([start, at]);
      start = at + 1;
    } else if (char === '}') {
      if (alternatives.length === 0) return null;
      alternatives.push([start, at]);
      return { alternatives, close: at };
    }
  }
  return null;
}
