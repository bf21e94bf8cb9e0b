/** list_files globs, translated to linear-time RE2 expressions: the documented syntax, case by case. */
import { compileGlob } from '../../src/workspace/glob';

describe('compileGlob', () => {
  test.each([
    ['*.ts', ['a.ts', '.hidden.ts', '.ts'], ['src/a.ts', 'a.tsx']],
    ['**/*.ts', ['a.ts', 'src/a.ts', 'src/deep/.b.ts'], ['a.js']],
    ['src/**', ['src', 'src/a', 'src/a/b'], ['srcx', 'lib/src/a']],
    ['src/**/*.md', ['src/a.md', 'src/x/y/a.md'], ['a.md', 'src/a.mdx']],
    ['a**b', ['ab', 'axxb'], ['a/b']],
    ['?.txt', ['a.txt'], ['ab.txt', '/.txt']],
    ['[ab].txt', ['a.txt', 'b.txt'], ['c.txt']],
    ['[a-c]x', ['bx'], ['dx']],
    ['[!a]x', ['bx'], ['ax', '/x']],
    ['[^a]x', ['bx'], ['ax']],
    ['[]]', [']'], ['a']],
    ['{src,test}/*.{ts,js}', ['src/a.ts', 'test/b.js'], ['lib/a.ts', 'src/a.md']],
    ['*.{ts,{md,mdx}}', ['a.ts', 'a.md', 'a.mdx'], ['a.js']],
    ['{x}', ['{x}'], ['x']],
    ['f\\*.txt', ['f*.txt'], ['fa.txt']],
    ['a+b(c)|d$^.txt', ['a+b(c)|d$^.txt'], ['aab(c)|d$^.txt']],
    ['[unclosed', ['[unclosed'], ['u']],
  ])('%s', (pattern, matching, notMatching) => {
    const glob = compileGlob(pattern);
    for (const path of matching) expect({ path, matches: glob.matches(path) }).toEqual({ path, matches: true });
    for (const path of notMatching) expect({ path, matches: glob.matches(path) }).toEqual({ path, matches: false });
  });

  test('the base is the leading segments without glob syntax', () => {
    expect(compileGlob('src/deep/*.ts')).toMatchObject({ base: 'src/deep', isGlob: true });
    expect(compileGlob('{src,lib}/*.ts')).toMatchObject({ base: '', isGlob: true });
    expect(compileGlob('docs/guide.md')).toMatchObject({ base: 'docs/guide.md', isGlob: false });
  });

  test('an overlong pattern is refused', () => {
    expect(() => compileGlob('*'.repeat(1001))).toThrow(/at most 1000 are accepted/);
  });
});
