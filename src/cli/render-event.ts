/**
 * Turning session events into short readable lines, and keeping the running totals the progress line shows.
 * Everything here is pure (no I/O, no clock): the same event always gives the same line, which keeps the output
 * testable and lets `lucid run`, `lucid events` and the demo print events the same way.
 */
import {
  blockText,
  type SessionEvent,
  type SessionStopReason,
  type ToolEvaluation,
  type UserContentBlock,
} from '../domain/events';
import { addUsage, ZERO_USAGE, type Usage } from '../domain/usage';
import {
  advanceOutcomeProgress,
  describeCriteria,
  describeOutcomeEvent,
  isOutcomeEvent,
  renderOutcomeProgress,
  type OutcomeEvent,
  type OutcomeProgress,
} from './render-outcome';
import {
  advanceThreadStatuses,
  describeThreadEvent,
  isThreadEvent,
  renderThreadProgress,
  type ThreadStatuses,
} from './render-thread';
import { DEFAULT_MAX_TEXT_LENGTH, formatCount, oneLine, plural } from './text';

export { formatCount, oneLine } from './text';

export interface RenderEventOptions {
  /**
   * The tool name of an earlier `agent.tool_use`, by its `tool_use_id`: a tool result carries only the id, and
   * the line is easier to read with the name.
   */
  toolName?: (toolUseId: string) => string | undefined;
  /**
   * How many evaluations an outcome allows, by its id: an evaluation start carries only the outcome id, and
   * "evaluation 1 of 3" says more than "evaluation 1".
   */
  outcomeMaxIterations?: (outcomeId: string) => number | undefined;
  /** Longest text excerpt (agent messages, tool results) on one line; longer text is cut with "…". */
  maxTextLength?: number;
  /** Time zone for the HH:MM:SS column; the machine's own by default. */
  timeZone?: string;
}

/** Width of the sequence-number column ("#12"), so the columns after it line up. */
const SEQ_WIDTH = 5;
/** Width of the kind column ("agent", "tool", ...), so the text columns line up. */
const KIND_WIDTH = 7;
/** Lines that belong to an event's line (a verdict's criteria) start where its text starts. */
const DETAIL_INDENT = ' '.repeat('HH:MM:SS'.length + 2 + SEQ_WIDTH + KIND_WIDTH + 2);
/** String tool inputs longer than this are shown as their length rather than their text. */
const MAX_INLINE_INPUT_LENGTH = 40;

/**
 * One event as one line: `12:00:01  #4   tool     read_file path="notes/a.md"`.
 * Multi-line text is joined with " ↵ " so each event stays on one line.
 */
export function renderEvent(event: SessionEvent, options: RenderEventOptions = {}): string {
  const [kind, text] = describeEvent(event, options);
  const time = formatClock(event.processed_at, options.timeZone);
  return `${time}  ${`#${event.seq}`.padEnd(SEQ_WIDTH)}${kind.padEnd(KIND_WIDTH)}  ${text}`;
}

/**
 * An event as it is printed: its line from {@link renderEvent}, followed for an evaluation end by one indented
 * line per rubric criterion (`✓`/`✗`, the criterion and the grader's explanation), which is what a person
 * reads to see why an outcome needs revision.
 */
export function renderEventLines(event: SessionEvent, options: RenderEventOptions = {}): string[] {
  const line = renderEvent(event, options);
  if (event.type !== 'span.outcome_evaluation_end') return [line];
  const max = options.maxTextLength ?? DEFAULT_MAX_TEXT_LENGTH;
  return [line, ...describeCriteria(event.criteria, max).map((criterion) => `${DETAIL_INDENT}${criterion}`)];
}

/** The kind column and the text of an event. */
function describeEvent(event: SessionEvent, options: RenderEventOptions): [kind: string, text: string] {
  const max = options.maxTextLength ?? DEFAULT_MAX_TEXT_LENGTH;
  if (isOutcomeEvent(event)) return describeOutcomeEvent(event, options.outcomeMaxIterations ?? (() => undefined), max);
  if (isThreadEvent(event)) return describeThreadEvent(event, max);
  switch (event.type) {
    case 'user.message':
      return ['user', oneLine(textOfBlocks(event.content), max)];
    case 'user.interrupt':
      return ['user', 'interrupt requested'];
    case 'agent.message':
      return ['agent', oneLine(textOfBlocks(event.content), max)];
    case 'agent.tool_use':
      return ['tool', `${event.name} ${describeToolInput(event.input)}${askNote(event)}`.trimEnd()];
    case 'user.tool_confirmation': {
      const reason = event.deny_message ? `: ${oneLine(event.deny_message, max)}` : '';
      const verb = event.result === 'allow' ? '✓ approved' : '✗ denied';
      return ['user', `${verb} ${event.tool_use_id} (by ${event.decided_by})${reason}`];
    }
    case 'agent.custom_tool_use':
      return [
        'tool',
        `${event.name} ${describeToolInput(event.input)} (custom: waits for the client's answer to ${event.id})`,
      ];
    case 'user.custom_tool_result':
      return [
        'user',
        `${event.is_error ? '✗' : '✓'} result for ${event.custom_tool_use_id}: ${oneLine(textOfBlocks(event.content), max)}`,
      ];
    case 'agent.tool_result': {
      const name = options.toolName?.(event.tool_use_id) ?? 'tool';
      const mark = event.is_error ? '✗' : '✓';
      return ['result', `${mark} ${name}: ${oneLine(textOfBlocks(event.content), max)}`];
    }
    case 'agent.mcp_tool_use':
      return [
        'tool',
        `${event.mcp_server_name}/${event.name} ${describeToolInput(event.input)}${askNote(event)}`.trimEnd(),
      ];
    case 'agent.mcp_tool_result': {
      const name = options.toolName?.(event.mcp_tool_use_id) ?? 'tool';
      const mark = event.is_error ? '✗' : '✓';
      return ['result', `${mark} ${name}: ${oneLine(textOfBlocks(event.content), max)}`];
    }
    case 'session.status_running':
      return ['session', 'running'];
    case 'session.status_idle':
      return ['session', `idle (${describeStopReason(event.stop_reason)})`];
    case 'session.status_terminated':
      return ['session', 'terminated'];
    case 'session.error':
      return ['error', `${event.error.type} (${event.error.retry_status.type}): ${oneLine(event.error.message, max)}`];
    case 'span.model_request_start':
      return ['model', `request to ${event.model}`];
    case 'span.model_request_end':
      return ['model', event.is_error ? 'request failed' : `answered (${describeUsage(event.model_usage)})`];
    case 'agent.thread_context_compacted':
      return [
        'context',
        `compacted events ${event.compacted_from_seq}–${event.compacted_through_seq} into a summary: ` +
          `~${event.tokens_before} → ~${event.tokens_after} tokens`,
      ];
    case 'span.context_cleared':
      return [
        'context',
        `cleared ${event.tool_results_cleared} old tool results (through event ${event.cleared_through_seq}): ` +
          `~${event.estimated_tokens_before} → ~${event.estimated_tokens_after} tokens`,
      ];
    default:
      return ['event', (event as { type: string }).type];
  }
}

/** `end_turn`, `max_turns_reached`, ...: the API's own words, which users will also see in the JSON. */
export function describeStopReason(stopReason: SessionStopReason | null): string {
  if (stopReason?.type === 'requires_action') return `requires_action: ${stopReason.event_ids.join(', ')}`;
  return stopReason ? stopReason.type : 'none';
}

/** `path="notes/a.md" content=(312 chars)`: enough to recognise the call without flooding the line. */
/** Marks a call that waits for a confirmation, naming the id to approve or deny, and the auto judge's verdict. */
function askNote(event: { id: string; evaluated_permission?: string; evaluation?: ToolEvaluation }): string {
  const judged = event.evaluation?.type === 'auto' ? ` [judge: ${event.evaluation.reason}]` : '';
  if (event.evaluated_permission === 'ask') return ` (asks: lucid approve|deny <session> ${event.id})${judged}`;
  return event.evaluated_permission === 'deny' ? ` (denied)${judged}` : judged;
}

export function describeToolInput(input: Record<string, unknown>): string {
  return Object.entries(input)
    .map(([key, value]) => `${key}=${describeInputValue(value)}`)
    .join(' ');
}

function describeInputValue(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > MAX_INLINE_INPUT_LENGTH || value.includes('\n')
      ? `(${value.length} chars)`
      : JSON.stringify(value);
  }
  const json = JSON.stringify(value) ?? String(value);
  return json.length > MAX_INLINE_INPUT_LENGTH ? `${json.slice(0, MAX_INLINE_INPUT_LENGTH)}…` : json;
}

/** `in 1,234 · out 56 · cached 1,000`: "in" counts every prompt token, "cached" those read from the cache. */
export function describeUsage(usage: Usage): string {
  const input = formatCount(totalInputTokens(usage));
  return `in ${input} · out ${formatCount(usage.output_tokens)} · cached ${formatCount(usage.cache_read_input_tokens)}`;
}

/** The API splits prompt tokens into uncached, cache-written and cache-read; users think of their sum. */
export function totalInputTokens(usage: Usage): number {
  return usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
}

function textOfBlocks(blocks: readonly UserContentBlock[]): string {
  return blocks.map(blockText).join('\n');
}

/** HH:MM:SS of an RFC 3339 timestamp. */
function formatClock(timestamp: string, timeZone?: string): string {
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return '--:--:--';
  return date.toLocaleTimeString('en-GB', { hour12: false, timeZone });
}

// ---------------------------------------------------------------------------------------------------------------
// Progress: running totals over the events seen so far
// ---------------------------------------------------------------------------------------------------------------

/** What the progress line shows. */
export interface SessionProgress {
  /** Model requests started (the session's "turns", as in its snapshot). */
  turns: number;
  toolCalls: number;
  usage: Usage;
  /** Name of each tool call so far, for naming tool results. */
  toolNames: Readonly<Record<string, string>>;
  /** The newest outcome and where its loop stands; null while the session has none. */
  outcome: OutcomeProgress | null;
  /** How many evaluations each outcome seen so far allows, for naming evaluations "n of max". */
  outcomeMaxIterations: Readonly<Record<string, number>>;
  /** Each thread's latest status (empty while the session has none). */
  threads: ThreadStatuses;
}

export const INITIAL_PROGRESS: SessionProgress = Object.freeze({
  turns: 0,
  toolCalls: 0,
  usage: ZERO_USAGE,
  toolNames: {},
  outcome: null,
  outcomeMaxIterations: {},
  threads: {},
});

/** The progress after one more event (a new object; the old one is left as it was). */
export function advanceProgress(progress: SessionProgress, event: SessionEvent): SessionProgress {
  if (isOutcomeEvent(event)) return advanceOutcome(progress, event);
  if (isThreadEvent(event)) return { ...progress, threads: advanceThreadStatuses(progress.threads, event) };
  switch (event.type) {
    case 'span.model_request_start':
      return { ...progress, turns: progress.turns + 1 };
    case 'agent.tool_use':
      return {
        ...progress,
        toolCalls: progress.toolCalls + 1,
        toolNames: { ...progress.toolNames, [event.tool_use_id]: event.name },
      };
    case 'agent.mcp_tool_use':
      return {
        ...progress,
        toolCalls: progress.toolCalls + 1,
        toolNames: { ...progress.toolNames, [event.tool_use_id]: `${event.mcp_server_name}/${event.name}` },
      };
    case 'span.model_request_end':
      return { ...progress, usage: addUsage(progress.usage, event.model_usage) };
    default:
      return progress;
  }
}

function advanceOutcome(progress: SessionProgress, event: OutcomeEvent): SessionProgress {
  const outcomeMaxIterations =
    event.type === 'user.define_outcome' || event.type === 'span.outcome_evaluation_end'
      ? { ...progress.outcomeMaxIterations, [event.outcome_id]: event.max_iterations }
      : progress.outcomeMaxIterations;
  const outcome = advanceOutcomeProgress(progress.outcome, event, (id) => outcomeMaxIterations[id]);
  return { ...progress, outcome, outcomeMaxIterations };
}

/**
 * `turn 3 · 4 tool calls · tokens in 1,234 · out 56 · cached 1,000`, and with an outcome
 * `turn 3 · 4 tool calls · outcome: evaluation 1 of 3 · grading · tokens in …`, and with threads
 * `turn 1 · 3 tool calls · threads: 2 running / 3 · tokens in …`. The outcome and the threads come before the
 * tokens because a progress line too wide for the terminal is cut at its end, and they matter more.
 * The tokens are the agent's; the grader's and the threads' are counted apart (see `lucid status`, `lucid threads`).
 */
export function renderProgress(progress: SessionProgress): string {
  const parts = [`turn ${progress.turns}`, plural(progress.toolCalls, 'tool call')];
  if (progress.outcome) parts.push(renderOutcomeProgress(progress.outcome));
  const threads = renderThreadProgress(progress.threads);
  if (threads) parts.push(threads);
  parts.push(`tokens ${describeUsage(progress.usage)}`);
  return parts.join(' · ');
}
