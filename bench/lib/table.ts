/** A plain-text table with aligned columns, for printing benchmark results. */

/**
 * Lays out rows (the first is the header) in columns two spaces apart, with a rule under the header. Columns
 * whose cells (below the header) all look numeric are right-aligned, so digits line up.
 */
export function formatTable(rows: readonly string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const numeric = rows[0].map((_, column) =>
    rows.slice(1).every((row) => /^[-+\d.,%×\s/]*$/.test(row[column]) || row[column] === '—'),
  );
  const format = (row: readonly string[]) =>
    row
      .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [format(rows[0]), rule, ...rows.slice(1).map(format)].join('\n');
}
