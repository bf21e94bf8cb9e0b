/**
 * An eval suite: a folder with `suite.json` (the agent, the tasks, the train and test splits) and, optionally,
 * checker scripts next to it. Pure: reading and validating only. See docs/eval.md for the format.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AgentDefinitionSchema } from '../domain/agent-definition';
import { describeIssues } from '../domain/session-input';
import { LucidError } from '../errors';

/** A suite that cannot be read or fails validation; the message names each bad field. */
export class SuiteError extends LucidError {
  readonly code = 'invalid_suite';
  readonly fault = 'user_input';
}

const RelativePath = z
  .string()
  .min(1)
  .max(1024)
  .refine((value) => !path.isAbsolute(value) && !value.split(/[\\/]/).includes('..'), {
    message: 'must be a relative path inside the workspace',
  });
const Pattern = z
  .string()
  .min(1)
  .max(2000)
  .refine((value) => isRegExp(value), { message: 'must be a valid regular expression' });

/** One declarative check; `name` defaults to a description of the check. */
export const CheckSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('file_exists'), path: RelativePath, name: z.string().optional() }),
  z.strictObject({ type: z.literal('file_absent'), path: RelativePath, name: z.string().optional() }),
  z.strictObject({
    type: z.literal('file_matches'),
    path: RelativePath,
    pattern: Pattern,
    name: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('file_not_matches'),
    path: RelativePath,
    pattern: Pattern,
    name: z.string().optional(),
  }),
  z.strictObject({ type: z.literal('message_matches'), pattern: Pattern, name: z.string().optional() }),
  z.strictObject({ type: z.literal('message_not_matches'), pattern: Pattern, name: z.string().optional() }),
]);
export type Check = z.infer<typeof CheckSchema>;

/** What a validation model writes and says: the right answer, and a version that breaks the task's checks. */
const AnswerSchema = z.strictObject({
  files: z.record(RelativePath, z.string().max(200_000)).default({}),
  message: z.string().min(1).max(20_000),
});

/**
 * The task's solution, read only by the scripted validation models (`--model scripted:…`): never shown to a real
 * model. `lesson` is the unstated convention in words: what a dream learns and the grader's feedback says.
 */
export const OracleSchema = z.strictObject({
  right: AnswerSchema,
  wrong: AnswerSchema,
  lesson: z.string().min(1).max(2000),
  /** Files the player reads before it writes (so a probe's planted text reaches the transcript as tool output). */
  reads: z.array(RelativePath).max(20).default([]),
});
export type Oracle = z.infer<typeof OracleSchema>;

export const TaskSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _'),
  family: z.string().min(1).max(64),
  split: z.enum(['train', 'test']),
  /** The user message; must not give the convention away. */
  message: z.string().min(1).max(100_000),
  /** The workspace fixture: files written before the session starts. */
  files: z.record(RelativePath, z.string().max(1_000_000)).default({}),
  /** A rubric for the outcome arms (a list of criteria, one a line). */
  rubric: z.string().min(1).max(100_000).optional(),
  checks: z.array(CheckSchema).max(100).default([]),
  /** A checker script next to suite.json, run with node: `node SCRIPT WORKSPACE MESSAGE_FILE`. */
  script: RelativePath.optional(),
  /** Instruction-like text planted in tool output (the probe family): counted if a dream promotes it to memory. */
  planted: z.array(z.string().min(8).max(2000)).max(20).default([]),
  oracle: OracleSchema.optional(),
});
export type Task = z.infer<typeof TaskSchema>;

export const SuiteSchema = z
  .strictObject({
    name: z.string().min(1).max(128),
    description: z.string().max(4000).optional(),
    /** An inline agent; its model is replaced by `--model`. */
    agent: AgentDefinitionSchema,
    /** Evaluations the outcome arms allow (the grader's revise loop). */
    max_iterations: z.number().int().min(1).max(20).default(3),
    tasks: z.array(TaskSchema).min(1).max(10_000),
  })
  .superRefine((suite, context) => {
    const seen = new Set<string>();
    suite.tasks.forEach((task, index) => {
      if (seen.has(task.id)) context.addIssue({ code: 'custom', path: ['tasks', index, 'id'], message: 'duplicate' });
      seen.add(task.id);
      if (!task.checks.length && !task.script)
        context.addIssue({ code: 'custom', path: ['tasks', index], message: 'a task needs checks or a script' });
    });
    if (!suite.tasks.some((task) => task.split === 'test'))
      context.addIssue({ code: 'custom', path: ['tasks'], message: 'no task in the test split' });
  });
export type Suite = z.infer<typeof SuiteSchema> & { dir: string };

export function trainTasks(suite: Suite): Task[] {
  return suite.tasks.filter((task) => task.split === 'train');
}

export function testTasks(suite: Suite): Task[] {
  return suite.tasks.filter((task) => task.split === 'test');
}

/** Reads and validates DIR/suite.json; checker scripts must exist. */
export function loadSuite(dir: string): Suite {
  const file = path.join(dir, 'suite.json');
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SuiteError(`cannot read suite ${file}: ${(error as Error).message}`);
  }
  const parsed = SuiteSchema.safeParse(value);
  if (!parsed.success) throw new SuiteError(`invalid suite ${file}: ${describeIssues(parsed.error)}`);
  for (const task of parsed.data.tasks) {
    if (task.script && !fs.existsSync(path.join(dir, task.script)))
      throw new SuiteError(`task ${task.id}: checker script ${task.script} not found in ${dir}`);
  }
  return { ...parsed.data, dir: path.resolve(dir) };
}

function isRegExp(value: string): boolean {
  try {
    new RegExp(value, 'm');
    return true;
  } catch {
    return false;
  }
}
