import { unifiedDiff } from '../../src/memory/diff';

const lines = (count: number, change: (index: number) => string | undefined = () => undefined) =>
  Array.from({ length: count }, (_, index) => `${change(index + 1) ?? `line ${index + 1}`}\n`).join('');

describe('unifiedDiff', () => {
  it('shows a small change with three lines of context', () => {
    const before = '# Preferences\n- tabs\n- dark theme\n- short answers\n';
    const after = '# Preferences\n- spaces, 2 wide\n- dark theme\n- short answers\n- cite sources\n';
    expect(unifiedDiff(before, after, { oldLabel: 'a/prefs.md', newLabel: 'b/prefs.md' })).toBe(
      [
        '--- a/prefs.md',
        '+++ b/prefs.md',
        '@@ -1,4 +1,5 @@',
        ' # Preferences',
        '-- tabs',
        '+- spaces, 2 wide',
        ' - dark theme',
        ' - short answers',
        '+- cite sources',
        '',
      ].join('\n'),
    );
  });

  it('is empty for equal texts', () => {
    expect(unifiedDiff('same\n', 'same\n')).toBe('');
  });

  it('splits distant changes into separate hunks and merges close ones', () => {
    const diff = unifiedDiff(
      lines(30),
      lines(30, (n) => (n === 3 || n === 9 || n === 25 ? `changed ${n}` : undefined)),
    );
    expect(diff.split('\n').filter((line) => line.startsWith('@@'))).toEqual([
      '@@ -1,12 +1,12 @@',
      '@@ -22,7 +22,7 @@',
    ]);
    expect(diff).toContain('-line 25\n+changed 25\n');
  });

  it('marks a missing final newline and diffs from and to empty text', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb')).toBe(
      '--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n',
    );
    expect(unifiedDiff('', 'new\n')).toBe('--- a\n+++ b\n@@ -0,0 +1,1 @@\n+new\n');
    expect(unifiedDiff('gone\n', '')).toBe('--- a\n+++ b\n@@ -1,1 +0,0 @@\n-gone\n');
  });

  it('finds the minimal edit inside a reordered list', () => {
    const diff = unifiedDiff('a\nb\nc\nd\n', 'a\nc\nd\nb\n', { context: 0 });
    expect(diff.split('\n').filter((line) => /^[-+][^-+]/.test(line))).toEqual(['-b', '+b']);
  });

  it('stays minimal and fast for a memory-sized text with scattered changes', () => {
    const started = Date.now();
    const diff = unifiedDiff(
      lines(8000),
      lines(8000, (n) => (n % 20 === 0 ? `edited ${n}` : undefined)),
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(diff.split('\n').filter((line) => line.startsWith('+edited'))).toHaveLength(400);
    expect(diff.split('\n').filter((line) => line.startsWith('-line'))).toHaveLength(400);
  });

  it('falls back to replacing the changed middle as a whole past 2,000 changed lines', () => {
    const diff = unifiedDiff(
      lines(3000),
      lines(3000, (n) => (n % 2 === 0 ? `edited ${n}` : undefined)),
    );
    const body = diff.split('\n');
    expect(body[2]).toBe('@@ -1,3000 +1,3000 @@');
    expect(body.filter((line) => line.startsWith('-line'))).toHaveLength(2999);
    expect(body.filter((line) => line.startsWith('+'))).toHaveLength(3000); // the "+++" label and 2,999 lines
  });
});
