/**
 * One `bash` tool call, at most once.
 *
 * A shell command is not idempotent (`echo x >> log` twice leaves two lines), and Temporal retries an activity whose
 * worker died. So the call is journaled like the workspace tools (src/workspace/tool-journal.ts), with one more
 * state:
 *   1. `started` is recorded before the command is handed to the shell;
 *   2. `done` with the redacted outcome once it has ended, however it ended.
 * A retry that finds `done` returns that outcome without running anything. A retry that finds `started` knows the
 * command was cut off mid-way (the worker died, or lost its activity): its effects may be partial, so it is not
 * run again. The model is told so, and the session's shell is restarted, since a shell that may still be running
 * the first attempt's command cannot be trusted with the next one.
 *
 * With several workers, a session's calls go to the worker that holds its shell (src/workflows/shell-affinity.ts);
 * the workflow says where it expected the shell (`expectedShell`), so a call that finds none here (that worker is
 * gone, or the shell idled out) tells the model its shell is a fresh one.
 *
 * Everything the model got wrong (bad input, a timeout_ms over the maximum) and every limit a command hit is an
 * `is_error` outcome; only storage faults throw, so that Temporal retries them.
 */
import type { ToolJournal } from '../storage/tool-journal';
import type { ToolOutcome } from '../workspace/tools';
import { BashInputSchema, type BashInput } from './bash-input';
import { SANDBOX_WORKSPACE } from './bubblewrap';
import { describeCommandResult } from './command-report';
import type { ShellPool } from './shell-pool';

export interface BashCallOptions {
  pool: ShellPool;
  journal: ToolJournal;
  sessionId: string;
  workspace: string;
  callId: string;
  input: unknown;
  /** The session's own allowlist (its environment's); absent: the worker's. */
  allowedHosts?: readonly string[];
  signal?: AbortSignal;
  /**
   * Where the workflow expects the session's live shell: on this worker (`here`), on another one that is gone
   * (`elsewhere`); absent when it expects none (the session's first call, or one after its shell was restarted).
   */
  expectedShell?: 'here' | 'elsewhere';
  /** Removes secrets from the outcome before it is journaled or returned. */
  redact: (text: string) => string;
}

export const INTERRUPTED_BY_WORKER_RESTART =
  'The command was interrupted by a worker restart before it finished, so its effects may be partial (files half ' +
  'written, steps not run). It was not run again. The shell was restarted: the working directory is ' +
  `${SANDBOX_WORKSPACE} and exported variables are gone. Check the workspace before you retry.`;

/** Put before the output of a command that ran in a fresh shell where the session expected its old one. */
export function shellResetNote(where: 'here' | 'elsewhere'): string {
  const why =
    where === 'elsewhere'
      ? 'The shell was restarted on another worker (the one that held it is gone)'
      : 'The shell was restarted (it had exited or sat idle too long)';
  return `${why}: this command ran in a fresh shell, whose working directory is ${SANDBOX_WORKSPACE}; exported variables and earlier \`cd\`s were reset.`;
}

export async function runBashCall(options: BashCallOptions): Promise<ToolOutcome> {
  const entry = await options.journal.read(options.callId);
  if (entry?.state === 'done') return entry.outcome;
  if (entry?.state === 'started') {
    await options.pool.kill(options.sessionId);
    return recordDone(options, { is_error: true, content: INTERRUPTED_BY_WORKER_RESTART });
  }
  const checked = checkInput(options.input, options.pool);
  if ('error' in checked) return recordDone(options, { is_error: true, content: checked.error });
  const { input, timeoutMs } = checked;

  if (input.restart) await options.pool.restart(options.sessionId);
  if (input.command === undefined)
    return recordDone(options, {
      is_error: false,
      content: `The shell was restarted: the working directory is ${SANDBOX_WORKSPACE} and exported variables are gone.`,
    });

  await options.journal.write({ version: 2, state: 'started', callId: options.callId, name: 'bash' });
  const result = await options.pool.run({
    sessionId: options.sessionId,
    workspace: options.workspace,
    command: input.command,
    timeoutMs,
    signal: options.signal,
    allowedHosts: options.allowedHosts,
  });
  const report = describeCommandResult(result, { timeoutMs, settings: options.pool.settings });
  const lostShell = result.freshShell && !input.restart ? options.expectedShell : undefined;
  const outcome = await recordDone(
    options,
    lostShell ? { ...report, content: `${shellResetNote(lostShell)}\n\n${report.content}` } : report,
  );
  if (result.end === 'cancelled') throw options.signal?.reason ?? new Error('cancelled');
  return outcome;
}

type CheckedInput = { input: BashInput; timeoutMs: number } | { error: string };

function checkInput(raw: unknown, pool: ShellPool): CheckedInput {
  if (!pool.availability.ok) return { error: `bash is not available on this worker: ${pool.availability.reason}` };
  const parsed = BashInputSchema.safeParse(raw);
  if (!parsed.success)
    return { error: `invalid bash input: ${parsed.error.issues.map((issue) => issue.message).join('; ')}` };
  const input = parsed.data;
  if (input.command?.includes('\0')) return { error: 'the command must not contain NUL characters' };
  const { defaultTimeoutMs, maxTimeoutMs } = pool.settings;
  const timeoutMs = input.timeout_ms || defaultTimeoutMs; // 0, as absent, means the default
  if (timeoutMs > maxTimeoutMs)
    return { error: `timeout_ms may be at most ${maxTimeoutMs} on this worker (got ${timeoutMs})` };
  return { input, timeoutMs };
}

async function recordDone(options: BashCallOptions, outcome: ToolOutcome): Promise<ToolOutcome> {
  const shown = { ...outcome, content: options.redact(outcome.content) };
  await options.journal.write({ version: 2, state: 'done', callId: options.callId, name: 'bash', outcome: shown });
  return shown;
}
