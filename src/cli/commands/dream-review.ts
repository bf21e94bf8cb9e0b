/**
 * `lucid dreams review <id>`: decides on the changes a dream awaits a human review for, by sending the dream
 * workflow its updates (`dream.approve`, `dream.reject`, `dream.approve_all`, `dream.reject_all`). With decision
 * flags it sends those; without, on a terminal, it walks through each pending change and asks; without either it
 * prints the pending changes and exits 2. Each update answers once the dream has taken the decision; when none
 * are left pending, the command waits until the dream has applied the approved changes, and says what became of
 * each.
 */
import type { Dream, DreamChange } from '../../domain/dream';
import type { DecidedChange } from '../../workflows/api/dream-api';
import { CommandUsageError, parseCommandArguments, parseListOption } from '../args';
import type { Command, CommandContext } from '../command';
import type { Connected } from '../connect';
import { CliError, ExitCode, type ExitCodeValue } from '../errors';
import { findDream, queryDream, type FoundDream } from '../dream-lookup';
import { reviewInteractively, terminalConversation, type ChangeVerdict } from '../interactive-review';
import { userName } from '../memory-access';
import { renderChange } from '../render-dream';
import { plural } from '../text';
import { sendUpdate, type UpdateOutcome } from '../workflow-update';

const OPTIONS = {
  approve: { type: 'string', multiple: true },
  reject: { type: 'string', multiple: true },
  'approve-all': { type: 'boolean' },
  'reject-all': { type: 'boolean' },
  by: { type: 'string' },
  comment: { type: 'string' },
  'no-wait': { type: 'boolean' },
} as const;

/** How long to wait for the approved changes to be applied once nothing is pending. */
const APPLIED_TIMEOUT_MS = 60_000;
/** The dream workflow's own limits on a decision (src/domain/dream.ts); it ignores decisions beyond them. */
const MAX_BY_LENGTH = 255;
const MAX_COMMENT_LENGTH = 4096;

/** What to decide: single changes first, then everything still pending. */
interface Decisions {
  verdicts: ChangeVerdict[];
  all: 'approved' | 'rejected' | null;
}

interface Reviewer {
  by: string;
  comment?: string;
}

export const dreamReviewCommand: Command = async (args, context) => {
  const { positionals, options } = parseCommandArguments('dreams review', args, OPTIONS, ['id']);
  const [dreamId] = positionals;
  const flagged = parseDecisionFlags(options);
  const reviewer = parseReviewer(options);
  const connected = await context.connect();
  const found = await findDream(connected, dreamId);
  requireAwaitingReview(found);
  const pending = found.dream.changes.filter(isPending);
  const decisions = flagged ?? (await askForDecisions(pending, context, dreamId));
  if (!decisions) return ExitCode.ok;
  if (flagged) checkDecisionsApply(found.dream, flagged);
  const decided = await sendDecisions(connected, dreamId, decisions, reviewer);
  if (!decided) {
    context.stderr.write(
      `decisions sent to ${dreamId}, but no worker has taken them yet; they take effect when one does (lucid dreams show ${dreamId})\n`,
    );
    return ExitCode.ok;
  }
  return reportOutcome(connected, found.dream, decided, { ...context, wait: !options['no-wait'] });
};

/** The decision flags, or null when none was given (then the review is interactive). */
function parseDecisionFlags(options: {
  approve?: string[];
  reject?: string[];
  'approve-all'?: boolean;
  'reject-all'?: boolean;
}): Decisions | null {
  const approve = parseListOption('dreams review', 'approve', options.approve);
  const reject = parseListOption('dreams review', 'reject', options.reject);
  if (options['approve-all'] && options['reject-all'])
    throw new CommandUsageError('give --approve-all or --reject-all, not both', 'dreams review');
  const both = approve.filter((changeId) => reject.includes(changeId));
  if (both.length > 0)
    throw new CommandUsageError(`${both.join(', ')} cannot be both approved and rejected`, 'dreams review');
  const all = options['approve-all'] ? 'approved' : options['reject-all'] ? 'rejected' : null;
  const verdicts: ChangeVerdict[] = [
    ...approve.map((change_id) => ({ change_id, decision: 'approved' as const })),
    ...reject.map((change_id) => ({ change_id, decision: 'rejected' as const })),
  ];
  return verdicts.length === 0 && all === null ? null : { verdicts, all };
}

function parseReviewer(options: { by?: string; comment?: string }): Reviewer {
  const by = userName(options.by);
  if (by.length > MAX_BY_LENGTH)
    throw new CommandUsageError(`--by may have at most ${MAX_BY_LENGTH} characters`, 'dreams review');
  if (options.comment !== undefined && options.comment.length > MAX_COMMENT_LENGTH) {
    throw new CommandUsageError(`--comment may have at most ${MAX_COMMENT_LENGTH} characters`, 'dreams review');
  }
  return { by, comment: options.comment };
}

/** Only a running dream in `awaiting_review` takes decisions; anything else would be ignored, so say why. */
function requireAwaitingReview({ dream, running }: FoundDream): void {
  if (!running)
    throw new CliError(`dream ${dream.id} has ended (${dream.status}); it no longer takes decisions`, ExitCode.failed);
  if (dream.phase === 'awaiting_review') return;
  const reason =
    dream.review === 'auto'
      ? 'it reviews its changes itself (review auto)'
      : `it is ${dream.phase}; its changes can be reviewed once \`lucid dreams show ${dream.id}\` says awaiting_review`;
  throw new CliError(`dream ${dream.id} is not awaiting review: ${reason}`, ExitCode.failed);
}

/** Every change named must exist and still be pending, or the dream would ignore the decision without a word. */
function checkDecisionsApply(dream: Dream, decisions: Decisions): void {
  for (const { change_id } of decisions.verdicts) {
    const change = dream.changes.find((candidate) => candidate.id === change_id);
    if (!change) {
      const known = dream.changes.map((candidate) => candidate.id).join(', ');
      throw new CliError(
        `dream ${dream.id} has no change "${change_id}" (its changes: ${known || 'none'})`,
        ExitCode.notFound,
      );
    }
    if (change.status !== 'pending') throw new CliError(`${change_id} is already ${change.status}`, ExitCode.failed);
  }
}

/**
 * Asks at a terminal; without one, prints what awaits a decision and stops with exit code 2, since a script that
 * forgot its flags must not hang on a question nobody will answer. Null when nothing was decided.
 */
async function askForDecisions(
  pending: readonly DreamChange[],
  { stdin, stdout }: CommandContext,
  dreamId: string,
): Promise<Decisions | null> {
  if (!stdin?.isTTY) {
    stdout.write(`${pending.map((change) => renderChange(change).join('\n')).join('\n\n')}\n`);
    throw new CliError(
      `no decision given for the ${plural(pending.length, 'pending change')} above: pass --approve ID,... and/or ` +
        `--reject ID,..., or --approve-all / --reject-all (or run lucid dreams review ${dreamId} on a terminal to decide one by one)`,
      ExitCode.usage,
    );
  }
  const conversation = terminalConversation(stdin, stdout);
  try {
    const { verdicts, skipped } = await reviewInteractively(pending, conversation);
    stdout.write('\n');
    if (verdicts.length === 0) {
      stdout.write(`no decisions made; ${plural(skipped.length, 'change')} still pending\n`);
      return null;
    }
    return { verdicts, all: null };
  } finally {
    conversation.close();
  }
}

/**
 * Sends the decisions one update at a time, single changes first; the changes as the dream decided them, or null
 * when no worker took an update within the deadline. A decision the dream rejects stops the review with its reason.
 */
async function sendDecisions(
  connected: Connected,
  dreamId: string,
  decisions: Decisions,
  reviewer: Reviewer,
): Promise<DecidedChange[] | null> {
  const { lucid } = connected;
  const decided: DecidedChange[] = [];
  const take = async <T>(call: () => Promise<T>): Promise<T | null> => {
    const outcome: UpdateOutcome<T> = await sendUpdate(connected, call);
    if (outcome.kind === 'rejected')
      throw new CliError(`dream ${dreamId}: ${outcome.rejection.message}`, ExitCode.failed);
    return outcome.kind === 'done' ? outcome.result : null;
  };
  for (const { change_id, decision } of decisions.verdicts) {
    const change = await take(() =>
      decision === 'approved'
        ? lucid.approveChange(dreamId, { change_id, ...reviewer })
        : lucid.rejectChange(dreamId, { change_id, ...reviewer }),
    );
    if (!change) return null;
    decided.push(change);
  }
  if (decisions.all) {
    const all = await take(() =>
      decisions.all === 'approved' ? lucid.approveAll(dreamId, reviewer) : lucid.rejectAll(dreamId, reviewer),
    );
    if (!all) return null;
    decided.push(...all);
  }
  return decided;
}

/**
 * Prints each decided change's fate: as decided, or, when nothing is left pending, as the dream applied it (it
 * waits for the dream to end). Exit 1 when an approved change could not be applied (conflicted).
 */
async function reportOutcome(
  connected: Connected,
  before: Dream,
  decided: readonly DecidedChange[],
  { stdout, stderr, wait }: Pick<CommandContext, 'stdout' | 'stderr'> & { wait: boolean },
): Promise<ExitCodeValue> {
  let dream = (await queryDream(connected, before.id)) ?? withDecisions(before, decided);
  const stillPending = dream.changes.filter(isPending);
  if (stillPending.length === 0 && wait) dream = (await waitForEnd(connected, before.id)) ?? dream;
  const fates = decided.map((change) => changeOf(dream, change.id));
  for (const change of fates) stdout.write(`${describeFate(change)}\n`);
  stdout.write(`${summarize(dream, stillPending)}\n`);
  const conflicted = fates.filter((change): change is DreamChange => change?.status === 'conflicted');
  for (const change of conflicted)
    stderr.write(`lucid: ${change.id} was approved but not applied: ${change.status_detail ?? 'conflicted'}\n`);
  return conflicted.length > 0 ? ExitCode.failed : ExitCode.ok;
}

/** The dream as read before the review, with the decisions the updates answered. */
function withDecisions(dream: Dream, decided: readonly DecidedChange[]): Dream {
  const byId = new Map(decided.map((change) => [change.id, change]));
  return { ...dream, changes: dream.changes.map((change) => ({ ...change, ...byId.get(change.id) })) };
}

/** The dream as it ended, or null when it is still applying after {@link APPLIED_TIMEOUT_MS}. */
async function waitForEnd(connected: Connected, dreamId: string): Promise<Dream | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), APPLIED_TIMEOUT_MS)));
  try {
    return await Promise.race([
      connected.lucid.dreamResult(dreamId).catch(() => findDream(connected, dreamId).then((found) => found.dream)),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** `chg_1  approved by ana → applied` */
function describeFate(change: DreamChange | undefined): string {
  if (!change) return '(unknown change)';
  const decision = change.decision ? ` by ${change.decision.by}` : '';
  if (change.status === 'applied' || change.status === 'conflicted')
    return `${change.id}  approved${decision} → ${change.status}`;
  return `${change.id}  ${change.status}${decision}`;
}

function summarize(dream: Dream, stillPending: readonly DreamChange[]): string {
  if (stillPending.length > 0) {
    return `${plural(stillPending.length, 'change')} still pending (${stillPending.map((change) => change.id).join(', ')}): lucid dreams review ${dream.id}`;
  }
  if (dream.ended_at) return `dream ${dream.id} ${dream.status}: every change decided`;
  return `every change decided; dream ${dream.id} is ${dream.phase} (lucid dreams show ${dream.id})`;
}

function changeOf(dream: Dream, changeId: string): DreamChange | undefined {
  return dream.changes.find((change) => change.id === changeId);
}

function isPending(change: DreamChange | undefined): boolean {
  return change?.status === 'pending';
}
