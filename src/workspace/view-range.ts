import { z } from 'zod';
import { WorkspaceError } from './sandbox';

/**
 * The read tool's `view_range` and its numbered output. As in the API: `[start_line, end_line]`, 1-based and
 * inclusive, an end of -1 (or any end ≤ 0) meaning the end of the file. An end past the last line reads to the
 * end; a start past it is an error, so the model learns how long the file is.
 */
// An array of two rather than a tuple: its JSON schema (items + minItems/maxItems) is the plainer one for the API.
export const ViewRangeSchema = z.array(z.number().int()).length(2);
export type ViewRange = number[];

/** The lines of `text` in `range` (the whole file without one), each as `number<TAB>line` like `cat -n`. */
export function selectLines(text: string, range: ViewRange | undefined, displayPath: string): string {
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop(); // a final line break ends the last line; it does not start another
  const [start, end] = range ? checkedRange(range, lines.length, displayPath) : [1, lines.length];
  const width = String(end).length;
  return lines
    .slice(start - 1, end)
    .map((line, index) => `${String(start + index).padStart(width)}\t${line}`)
    .join('\n');
}

function checkedRange([start, end]: ViewRange, lineCount: number, displayPath: string): [number, number] {
  const invalid = (why: string) =>
    new WorkspaceError('invalid_input', `Invalid view_range [${start}, ${end}] for ${displayPath}: ${why}`);
  if (start < 1) throw invalid('start_line must be 1 or more (lines are numbered from 1).');
  if (start > lineCount) throw invalid(`start_line is past the end: the file has ${lineCount} line(s).`);
  if (end <= 0) return [start, lineCount];
  if (end < start) throw invalid('end_line is before start_line (use -1 to read to the end).');
  return [start, Math.min(end, lineCount)];
}
