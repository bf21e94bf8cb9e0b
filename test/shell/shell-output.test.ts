import { KEPT_BYTES_EACH_END, ShellOutput } from '../../src/shell/shell-output';

const MARKER = '0123456789abcdef0123456789abcdef';
const end = (status: number) => Buffer.from(`\n${MARKER}:${status}\n`);

describe('ShellOutput', () => {
  it('returns the exit status once the end line arrives, and the output before it exactly', () => {
    const output = new ShellOutput(MARKER);
    expect(output.push(Buffer.from('no newline at the end'))).toBeNull();
    expect(output.push(end(3))).toBe(3);
    expect(output.collected()).toEqual({ text: 'no newline at the end', totalBytes: 21 });
  });

  it('finds an end line split across chunks, and drops what a background process printed after it', () => {
    const output = new ShellOutput(MARKER);
    const whole = Buffer.concat([Buffer.from('line\n'), end(0), Buffer.from('late background output')]);
    let status: number | null = null;
    for (let i = 0; i < whole.length; i += 7) status ??= output.push(whole.subarray(i, i + 7));
    expect(status).toBe(0);
    expect(output.collected().text).toBe('line\n');
  });

  it('keeps the two ends of a long output and says how much of the middle it left out', () => {
    const output = new ShellOutput(MARKER);
    const lines = Array.from({ length: 20_000 }, (_, n) => `line ${n}\n`).join('');
    for (let i = 0; i < lines.length; i += 4096) output.push(Buffer.from(lines.slice(i, i + 4096)));
    output.push(end(0));
    const { text, totalBytes } = output.collected();
    expect(totalBytes).toBe(Buffer.byteLength(lines));
    expect(text.startsWith('line 0\nline 1\n')).toBe(true);
    expect(text.endsWith('line 19998\nline 19999\n')).toBe(true);
    const omitted = Number(/\[\.\.\. (\d+) bytes of output omitted \.\.\.\]/.exec(text)?.[1]);
    expect(omitted).toBe(totalBytes - 2 * KEPT_BYTES_EACH_END);
  });

  it('is not fooled by a marker of another call', () => {
    const output = new ShellOutput(MARKER);
    expect(output.push(Buffer.from(`\nffffffffffffffffffffffffffffffff:0\n`))).toBeNull();
  });
});
