import { InvalidMemoryPathError } from '../../src/memory/errors';
import {
  isUnderPrefix,
  memoryStoreSlug,
  pathsOverlap,
  validateMemoryPath,
  validatePathPrefix,
} from '../../src/memory/paths';

/** The error `validateMemoryPath` throws for `path`, or a failure when it accepts it. */
function refusal(path: unknown): InvalidMemoryPathError {
  try {
    validateMemoryPath(path);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidMemoryPathError);
    return error as InvalidMemoryPathError;
  }
  throw new Error(`accepted ${JSON.stringify(path)}`);
}

describe('validateMemoryPath', () => {
  const twentyOneSegments = `/${Array.from({ length: 21 }, (_, index) => `s${index}`).join('/')}`;
  const badPaths: Array<[label: string, path: unknown, reason: RegExp]> = [
    ['empty string', '', /cannot be empty/],
    ['no leading slash', 'notes/todo.md', /must start with "\/", for example "\/notes\/todo.md"/],
    ['just a slash', '/', /names no memory/],
    ['empty segment', '/notes//todo.md', /empty segment/],
    ['leading double slash', '//notes', /empty segment/],
    ['"." segment', '/notes/./todo.md', /cannot be "\."/],
    ['".." segment', '/notes/../todo.md', /cannot be "\.\."/],
    ['only ".."', '/..', /cannot be "\.\."/],
    ['trailing slash', '/notes/', /cannot end with "\/"/],
    ['21 segments', twentyOneSegments, /21 segments; the limit is 20/],
    ['1,025 bytes (513 characters)', `/${'é'.repeat(512)}`, /1025 bytes of UTF-8; the limit is 1024/],
    ['control character BEL', '/a\u0007b', /U\+0007 \(a control character\) at index 2/],
    ['NUL', '/a\u0000b', /U\+0000 \(a control character\)/],
    ['newline', '/a\nb', /U\+000A \(a control character\)/],
    ['DEL', '/a\u007Fb', /U\+007F \(a control character\)/],
    ['left-to-right mark (Cf)', '/a\u200Eb', /U\+200E \(a format character\)/],
    ['zero-width space (Cf)', '/a\u200Bb', /U\+200B \(a format character\)/],
    ['byte order mark (Cf)', '/\uFEFFnotes', /U\+FEFF \(a format character\)/],
    ['line separator', '/a\u2028b', /U\+2028 \(a line or paragraph separator\)/],
    ['paragraph separator', '/a\u2029b', /U\+2029 \(a line or paragraph separator\)/],
    ['unpaired surrogate', '/a\uD800b', /U\+D800 \(an unpaired surrogate/],
    ['not NFC (e + combining acute)', '/cafe\u0301.md', /not NFC-normalized; send its NFC form "\/café.md" instead/],
    ['not a string', 42, /must be a string/],
  ];

  it.each(badPaths)('refuses %s with a reason', (_label, path, reason) => {
    const error = refusal(path);
    expect(error.code).toBe('invalid_path');
    expect(error.message).toMatch(/^Invalid memory path /);
    expect(error.message).toMatch(reason);
  });

  it('shows invisible characters escaped in the message', () => {
    expect(refusal('/a\u0000b').message).toContain('"/a\\u0000b"');
  });

  const goodPaths = [
    '/a',
    '/notes/todo.md',
    '/Notes/TODO.md',
    '/café.md',
    '/with space/and-dash_under.score',
    '/.hidden/...',
    '/日本語/メモ.md',
    '/emoji/😀.md',
    `/${Array.from({ length: 20 }, (_, index) => `s${index}`).join('/')}`,
    `/${'a'.repeat(1023)}`,
    `/${'é'.repeat(511)}a`,
  ];

  it.each(goodPaths)('accepts %s unchanged', (path) => {
    expect(validateMemoryPath(path)).toBe(path);
  });
});

describe('pathsOverlap', () => {
  it('is true for equal paths and for ancestors in either direction, on whole segments only', () => {
    expect(pathsOverlap('/notes', '/notes')).toBe(true);
    expect(pathsOverlap('/notes', '/notes/todo.md')).toBe(true);
    expect(pathsOverlap('/notes/deep/er.md', '/notes')).toBe(true);
    expect(pathsOverlap('/note', '/notes')).toBe(false);
    expect(pathsOverlap('/notes', '/notes.md')).toBe(false);
    expect(pathsOverlap('/Notes', '/notes/a')).toBe(false); // case-sensitive
  });
});

describe('validatePathPrefix', () => {
  it('accepts "/" and paths ending in "/", matching whole segments', () => {
    expect(validatePathPrefix('/')).toBe('/');
    expect(validatePathPrefix('/notes/')).toBe('/notes/');
    expect(isUnderPrefix('/notes/a.md', '/notes/')).toBe(true);
    expect(isUnderPrefix('/notes-old/a.md', '/notes/')).toBe(false);
  });

  it('refuses prefixes without the trailing slash or with bad segments', () => {
    expect(() => validatePathPrefix('/notes')).toThrow(/must end with "\/", for example "\/notes\/"/);
    expect(() => validatePathPrefix('/a/../')).toThrow(InvalidMemoryPathError);
    expect(() => validatePathPrefix('notes/')).toThrow(/must start with "\/"/);
  });
});

describe('memoryStoreSlug', () => {
  it('lowercases and turns runs of other characters into one dash', () => {
    expect(memoryStoreSlug('Team Notes: Q3 (draft)')).toBe('team-notes-q3-draft-');
    expect(memoryStoreSlug('user-prefs')).toBe('user-prefs');
  });
});
