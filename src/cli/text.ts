/** Small text helpers shared by the renderers. Pure. */

/** Longest text excerpt (agent messages, tool results, explanations) on one line, unless a caller says otherwise. */
export const DEFAULT_MAX_TEXT_LENGTH = 160;

/** Collapses text onto one line (newlines become " ↵ ") and cuts it to `max` characters with "…". */
export function oneLine(text: string, max: number = DEFAULT_MAX_TEXT_LENGTH): string {
  const flat = text
    .trim()
    .replace(/\s*\n\s*/g, ' ↵ ')
    .replace(/[\t ]+/g, ' ');
  const characters = Array.from(flat); // by code point, so an emoji is never cut in half
  return characters.length > max ? `${characters.slice(0, max - 1).join('')}…` : flat;
}

/** `12345` → `12,345`, independent of the machine's locale. */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/** `1 evaluation`, `3 evaluations`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * Lays out rows (the first is the header) in columns two spaces apart, without trailing spaces. The columns
 * listed in `rightAligned` are padded on the left, so the digits of numbers line up.
 */
export function formatColumns(rows: readonly string[][], rightAligned: ReadonlySet<number> = new Set()): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => Array.from(row[column]).length)));
  return rows.map((row) =>
    row
      .map((cell, column) => {
        const padding = ' '.repeat(widths[column] - Array.from(cell).length);
        return rightAligned.has(column) ? `${padding}${cell}` : `${cell}${padding}`;
      })
      .join('  ')
      .trimEnd(),
  );
}
