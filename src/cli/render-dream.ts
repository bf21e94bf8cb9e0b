/**
 * Dreams and their proposed changes as readable text, for `lucid dreams show`, `list` and `review`. Pure apart
 * from the local time zone of the timestamps.
 *
 * ```
 * dream      drm_…
 * status     running · phase awaiting_review
 * store      memstore_… (update_existing)
 * sessions   3: sesn_a, sesn_b, sesn_c
 * ...
 * chg_1  add /lessons/sources.md · support 3 · pending
 *        rationale  Three sessions failed the Sources criterion.
 *        evidence   sesn_a#1,4  sesn_b#1  sesn_c#2
 *        provenance 3 user messages, 1 tool output
 *        --- /dev/null
 *        +++ b/lessons/sources.md
 *        ...
 * ```
 */
import type { Dream, DreamChange, DreamChangeStatus, Evidence } from '../domain/dream';
import { formatLocalTime } from './commands/sessions';
import { describeUsage } from './render-event';
import { describeProvenance, untrustedReason } from '../dreams/provenance';
import { formatCount, oneLine, plural } from './text';

/** Statuses in the order a reader cares about them: what still needs a decision first. */
const CHANGE_STATUSES: readonly DreamChangeStatus[] = [
  'pending',
  'approved',
  'applied',
  'conflicted',
  'rejected',
  'expired',
];
/** Sessions named in the `sessions` row and in a change's evidence before the rest are only counted. */
const MAX_SESSIONS_SHOWN = 8;
/** Lines of a change's details start under its operation. */
const DETAIL_INDENT = ' '.repeat(7);
const LABEL_WIDTH = 10;

export interface RenderDreamOptions {
  /** The Temporal execution status (RUNNING, COMPLETED, ...), when known. */
  executionStatus?: string;
}

/** The dream's summary rows, then every change with its diff. */
export function renderDream(dream: Dream, options: RenderDreamOptions = {}): string {
  const rows: Array<[string, string]> = [
    ['dream', dream.id],
    [
      'status',
      `${dream.status} · phase ${dream.phase}${options.executionStatus ? ` (workflow ${options.executionStatus})` : ''}`,
    ],
    ['store', describeStores(dream)],
    ['sessions', describeSessions(dream.session_ids)],
    ['model', `${dream.model} · review ${dream.review}`],
    ['usage', `tokens ${describeUsage(dream.usage)}`],
    ['created', formatTimestamp(dream.created_at)],
  ];
  if (dream.ended_at) rows.push(['ended', formatTimestamp(dream.ended_at)]);
  if (dream.review_deadline && dream.phase === 'awaiting_review')
    rows.push(['review by', formatTimestamp(dream.review_deadline)]);
  if (dream.instructions) rows.push(['steering', oneLine(dream.instructions, 200)]);
  if (dream.error) rows.push(['error', `${dream.error.type}: ${oneLine(dream.error.message, 300)}`]);
  rows.push(['changes', describeChangeCounts(dream.changes)]);
  const summary = rows.map(([label, value]) => `${label.padEnd(LABEL_WIDTH)} ${value}`).join('\n');
  const changes = dream.changes.map((change) => renderChange(change).join('\n'));
  return [summary, ...changes].join('\n\n');
}

/** One change: its head line, rationale, evidence, decision, and its diff, indented under the head. */
export function renderChange(change: DreamChange): string[] {
  const head = `${change.id.padEnd(DETAIL_INDENT.length - 2)}  ${describeOperation(change)} · support ${change.support} · ${change.status}`;
  const details: Array<[string, string]> = [
    ['rationale', change.rationale],
    ['evidence', describeEvidence(change.evidence)],
    ['provenance', describeProvenance(change) ?? 'not recorded (the dream predates evidence provenance)'],
  ];
  const untrusted = untrustedReason(change);
  if (untrusted) details.push(['UNTRUSTED', `${untrusted} — held for human review`]);
  if (change.decision) details.push(['decision', describeDecision(change)]);
  if (change.status_detail) details.push(['detail', change.status_detail]);
  const detailLines = details.flatMap(([label, value]) => labelled(label, value));
  const diffLines = change.diff
    .trimEnd()
    .split('\n')
    .map((line) => `${DETAIL_INDENT}${line}`);
  return [head, ...detailLines, ...(change.diff ? diffLines : [])];
}

/** `add /a.md`, `edit /a.md`, `delete /a.md`, `merge /a.md + /b.md → /c.md`. */
export function describeOperation(change: DreamChange): string {
  if (change.op === 'merge') return `merge ${change.paths.join(' + ')} → ${change.into_path}`;
  return `${change.op} ${change.path}`;
}

/** `sesn_a#1,4 sesn_b#2`: each session with the event numbers that show the lesson. */
export function describeEvidence(evidence: readonly Evidence[]): string {
  if (evidence.length === 0) return '(none)';
  const shown = evidence.slice(0, MAX_SESSIONS_SHOWN).map((item) => `${item.session_id}#${item.seqs.join(',')}`);
  const more = evidence.length - shown.length;
  return `${shown.join('  ')}${more > 0 ? `  … and ${plural(more, 'more session')}` : ''}`;
}

/** `1 pending, 2 applied` (statuses with no change left out), or `none`. */
export function describeChangeCounts(changes: readonly DreamChange[]): string {
  if (changes.length === 0) return 'none';
  const counts = CHANGE_STATUSES.map(
    (status) => [status, changes.filter((change) => change.status === status).length] as const,
  )
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status}`);
  return `${changes.length}: ${counts.join(', ')}`;
}

/** The columns of `lucid dreams list`. */
export const DREAM_LIST_HEADER = [
  'ID',
  'STATUS',
  'PHASE',
  'STORE',
  'SESSIONS',
  'CHANGES',
  'PENDING',
  'APPLIED',
  'CREATED',
];
/** SESSIONS to APPLIED: numbers, right-aligned. */
export const DREAM_LIST_NUMBER_COLUMNS: ReadonlySet<number> = new Set([4, 5, 6, 7]);

/** One row of `lucid dreams list`; `status` overrides the record's (for a workflow that ended without saying so). */
export function dreamListRow(dream: Dream, status: string = dream.status): string[] {
  const count = (wanted: DreamChangeStatus) =>
    formatCount(dream.changes.filter((change) => change.status === wanted).length);
  return [
    dream.id,
    status,
    dream.phase,
    dream.memory_store_id,
    formatCount(dream.session_ids.length),
    formatCount(dream.changes.length),
    count('pending'),
    count('applied'),
    formatTimestamp(dream.created_at),
  ];
}

/** `memstore_a (update_existing)` or `memstore_a → copy memstore_b (create_new)`. */
function describeStores(dream: Dream): string {
  const output = dream.outputs[0]?.memory_store_id;
  if (dream.output_behavior.type === 'update_existing' || !output)
    return `${dream.memory_store_id} (${dream.output_behavior.type})`;
  return `${dream.memory_store_id} → copy ${output} (create_new)`;
}

function describeSessions(sessionIds: readonly string[]): string {
  if (sessionIds.length === 0) return 'none yet';
  const shown = sessionIds.slice(0, MAX_SESSIONS_SHOWN).join(', ');
  const more = sessionIds.length - MAX_SESSIONS_SHOWN;
  return `${sessionIds.length}: ${shown}${more > 0 ? `, … and ${more} more` : ''}`;
}

/** `approved by ana at 2025-06-05 14:02:11: "looks right"` */
function describeDecision(change: DreamChange): string {
  const decision = change.decision!;
  // An applied or conflicted change was approved first; expired ones were decided by the deadline.
  const verb = change.status === 'rejected' ? 'rejected' : change.status === 'expired' ? 'expired' : 'approved';
  const comment = decision.comment ? `: ${JSON.stringify(oneLine(decision.comment, 200))}` : '';
  return `${verb} by ${decision.by} at ${formatTimestamp(decision.at)}${comment}`;
}

/** `label  value`, a multi-line value's further lines aligned under its first. */
function labelled(label: string, value: string): string[] {
  const [first, ...rest] = value.trimEnd().split('\n');
  const indent = `${DETAIL_INDENT}${' '.repeat(LABEL_WIDTH + 1)}`;
  return [`${DETAIL_INDENT}${label.padEnd(LABEL_WIDTH)} ${first}`, ...rest.map((line) => `${indent}${line}`)];
}

function formatTimestamp(timestamp: string): string {
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? timestamp : formatLocalTime(date);
}
