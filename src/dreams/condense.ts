/**
 * Condensed session transcripts for the dream's reviewer model.
 *
 * A session's event log can be far longer than a reviewer should read, and most of it (spans, status changes,
 * tool output) says little about what went right or wrong. The condensed form keeps in full what a lesson is
 * learned from — the user's words, the agent's messages, errors, the outcome and every grader verdict with its
 * criteria — and shortens the bulk: tool calls and results become one-line excerpts, spans and running-status
 * events are left out. Every line starts with its event's seq (`[#12]`), so lessons can cite their evidence.
 *
 * When even that is over budget, whole events are left out by priority (verdicts and errors last, routine tool
 * output first; the start and the end of the session are kept), and each stretch left out becomes one marker
 * `[… N events (#a–#b) omitted …]`. Everything here is pure and deterministic.
 */
import type { SessionEvent, StopReason } from '../domain/events';
import { textOf } from '../domain/events';
import type { EvaluationResult } from '../domain/outcome';

// ---------------------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------------------

/** Options of {@link condenseSession}. */
export interface CondenseOptions {
  /**
   * Applied to every piece of text taken from an event before it is shortened, so a secret is never cut in half
   * (half a key no longer matches a key pattern). The dream passes its secret redaction here.
   */
  redact?: (text: string) => string;
}

/**
 * A readable, compact transcript of `events` in at most `budgetChars` characters: one entry per shown event,
 * prefixed with its seq, in log order. See the module comment for what is kept, shortened and left out.
 */
export function condenseSession(
  events: readonly SessionEvent[],
  budgetChars: number,
  options: CondenseOptions = {},
): string {
  const budget = Math.max(0, Math.floor(budgetChars));
  const limits = limitsFor(budget);
  const redact = options.redact ?? ((text: string) => text);
  const toolNames = toolNamesById(events);
  const failedCalls = failedToolUseIds(events);
  const lastStatusSeq = lastStatusEvent(events)?.seq;
  const entries = events.flatMap((event) => {
    const entry = renderEvent(event, { limits, redact, toolNames });
    if (!entry) return [];
    let priority = entry.priority;
    // How the session ended matters as much as a verdict; earlier idle events only mark turn boundaries.
    if (event.seq === lastStatusSeq) priority = PRIORITY.essential;
    // A tool error is hard to read without the call that caused it, so the call is kept as long as the error.
    if (event.type === 'agent.tool_use' && failedCalls.has(event.tool_use_id)) priority = PRIORITY.agent;
    return [{ seq: event.seq, text: entry.text, priority }];
  });
  return hardLimit(fitToBudget(entries, budget), budget);
}

/** A grader verdict, as the outcome summary reports it. */
export interface VerdictSummary {
  seq: number;
  outcome_id: string;
  /** 0-based, as in the event. */
  iteration: number;
  max_iterations: number;
  result: EvaluationResult;
  /** The criteria the grader marked not met, in rubric order. */
  unmet_criteria: string[];
}

/** What a session came to, for the header of a reflection prompt. */
export interface SessionOutcomeSummary {
  /** Every `span.outcome_evaluation_end`, in order. */
  verdicts: VerdictSummary[];
  /** `session.error` events (retried model errors included). */
  errors: number;
  error_seqs: number[];
  /** Tool results marked as errors. */
  tool_errors: number;
  interrupts: number;
  /**
   * How the session last stopped: the stop reason of its last idle event, `terminated`, `running` when the log
   * ends while the agent was still working, or null when no status event was recorded.
   */
  ended: StopReason['type'] | 'terminated' | 'running' | null;
}

/** Counts a session's verdicts, errors and interruptions, and says how it ended. */
export function sessionOutcomeSummary(events: readonly SessionEvent[]): SessionOutcomeSummary {
  const summary: SessionOutcomeSummary = {
    verdicts: [],
    errors: 0,
    error_seqs: [],
    tool_errors: 0,
    interrupts: 0,
    ended: null,
  };
  for (const event of events) {
    if (event.type === 'span.outcome_evaluation_end') summary.verdicts.push(verdictSummary(event));
    if (event.type === 'session.error') {
      summary.errors++;
      summary.error_seqs.push(event.seq);
    }
    if (event.type === 'agent.tool_result' && event.is_error) summary.tool_errors++;
    if (event.type === 'user.interrupt') summary.interrupts++;
  }
  summary.ended = endedAs(lastStatusEvent(events));
  return summary;
}

/** `[… 3 events (#12–#17) omitted …]`: how a stretch of left-out events is shown. */
export function omissionMarker(count: number, firstSeq: number, lastSeq: number): string {
  if (count === 1) return `[… 1 event (#${firstSeq}) omitted …]`;
  return `[… ${count} events (#${firstSeq}–#${lastSeq}) omitted …]`;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering one event
// ---------------------------------------------------------------------------------------------------------------

/** Lower is kept longer when the budget forces events out. */
const PRIORITY = {
  /** Outcome definitions, verdicts, session errors, how the session ended. */
  essential: 0,
  /** What the user said or did. */
  user: 1,
  /** The agent's own words, tool errors, turn boundaries. */
  agent: 2,
  /** What the agent did: tool calls, sub-agent traffic. */
  action: 3,
  /** Tool output that worked. */
  routine: 4,
} as const;

/** Entries nearest each end of the session are kept like the user's words: they show the task and the result. */
const START_ENTRIES = 2;
const END_ENTRIES = 4;

/** Characters kept of each kind of text; the important ones scale with the budget. */
interface Limits {
  /** A message, error, outcome definition or verdict. */
  important: number;
  toolInput: number;
  /** Each string inside a tool input, before the input is cut as a whole. */
  toolInputString: number;
  toolResult: number;
  toolError: number;
  threadMessage: number;
}

function limitsFor(budget: number): Limits {
  // A fifth of the budget per important event keeps at least five of them in full even when they are all long.
  const important = Math.max(200, Math.floor(budget / 5));
  const bulk = (characters: number) => Math.min(characters, important);
  return {
    important,
    toolInput: bulk(300),
    toolInputString: bulk(100),
    toolResult: bulk(200),
    toolError: bulk(600),
    threadMessage: bulk(400),
  };
}

interface RenderContext {
  limits: Limits;
  redact: (text: string) => string;
  /** Tool results name the tool only by id; this maps it back to the tool's name. */
  toolNames: ReadonlyMap<string, string>;
}

interface Entry {
  seq: number;
  text: string;
  priority: number;
}

/** The event as one entry (several lines for messages and verdicts), or null for events left out. */
function renderEvent(event: SessionEvent, context: RenderContext): Omit<Entry, 'seq'> | null {
  const { limits, redact } = context;
  const head = `[#${event.seq}] ${event.session_thread_id ? `(thread ${event.session_thread_id}) ` : ''}${event.type}`;
  const important = (text: string) => indent(excerptMiddle(text, limits.important, redact));
  switch (event.type) {
    case 'user.message':
      return { text: `${head}: ${important(textOf(event.content))}`, priority: PRIORITY.user };
    case 'user.interrupt':
      return { text: head, priority: PRIORITY.user };
    case 'agent.message':
      return { text: `${head}: ${important(textOf(event.content))}`, priority: PRIORITY.agent };
    case 'agent.tool_use':
      return { text: `${head} ${event.name} ${toolInputExcerpt(event.input, context)}`, priority: PRIORITY.action };
    case 'agent.tool_result':
      return toolResultEntry(head, event, context);
    case 'session.error': {
      const { type, retry_status: retry, message } = event.error;
      return { text: `${head} ${type} (${retry.type}): ${important(message)}`, priority: PRIORITY.essential };
    }
    case 'session.status_idle':
      return { text: `${head}: ${event.stop_reason.type}`, priority: PRIORITY.agent };
    case 'session.status_terminated':
      return { text: head, priority: PRIORITY.essential };
    case 'user.define_outcome':
      return { text: `${head} ${important(outcomeDefinition(event))}`, priority: PRIORITY.essential };
    case 'span.outcome_evaluation_end':
      return { text: `${head} ${important(verdictText(event))}`, priority: PRIORITY.essential };
    case 'session.thread_created':
      return { text: `${head} ${event.agent_name} ${event.session_thread_id}`, priority: PRIORITY.action };
    case 'session.thread_status_idle':
      return { text: `${head} ${event.agent_name}: ${event.stop_reason.type}`, priority: PRIORITY.action };
    case 'session.thread_status_terminated':
      return { text: `${head} ${event.agent_name}`, priority: PRIORITY.action };
    case 'agent.thread_message_sent':
      return threadMessageEntry(`${head} to ${event.to_agent_name}`, textOf(event.content), context);
    case 'agent.thread_message_received':
      return threadMessageEntry(`${head} from ${event.from_agent_name}`, textOf(event.content), context);
    case 'agent.thread_context_compacted':
      // The summary only repeats what the full log around it shows; the line says that the agent's view shrank.
      return {
        text: `${head}: seqs ${event.compacted_from_seq}–${event.compacted_through_seq} summarised for the model (${event.tokens_before} → ${event.tokens_after} tokens)`,
        priority: PRIORITY.routine,
      };
    default:
      // Model request spans, outcome start/ongoing spans and running-status events carry nothing to learn from.
      return null;
  }
}

function toolResultEntry(
  head: string,
  event: Extract<SessionEvent, { type: 'agent.tool_result' }>,
  context: RenderContext,
): Omit<Entry, 'seq'> {
  const name = context.toolNames.get(event.tool_use_id) ?? 'unknown tool';
  const limit = event.is_error ? context.limits.toolError : context.limits.toolResult;
  const excerpt = excerptEnd(textOf(event.content), limit, (text) => oneLine(context.redact(text)));
  return {
    text: `${head} ${name} ${event.is_error ? 'ERROR' : 'ok'}: ${excerpt}`,
    priority: event.is_error ? PRIORITY.agent : PRIORITY.routine,
  };
}

function threadMessageEntry(head: string, text: string, context: RenderContext): Omit<Entry, 'seq'> {
  const excerpt = excerptEnd(text, context.limits.threadMessage, (value) => oneLine(context.redact(value)));
  return { text: `${head}: ${excerpt}`, priority: PRIORITY.action };
}

/** The input as compact JSON, each long string cut first so every argument stays visible. */
function toolInputExcerpt(input: Record<string, unknown>, context: RenderContext): string {
  const shortened = mapStrings(input, (text) => excerptEnd(text, context.limits.toolInputString, context.redact));
  return shortenEnd(JSON.stringify(shortened) ?? '{}', context.limits.toolInput);
}

function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)]));
  }
  return value;
}

function outcomeDefinition(event: Extract<SessionEvent, { type: 'user.define_outcome' }>): string {
  const rubric = event.rubric.type === 'text' ? event.rubric.content : `(the workspace file ${event.rubric.path})`;
  const hidden = event.rubric_hidden ? ', rubric hidden from the agent' : '';
  return `${event.outcome_id} (at most ${event.max_iterations} evaluations${hidden}): ${event.description}\nrubric:\n${rubric}`;
}

function verdictText(event: Extract<SessionEvent, { type: 'span.outcome_evaluation_end' }>): string {
  const lines = [
    `${event.outcome_id} evaluation ${event.iteration + 1} of ${event.max_iterations}: ${event.result} — ${event.explanation}`,
    ...event.criteria.map((entry) => `- ${entry.met ? 'met' : 'NOT MET'}: ${entry.criterion} — ${entry.explanation}`),
  ];
  return lines.join('\n');
}

function failedToolUseIds(events: readonly SessionEvent[]): Set<string> {
  return new Set(
    events.flatMap((event) => (event.type === 'agent.tool_result' && event.is_error ? [event.tool_use_id] : [])),
  );
}

function toolNamesById(events: readonly SessionEvent[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const event of events) if (event.type === 'agent.tool_use') names.set(event.tool_use_id, event.name);
  return names;
}

// ---------------------------------------------------------------------------------------------------------------
// Fitting the budget
// ---------------------------------------------------------------------------------------------------------------

/**
 * Joins the entries with newlines, leaving out the fewest important ones needed to fit `budget`.
 *
 * Greedy by priority: entries are taken most important first (and, within a priority, nearest the start or the
 * end first), each only if the text still fits. The cost of an entry is exact: its own length plus the change in
 * omission markers, since taking an entry out of a stretch of omitted ones splits that stretch's marker in two.
 */
function fitToBudget(entries: readonly Entry[], budget: number): string {
  const everything = entries.map((entry) => entry.text).join('\n');
  if (everything.length <= budget) return everything;

  const gapCost = (before: number, after: number): number => {
    // Every item (entry or marker) costs its length plus one newline; the text has one newline fewer.
    if (after - before <= 1) return 0;
    return omissionMarker(after - before - 1, entries[before + 1].seq, entries[after - 1].seq).length + 1;
  };
  const kept: number[] = []; // indices into entries, ascending
  let cost = gapCost(-1, entries.length);
  for (const index of selectionOrder(entries)) {
    const position = insertionPoint(kept, index);
    const before = position > 0 ? kept[position - 1] : -1;
    const after = position < kept.length ? kept[position] : entries.length;
    const added =
      entries[index].text.length + 1 + gapCost(before, index) + gapCost(index, after) - gapCost(before, after);
    if (cost + added - 1 > budget) continue; // a shorter entry further down the order may still fit
    kept.splice(position, 0, index);
    cost += added;
  }
  return renderKept(entries, kept);
}

/** Entry indices, most important first; the start and end of the session count as the user's words. */
function selectionOrder(entries: readonly Entry[]): number[] {
  const last = entries.length - 1;
  const rank = (index: number): number => {
    const atEdge = index < START_ENTRIES || last - index < END_ENTRIES;
    return atEdge ? Math.min(entries[index].priority, PRIORITY.user) : entries[index].priority;
  };
  const distanceToEdge = (index: number) => Math.min(index, last - index);
  return entries
    .map((_, index) => index)
    .sort((a, b) => rank(a) - rank(b) || distanceToEdge(a) - distanceToEdge(b) || a - b);
}

/** Where `value` goes in the ascending array `sorted`. */
function insertionPoint(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

function renderKept(entries: readonly Entry[], kept: readonly number[]): string {
  const items: string[] = [];
  let next = 0; // the first entry not yet shown or counted in a marker
  for (const index of [...kept, entries.length]) {
    if (index > next) items.push(omissionMarker(index - next, entries[next].seq, entries[index - 1].seq));
    if (index < entries.length) items.push(entries[index].text);
    next = index + 1;
  }
  return items.join('\n');
}

/** The last resort for budgets too small for even one marker. */
function hardLimit(text: string, budget: number): string {
  if (text.length <= budget) return text;
  return budget === 0 ? '' : `${safeSlice(text, 0, budget - 1)}…`;
}

// ---------------------------------------------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------------------------------------------

/**
 * Characters past a cut that are still redacted with the part shown, so a secret that straddles the cut is
 * recognised whole (half a key matches no pattern). Redacting only this window, not all of a 200 kB tool input,
 * keeps condensing a long session fast.
 */
const REDACTION_MARGIN = 8_192;

/** The start of `text`, redacted and cut to about `limit` characters. */
function excerptEnd(text: string, limit: number, redact: (text: string) => string): string {
  const window = text.length > limit + REDACTION_MARGIN ? text.slice(0, limit + REDACTION_MARGIN) : text;
  return shortenEnd(redact(window), limit, text.length - window.length);
}

/** `text` redacted and, when too long, cut in the middle: a message's ending often holds its point. */
function excerptMiddle(text: string, limit: number, redact: (text: string) => string): string {
  if (text.length <= limit + 2 * REDACTION_MARGIN) {
    const redacted = redact(text);
    return redacted.length <= limit ? redacted : cutMiddle(redacted, redacted, limit, redacted.length);
  }
  const head = redact(text.slice(0, limit + REDACTION_MARGIN));
  const tail = redact(text.slice(text.length - limit - REDACTION_MARGIN));
  return cutMiddle(head, tail, limit, text.length);
}

/** The first two thirds of the allowance from `headSource`, the last third from the end of `tailSource`. */
function cutMiddle(headSource: string, tailSource: string, limit: number, totalLength: number): string {
  const keep = Math.max(0, limit - 40); // room for the marker
  const headLength = Math.ceil((keep * 2) / 3);
  const head = safeSlice(headSource, 0, headLength);
  const tail = safeSlice(tailSource, tailSource.length - (keep - headLength), tailSource.length);
  return `${head} […${Math.max(0, totalLength - head.length - tail.length)} chars omitted…] ${tail}`;
}

/** The first `limit` characters or so, with how many more there were (`unseen`: characters not even in `text`). */
function shortenEnd(text: string, limit: number, unseen = 0): string {
  if (text.length <= limit && unseen === 0) return text;
  const head = safeSlice(text, 0, Math.max(0, limit - 24));
  return `${head}… [+${text.length - head.length + unseen} chars]`;
}

/** Slices on code-unit indices without splitting a surrogate pair. */
function safeSlice(text: string, start: number, end: number): string {
  const isLowSurrogate = (index: number) => index > 0 && index < text.length && /[\uDC00-\uDFFF]/.test(text[index]);
  const from = isLowSurrogate(start) ? start + 1 : start;
  const to = isLowSurrogate(end) ? end - 1 : end;
  return text.slice(from, Math.max(from, to));
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Continuation lines are indented so each event reads as one block under its `[#seq]`. */
function indent(text: string): string {
  return text.replace(/\r?\n/g, '\n    ');
}

// ---------------------------------------------------------------------------------------------------------------
// Summary helpers
// ---------------------------------------------------------------------------------------------------------------

type StatusEvent = Extract<
  SessionEvent,
  { type: 'session.status_idle' | 'session.status_terminated' | 'session.status_running' }
>;

function lastStatusEvent(events: readonly SessionEvent[]): StatusEvent | undefined {
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index];
    if (
      event.type === 'session.status_idle' ||
      event.type === 'session.status_terminated' ||
      event.type === 'session.status_running'
    ) {
      return event;
    }
  }
  return undefined;
}

function endedAs(event: StatusEvent | undefined): SessionOutcomeSummary['ended'] {
  if (!event) return null;
  if (event.type === 'session.status_idle') return event.stop_reason.type;
  return event.type === 'session.status_terminated' ? 'terminated' : 'running';
}

function verdictSummary(event: Extract<SessionEvent, { type: 'span.outcome_evaluation_end' }>): VerdictSummary {
  return {
    seq: event.seq,
    outcome_id: event.outcome_id,
    iteration: event.iteration,
    max_iterations: event.max_iterations,
    result: event.result,
    unmet_criteria: event.criteria.filter((entry) => !entry.met).map((entry) => entry.criterion),
  };
}
