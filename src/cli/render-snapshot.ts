/** A session snapshot as a short readable block, for `lucid status`, the end of `lucid run` and the demo. */
import type { SessionSnapshot } from '../domain/events';
import { describeStopReason, formatCount, totalInputTokens } from './render-event';

export interface RenderSnapshotOptions {
  /** The Temporal execution status (RUNNING, COMPLETED, FAILED, ...), when known. */
  executionStatus?: string;
}

/**
 * ```
 * session    sesn_…
 * agent      scribe
 * status     terminated · stop reason end_turn
 * ...
 * final message:
 *   Done: …
 * ```
 */
export function renderSnapshot(snapshot: SessionSnapshot, options: RenderSnapshotOptions = {}): string {
  const usage = snapshot.usage;
  const rows: Array<[string, string]> = [
    ['session', snapshot.session_id],
    ['agent', snapshot.agent],
    ['status', snapshot.stop_reason ? `${snapshot.status} · stop reason ${describeStopReason(snapshot.stop_reason)}` : snapshot.status],
  ];
  if (options.executionStatus) rows.push(['workflow', options.executionStatus]);
  rows.push(
    ['turns', `${snapshot.turns} model request${snapshot.turns === 1 ? '' : 's'}, ${snapshot.event_count} events`],
    [
      'tokens',
      `in ${formatCount(totalInputTokens(usage))} (cached ${formatCount(usage.cache_read_input_tokens)}, ` +
        `cache writes ${formatCount(usage.cache_creation_input_tokens)}) · out ${formatCount(usage.output_tokens)}`,
    ],
    ['workspace', snapshot.workspace],
    ['created', snapshot.created_at],
    ['updated', snapshot.updated_at],
  );
  const table = rows.map(([label, value]) => `${label.padEnd(10)} ${value}`).join('\n');
  const finalMessage = snapshot.final_message === null ? '  (none)' : indent(snapshot.final_message.trimEnd());
  return `${table}\nfinal message:\n${finalMessage}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
}
