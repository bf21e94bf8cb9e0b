/**
 * Unified diffs between two texts, for reviewing memory changes (a dream's edits, a restore). Lines are compared
 * whole, line ending included, with Myers' O((N+M)·D) algorithm after the common head and tail are set aside.
 *
 * Hand-written rather than a dependency because it is small. Memories are at most 100 kB, but a diff with very
 * many changed lines would still cost D² memory, so past {@link MAX_EDIT_DISTANCE} changed lines the middle is
 * shown as removed and re-added as a whole: still a correct diff, just not a minimal one.
 */

export interface UnifiedDiffOptions {
  /** The `---` label; default "a". */
  oldLabel?: string;
  /** The `+++` label; default "b". */
  newLabel?: string;
  /** Unchanged lines shown around each change; default 3. */
  context?: number;
}

const MAX_EDIT_DISTANCE = 2_000;
const NO_NEWLINE = '\\ No newline at end of file';

type LineKind = ' ' | '-' | '+';

interface Line {
  kind: LineKind;
  /** The line with its `\n`, if it had one. */
  text: string;
}

/** The unified diff from `oldText` to `newText`, or "" when they are equal. */
export function unifiedDiff(oldText: string, newText: string, options: UnifiedDiffOptions = {}): string {
  if (oldText === newText) return '';
  const lines = diffLines(splitLines(oldText), splitLines(newText));
  const output = [`--- ${options.oldLabel ?? 'a'}`, `+++ ${options.newLabel ?? 'b'}`];
  for (const hunk of hunks(lines, options.context ?? 3)) output.push(...hunk);
  return `${output.join('\n')}\n`;
}

/** Lines with their terminators, so "a" and "a\n" differ and a missing final newline shows. */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** The whole edit script: common head, the middle's minimal (or fallback) edits, common tail. */
function diffLines(before: string[], after: string[]): Line[] {
  let head = 0;
  while (head < before.length && head < after.length && before[head] === after[head]) head++;
  let tail = 0;
  while (
    tail < before.length - head &&
    tail < after.length - head &&
    before[before.length - 1 - tail] === after[after.length - 1 - tail]
  ) {
    tail++;
  }
  const oldMiddle = before.slice(head, before.length - tail);
  const newMiddle = after.slice(head, after.length - tail);
  const middle = myers(oldMiddle, newMiddle) ?? [
    ...oldMiddle.map((text): Line => ({ kind: '-', text })),
    ...newMiddle.map((text): Line => ({ kind: '+', text })),
  ];
  const same = (text: string): Line => ({ kind: ' ', text });
  return [...before.slice(0, head).map(same), ...middle, ...before.slice(before.length - tail).map(same)];
}

/**
 * Myers' greedy shortest edit script. `frontiers[d][k + d]` is the furthest x reached on diagonal k = x − y with
 * d edits; walking them back from the end recovers the path. Null when more than {@link MAX_EDIT_DISTANCE} edits.
 */
function myers(before: string[], after: string[]): Line[] | null {
  const frontiers: Int32Array[] = [];
  for (let edits = 0; edits <= Math.min(before.length + after.length, MAX_EDIT_DISTANCE); edits++) {
    const previous = frontiers[edits - 1];
    const frontier = new Int32Array(2 * edits + 1);
    frontiers.push(frontier);
    for (let diagonal = -edits; diagonal <= edits; diagonal += 2) {
      let x = edits === 0 ? 0 : nextX(previous, edits, diagonal);
      let y = x - diagonal;
      while (x < before.length && y < after.length && before[x] === after[y]) {
        x++;
        y++;
      }
      frontier[diagonal + edits] = x;
      if (x >= before.length && y >= after.length) return backtrack(frontiers, before, after);
    }
  }
  return null;
}

/** Where diagonal `diagonal` starts at `edits` edits: one step down (an insertion) or right (a deletion). */
function nextX(previous: Int32Array, edits: number, diagonal: number): number {
  if (movesDown(previous, edits, diagonal)) return at(previous, edits - 1, diagonal + 1);
  return at(previous, edits - 1, diagonal - 1) + 1;
}

function movesDown(previous: Int32Array, edits: number, diagonal: number): boolean {
  if (diagonal === -edits) return true;
  if (diagonal === edits) return false;
  return at(previous, edits - 1, diagonal - 1) < at(previous, edits - 1, diagonal + 1);
}

function at(frontier: Int32Array, edits: number, diagonal: number): number {
  return frontier[diagonal + edits];
}

function backtrack(frontiers: Int32Array[], before: string[], after: string[]): Line[] {
  const lines: Line[] = [];
  let x = before.length;
  let y = after.length;
  for (let edits = frontiers.length - 1; edits > 0; edits--) {
    const previous = frontiers[edits - 1];
    const diagonal = x - y;
    const down = movesDown(previous, edits, diagonal);
    const fromDiagonal = down ? diagonal + 1 : diagonal - 1;
    const fromX = at(previous, edits - 1, fromDiagonal);
    const fromY = fromX - fromDiagonal;
    // The snake of equal lines after this step's single edit, walked backwards.
    const snakeX = down ? fromX : fromX + 1;
    while (x > snakeX) {
      lines.push({ kind: ' ', text: before[--x] });
      y--;
    }
    lines.push(down ? { kind: '+', text: after[fromY] } : { kind: '-', text: before[fromX] });
    x = fromX;
    y = fromY;
  }
  while (x > 0) lines.push({ kind: ' ', text: before[--x] });
  return lines.reverse();
}

/** Groups changes that are at most 2·context lines apart into hunks, each with its `@@` header. */
function hunks(lines: Line[], context: number): string[][] {
  const changed = lines.flatMap((line, index) => (line.kind === ' ' ? [] : [index]));
  const result: string[][] = [];
  let first = 0;
  while (first < changed.length) {
    let last = first;
    while (last + 1 < changed.length && changed[last + 1] - changed[last] <= 2 * context + 1) last++;
    const start = Math.max(0, changed[first] - context);
    const end = Math.min(lines.length, changed[last] + context + 1);
    result.push(renderHunk(lines, start, end));
    first = last + 1;
  }
  return result;
}

function renderHunk(lines: Line[], start: number, end: number): string[] {
  const oldBefore = lines.slice(0, start).filter((line) => line.kind !== '+').length;
  const newBefore = lines.slice(0, start).filter((line) => line.kind !== '-').length;
  const body = lines.slice(start, end);
  const oldCount = body.filter((line) => line.kind !== '+').length;
  const newCount = body.filter((line) => line.kind !== '-').length;
  const header = `@@ -${range(oldBefore, oldCount)} +${range(newBefore, newCount)} @@`;
  return [header, ...body.flatMap(renderLine)];
}

/** "start,count"; an empty range names the line before it, as diff(1) does ("-0,0" before the first line). */
function range(linesBefore: number, count: number): string {
  return `${count === 0 ? linesBefore : linesBefore + 1},${count}`;
}

function renderLine(line: Line): string[] {
  if (line.text.endsWith('\n')) return [line.kind + line.text.slice(0, -1)];
  return [line.kind + line.text, NO_NEWLINE];
}
