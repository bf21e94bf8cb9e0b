import { InvalidMemoryPathError } from './errors';

/**
 * Memory path rules, as in the Managed Agents API: a path starts with `/`, has 1–20 segments, none empty, `.` or
 * `..`, contains no control or format characters (Unicode Cc, Cf) and no U+2028/U+2029, is NFC-normalized, is at
 * most 1,024 bytes of UTF-8, and is compared case-sensitively, byte for byte.
 *
 * Paths are checked, never repaired: a non-NFC path is refused with its NFC form in the message, because silently
 * normalizing would make the stored path differ from the one the caller holds (and the one it hashes or compares).
 */

export const MEMORY_PATH_MAX_BYTES = 1024;
export const MEMORY_PATH_MAX_SEGMENTS = 20;

/** Cc and Cf categories, the two separators JSON and JavaScript treat as line ends, and unpaired surrogates. */
const FORBIDDEN_CHARACTER = /[\p{Cc}\p{Cf}\u2028\u2029\p{Cs}]/u;

/** Returns `path` unchanged when it is a valid memory path; throws {@link InvalidMemoryPathError} saying why not. */
export function validateMemoryPath(path: unknown): string {
  if (typeof path !== 'string') throw new InvalidMemoryPathError(String(path), 'a path must be a string');
  const reason = pathProblem(path);
  if (reason) throw new InvalidMemoryPathError(path, reason);
  return path;
}

/** Why `path` is not a valid memory path, or null when it is. */
function pathProblem(path: string): string | null {
  if (path === '') return 'a path cannot be empty; use an absolute path such as "/notes/todo.md"';
  if (!path.startsWith('/')) return `a path must start with "/", for example ${JSON.stringify(`/${path}`)}`;
  const bytes = Buffer.byteLength(path, 'utf8');
  if (bytes > MEMORY_PATH_MAX_BYTES) return `it is ${bytes} bytes of UTF-8; the limit is ${MEMORY_PATH_MAX_BYTES}`;
  const forbidden = FORBIDDEN_CHARACTER.exec(path);
  if (forbidden) return `it contains ${describeCharacter(forbidden[0])} at index ${forbidden.index}; remove it`;
  const normalized = path.normalize('NFC');
  if (normalized !== path) return `it is not NFC-normalized; send its NFC form ${JSON.stringify(normalized)} instead`;
  if (path === '/') return 'it names no memory; add a name after "/", for example "/notes.md"';
  if (path.endsWith('/')) return 'a path cannot end with "/"; name the memory itself, not a folder';
  const segments = path.slice(1).split('/');
  if (segments.length > MEMORY_PATH_MAX_SEGMENTS) {
    return `it has ${segments.length} segments; the limit is ${MEMORY_PATH_MAX_SEGMENTS}`;
  }
  return segments.map(segmentProblem).find((problem) => problem !== null) ?? null;
}

function segmentProblem(segment: string): string | null {
  if (segment === '') return 'it has an empty segment ("//"); use single slashes';
  if (segment === '.' || segment === '..') return `a segment cannot be "${segment}"; paths are absolute and literal`;
  return null;
}

/** "U+200E (a format character)", for messages about characters nobody can see. */
function describeCharacter(character: string): string {
  const codePoint = `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  if (/\p{Cc}/u.test(character)) return `${codePoint} (a control character)`;
  if (/\p{Cf}/u.test(character)) return `${codePoint} (a format character)`;
  if (/\p{Cs}/u.test(character)) return `${codePoint} (an unpaired surrogate, not valid UTF-8)`;
  return `${codePoint} (a line or paragraph separator)`;
}

/**
 * True when one path equals the other or is an ancestor of it: such memories cannot coexist, since `/notes` would
 * have to be both a file and a folder. Compared on whole segments, so `/note` and `/notes` do not overlap.
 */
export function pathsOverlap(first: string, second: string): boolean {
  return first === second || first.startsWith(`${second}/`) || second.startsWith(`${first}/`);
}

/**
 * Returns `prefix` when it is a valid listing prefix: `/`, or a valid path followed by `/` (so it matches whole
 * segments: `/notes/` matches `/notes/a.md`, never `/notes-old.md`).
 */
export function validatePathPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string') throw new InvalidMemoryPathError(String(prefix), 'a path prefix must be a string');
  if (prefix === '/') return prefix;
  if (!prefix.endsWith('/')) {
    const example = JSON.stringify(`${prefix}/`);
    throw new InvalidMemoryPathError(prefix, `a path prefix must end with "/", for example ${example}`);
  }
  const problem = pathProblem(prefix.slice(0, -1));
  if (problem) throw new InvalidMemoryPathError(prefix, problem);
  return prefix;
}

/** True when `path` lies under `prefix` (a prefix accepted by {@link validatePathPrefix}). */
export function isUnderPrefix(path: string, prefix: string): boolean {
  return path.startsWith(prefix);
}

/**
 * The folder name a store is mounted under in a session (`/mnt/memory/<slug>`): the name lowercased, each run of
 * characters other than `a-z0-9` turned into one `-`.
 */
export function memoryStoreSlug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}
