/**
 * The eval harness's validation models (`lucid eval --model scripted:…`): task-aware players for the scripted
 * model that know each task's solution from the suite (`oracle` in suite.json) and play one constructed behaviour,
 * so the harness's measurements can be checked against a known truth:
 * - `oracle` always does the task right: every arm must score 1.0;
 * - `corrupted` always does it wrong, and its grader always says satisfied: every arm must score 0.0, since code
 *   and not the grader decides;
 * - `learner` is right only when the task's lesson is in its system prompt (the memory block): only the memory
 *   arms gain, by exactly the tasks whose lesson a dream learned;
 * - `reviser` is right only once the grader's feedback (which states the lesson) has reached it: only the outcome
 *   arms gain.
 * The grader of the other players is honest: satisfied exactly when the deliverable is the right answer. Dreams
 * learn each session's lesson, and never anything else (so a probe's planted text is not promoted by them).
 */
import type { Oracle, Task } from '../eval/suite';
import type { ContentReply, ScriptedBlock } from './scenario';
import { systemText, type ScriptedPlayer } from './server';

export const VALIDATION_MODELS = ['oracle', 'corrupted', 'learner', 'reviser'] as const;
export type ValidationModel = (typeof VALIDATION_MODELS)[number];

/** The memory file a validation dream writes its lessons to. */
export const LESSONS_MEMORY_PATH = '/conventions.md';

interface KnownTask {
  task: Task;
  oracle: Oracle;
}

export function validationPlayer(model: ValidationModel, tasks: readonly Task[]): ScriptedPlayer {
  const known = tasks.flatMap((task) => (task.oracle ? [{ task, oracle: task.oracle }] : []));
  return (body) => {
    const raw = JSON.stringify(body);
    const tools = toolNamesOf(body);
    if (tools.includes('submit_verdict')) return grade(model, findTask(known, raw), raw);
    if (tools.includes('record_lessons')) return reflect(findTask(known, raw));
    if (tools.includes('propose_changes')) return consolidate(known, raw);
    const found = findTask(known, raw);
    return found ? play(model, found, body) : null;
  };
}

/** The task whose message the request contains (the longest such message, so one task's prefix never wins). */
function findTask(known: readonly KnownTask[], raw: string): KnownTask | undefined {
  let best: KnownTask | undefined;
  for (const entry of known) {
    if (raw.includes(escaped(entry.task.message)) && entry.task.message.length > (best?.task.message.length ?? 0))
      best = entry;
  }
  return best;
}

function play(model: ValidationModel, { oracle }: KnownTask, body: unknown): ContentReply {
  const answer = isRight(model, oracle, body) ? oracle.right : oracle.wrong;
  if (lastUserHasToolResult(body) || (!oracle.reads.length && !Object.keys(answer.files).length))
    return { content: [{ type: 'text', text: answer.message }] };
  const calls: ScriptedBlock[] = [
    ...oracle.reads.map((path): ScriptedBlock => ({ type: 'tool_use', name: 'read_file', input: { path } })),
    ...Object.entries(answer.files).map(([path, content]): ScriptedBlock => ({
      type: 'tool_use',
      name: 'write_file',
      input: { path, content },
    })),
  ];
  return { content: calls };
}

function isRight(model: ValidationModel, oracle: Oracle, body: unknown): boolean {
  switch (model) {
    case 'oracle':
      return true;
    case 'corrupted':
      return false;
    case 'learner':
      return systemText(body).includes(oracle.lesson);
    case 'reviser':
      return messagesOf(body)
        .slice(1)
        .some((message) => message.role === 'user' && JSON.stringify(message.content).includes(escaped(oracle.lesson)));
  }
}

/** A verdict covering every rubric line: satisfied when the right answer was delivered (always, for corrupted). */
function grade(model: ValidationModel, found: KnownTask | undefined, raw: string): ContentReply {
  const criteria = (found?.task.rubric ?? '- The task is done')
    .split('\n')
    .filter((line) => /^\s*[-*] /.test(line) && !/^\s{2,}/.test(line))
    .map((line) => line.replace(/^\s*[-*] /, '').trim());
  const satisfied = model === 'corrupted' || (found !== undefined && raw.includes(escaped(found.oracle.right.message)));
  const lesson = found?.oracle.lesson ?? 'The deliverable does not follow the house conventions.';
  const input = {
    result: satisfied ? 'satisfied' : 'needs_revision',
    explanation: satisfied ? 'All criteria met.' : lesson,
    criteria: criteria.map((criterion, index) => ({
      criterion,
      met: satisfied || index > 0,
      explanation: satisfied || index > 0 ? 'met' : lesson,
    })),
  };
  return { content: [{ type: 'tool_use', name: 'submit_verdict', input }] };
}

function reflect(found: KnownTask | undefined): ContentReply {
  const lessons = found ? [{ text: found.oracle.lesson, kind: 'mistake', evidence_seqs: [1] }] : [];
  return { content: [{ type: 'tool_use', name: 'record_lessons', input: { lessons } }] };
}

/** One memory holding every lesson the consolidation prompt lists, citing lesson 1 (at least one exists). */
function consolidate(known: readonly KnownTask[], raw: string): ContentReply {
  const lessons = [
    ...new Set(known.map((entry) => entry.oracle.lesson).filter((lesson) => raw.includes(escaped(lesson)))),
  ];
  const changes = lessons.length
    ? [
        {
          op: 'add',
          path: LESSONS_MEMORY_PATH,
          content: `# House conventions\n\n${lessons.map((lesson) => `- ${lesson}`).join('\n')}\n`,
          rationale: 'the conventions these sessions were corrected on',
          lesson_numbers: [1],
        },
      ]
    : [];
  return { content: [{ type: 'tool_use', name: 'propose_changes', input: { changes } }] };
}

/** `text` as it appears inside a JSON string. */
function escaped(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

interface Message {
  role: string;
  content: unknown;
}

function messagesOf(body: unknown): Message[] {
  const messages = (body as { messages?: unknown }).messages;
  return Array.isArray(messages) ? (messages as Message[]) : [];
}

function lastUserHasToolResult(body: unknown): boolean {
  const last = messagesOf(body).at(-1);
  return (
    last?.role === 'user' &&
    Array.isArray(last.content) &&
    last.content.some((block: { type?: string }) => block.type === 'tool_result')
  );
}

function toolNamesOf(body: unknown): string[] {
  const tools = (body as { tools?: unknown }).tools;
  return Array.isArray(tools) ? tools.map((tool: { name?: string }) => tool.name ?? '') : [];
}
