/**
 * Compaction, the pure part: which events a summary replaces, the prompt that asks for it, and the block the
 * transcript starts from afterwards. The log is never rewritten: a summary is one more event
 * (`agent.thread_context_compacted`), and the transcript builder starts from the newest one
 * (src/domain/transcript.ts). The model call itself is the `compactContext` activity (src/activities/compaction.ts).
 */
import { textOf, type SessionEvent, type ThreadContextCompactedBody } from './events';
import { asToolCallEvent } from './mcp-events';

export type CompactionEvent = Extract<SessionEvent, { type: 'agent.thread_context_compacted' }>;

export const COMPACTION_SYSTEM_PROMPT = [
  'You compact the context of an AI agent that works on a task with tools.',
  'You are given the older part of its conversation. Write a summary the agent will continue from in place of',
  'that part: the task and the user requests, decisions made and why, what was found (file paths, names,',
  'figures), what was changed, what failed, and what is still to do. Keep exact identifiers. Leave out',
  'tool output the agent can read again; name the file or command instead. Write only the summary.',
].join(' ');

/** How long a summary may be, in tokens (the summary call's max_tokens). */
export const SUMMARY_MAX_TOKENS = 4096;
/** Characters of each tool result the summariser sees; the agent can re-read the rest. */
const SUMMARY_TOOL_RESULT_CHARS = 2_000;

/** The summariser's system prompt: Lucid's, then the agent's own `compaction.instructions`, if set. */
export function compactionSystemPrompt(instructions?: string): string {
  return instructions
    ? `${COMPACTION_SYSTEM_PROMPT}\n\nInstructions from the agent's definition:\n${instructions}`
    : COMPACTION_SYSTEM_PROMPT;
}

/** The newest summary in a log, if the session ever compacted. */
export function newestCompaction(events: readonly SessionEvent[]): CompactionEvent | undefined {
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index];
    if (event.type === 'agent.thread_context_compacted') return event;
  }
  return undefined;
}

/** The text the transcript starts with once the session has compacted: a user-visible context block. */
export function summaryContextText(summary: Pick<ThreadContextCompactedBody, 'summary'>): string {
  return `<context_summary>\nThe earlier part of this conversation was summarised to fit the context window:\n${textOf(summary.summary)}\n</context_summary>`;
}

/**
 * Where a summary may end: the seqs `s` such that the events before `s` form whole exchanges (every tool call
 * answered, no model request cut in half) and the kept part starts at a model request or a user message. Only
 * events after the newest summary count: they are what the transcript still holds in full. Ascending.
 */
export function cutCandidates(events: readonly SessionEvent[]): number[] {
  const previous = newestCompaction(events);
  const open = new Set<string>();
  const candidates: number[] = [];
  let inRequest = false;
  for (const event of events.map(asToolCallEvent)) {
    if (event.type === 'agent.tool_use' || event.type === 'agent.custom_tool_use') open.add(event.tool_use_id);
    else if (event.type === 'agent.tool_result' || event.type === 'user.custom_tool_result')
      open.delete(event.tool_use_id);
    const startsExchange = event.type === 'span.model_request_start' || event.type === 'user.message';
    const after = !previous || event.seq > previous.seq;
    if (startsExchange && !inRequest && open.size === 0 && after && event.seq > firstSeq(events, previous))
      candidates.push(event.seq);
    if (event.type === 'span.model_request_start') inRequest = true;
    if (event.type === 'span.model_request_end') inRequest = false;
  }
  return candidates;
}

/** The first seq a new summary covers: 1, or the one after the previous summary's range. */
function firstSeq(events: readonly SessionEvent[], previous: CompactionEvent | undefined): number {
  return previous ? previous.compacted_through_seq + 1 : (events[0]?.seq ?? 1);
}

/**
 * The cuts to try, best first: the one that summarises the most while keeping the newest `keepTurns` model
 * requests whole, then, for when those turns are too large to keep, the ones that keep less.
 */
export function preferredCuts(events: readonly SessionEvent[], keepTurns: number): number[] {
  const starts = events.filter((event) => event.type === 'span.model_request_start').map((event) => event.seq);
  const keepFrom = (starts.length >= keepTurns ? starts[starts.length - keepTurns] : starts[0]) ?? Infinity;
  const candidates = cutCandidates(events);
  const keeping = candidates.filter((seq) => seq <= keepFrom);
  return [...keeping.slice(-1), ...candidates.filter((seq) => seq > keepFrom)];
}

/** The range a summary ending before `cut` replaces. */
export function compactedRange(events: readonly SessionEvent[], cut: number): { from: number; through: number } {
  return { from: firstSeq(events, newestCompaction(events)), through: cut - 1 };
}

/**
 * The summariser's one user message: the previous summary, then the conversation up to the cut as plain text
 * (tool results shortened), then the request. Plain text, not a transcript: the summariser must not continue the
 * agent's work, and old tool calls need no matching results. Past `maxChars` the oldest entries are left out
 * (the earlier summary stays), so the summary request itself fits the window.
 */
export function summaryRequestText(events: readonly SessionEvent[], through: number, maxChars: number): string {
  const previous = newestCompaction(events);
  const from = firstSeq(events, previous);
  const head = previous ? [`[earlier summary]\n${textOf(previous.summary)}`] : [];
  const lines: string[] = [];
  for (const event of events) {
    if (event.seq < from || event.seq > through) continue;
    const line = conversationLine(event);
    if (line) lines.push(line);
  }
  let size = [...head, ...lines].reduce((sum, line) => sum + line.length + 2, 0);
  let dropped = 0;
  while (lines.length > 1 && size > maxChars) {
    size -= (lines.shift() ?? '').length + 2;
    dropped++;
  }
  const gap = dropped > 0 ? [`[${dropped} older entries left out]`] : [];
  const body = [...head, ...gap, ...lines].join('\n\n');
  return `<conversation>\n${body}\n</conversation>\n\nWrite the summary of the conversation above now.`;
}

function conversationLine(stored: SessionEvent): string | null {
  const event = asToolCallEvent(stored);
  switch (event.type) {
    case 'user.message':
      return `[user]\n${textOf(event.content)}`;
    case 'agent.message':
      return `[agent]\n${textOf(event.content)}`;
    case 'agent.tool_use':
    case 'agent.custom_tool_use':
      return `[agent called ${event.name}] ${JSON.stringify(event.input)}`;
    case 'user.custom_tool_result':
    case 'agent.tool_result': {
      const text = textOf(event.content);
      const cut = text.length > SUMMARY_TOOL_RESULT_CHARS ? `${text.slice(0, SUMMARY_TOOL_RESULT_CHARS)} […]` : text;
      return `[tool result${event.is_error ? ', error' : ''} #${event.seq}]\n${cut}`;
    }
    case 'user.define_outcome':
      return `[outcome defined] ${event.description}`;
    case 'span.outcome_evaluation_end':
      return `[outcome evaluation ${event.result}] ${event.explanation}`;
    default:
      return null;
  }
}
