/**
 * `lucid run <agent> "<message>"`: starts a session and prints its events live until the agent's turn ends,
 * then the session's snapshot. Exit 0 when the turn ended normally (`end_turn`) and every outcome of the
 * session was satisfied, 1 otherwise.
 *
 * When the session waits on calls (a custom tool's result, a confirmation) and stdin and stdout are terminals, it
 * asks about each and sends the answers; otherwise it prints them with the commands that answer them.
 *
 * With `--rubric FILE` the session gets an outcome: a separate grader checks the agent's work against the
 * rubric and sends it back to revise until the rubric is satisfied or the evaluations run out.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import path from 'node:path';
import type { AgentDefinition } from '../../domain/agent-definition';
import type { SessionSnapshot } from '../../domain/events';
import type { OutcomeDefinition } from '../../domain/outcome';
import { MAX_KEEP_ALIVE_SECONDS } from '../../domain/session-input';
import { resolveAgentArgument } from '../agent-argument';
import { CommandUsageError, parseCommandArguments, parseIntegerOption, requireMessage } from '../args';
import type { Command, CommandContext } from '../command';
import type { Connected } from '../connect';
import { CliError, ExitCode, type ExitCodeValue } from '../errors';
import { OUTCOME_OPTIONS, outcomeFlagsGiven, readOutcome, type OutcomeFlags } from '../outcome-options';
import { renderSnapshot } from '../render-snapshot';
import { RunPendingCalls } from '../run-pending-calls';
import { outcomesEnding } from '../session-ending';
import { watchSession } from '../watch-session';
import { warnIfNoWorker } from '../worker-check';

const OPTIONS = {
  workspace: { type: 'string' },
  'keep-alive': { type: 'string' },
  id: { type: 'string' },
  detach: { type: 'boolean' },
  /** The outcome's description; the message by default. */
  outcome: { type: 'string' },
  ...OUTCOME_OPTIONS,
} as const;

interface RunRequest {
  agent: string | AgentDefinition;
  message: string;
  workspace?: string;
  keepAliveSeconds: number;
  sessionId?: string;
  detach: boolean;
  outcome?: OutcomeDefinition;
}

export const runCommand: Command = async (args, context) => {
  const request = parseRunArguments(args);
  const connected = await context.connect();
  const sessionId = await startSession(connected, request);
  if (request.detach) {
    context.stdout.write(`${sessionId}\n`);
    return ExitCode.ok;
  }
  const agentName = typeof request.agent === 'string' ? request.agent : request.agent.name;
  context.stdout.write(`session ${sessionId} started (agent ${agentName})\n`);
  await warnIfNoWorker(connected, context.stderr);
  return follow(connected, sessionId, request.keepAliveSeconds, context);
};

/** Checks everything that can be checked before connecting, so mistakes fail at once with exit code 2. */
function parseRunArguments(args: string[]): RunRequest {
  const { positionals, options } = parseCommandArguments('run', args, OPTIONS, ['agent', 'message']);
  const [agentArgument, message] = positionals;
  const keepAlive = options['keep-alive'];
  return {
    agent: resolveAgentArgument(agentArgument),
    message: requireMessage('run', message),
    // The worker may run elsewhere with another working directory: send it an absolute path.
    workspace: options.workspace === undefined ? undefined : path.resolve(options.workspace),
    keepAliveSeconds:
      keepAlive === undefined
        ? 0
        : parseIntegerOption('run', 'keep-alive', keepAlive, { min: 0, max: MAX_KEEP_ALIVE_SECONDS }),
    sessionId: options.id,
    detach: options.detach ?? false,
    outcome: parseOutcome(options, message),
  };
}

/** The outcome `--rubric` asks for, or undefined without it (then the other outcome flags make no sense). */
function parseOutcome(options: OutcomeFlags & { outcome?: string }, message: string): OutcomeDefinition | undefined {
  if (options.rubric === undefined) {
    const stray = [...(options.outcome === undefined ? [] : ['--outcome']), ...outcomeFlagsGiven(options)];
    if (stray.length > 0) throw new CommandUsageError(`${stray.join(', ')} needs --rubric FILE`, 'run');
    return undefined;
  }
  const description =
    options.outcome === undefined
      ? { text: message, flag: 'the message' }
      : { text: options.outcome, flag: '--outcome' };
  return readOutcome('run', { ...options, rubric: options.rubric }, description);
}

async function startSession(connected: Connected, request: RunRequest): Promise<string> {
  try {
    return await connected.lucid.startSession({
      sessionId: request.sessionId,
      agent: request.agent,
      message: request.message,
      workspace: request.workspace,
      keep_alive_seconds: request.keepAliveSeconds,
      outcome: request.outcome,
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw new CliError(
        `a session with id "${request.sessionId}" already exists; choose another --id`,
        ExitCode.usage,
      );
    }
    throw error;
  }
}

/**
 * Watches the session (asking about the calls it waits on, ./run-pending-calls.ts), prints its snapshot, and
 * turns how it ended into the exit code.
 */
async function follow(
  connected: Connected,
  sessionId: string,
  keepAliveSeconds: number,
  { stdin, stdout, stderr }: CommandContext,
): Promise<ExitCodeValue> {
  const pending = new RunPendingCalls({ connected, sessionId, stdin, stdout, stderr });
  const result = await watchSession(connected.lucid, sessionId, {
    stdout,
    stopAtIdle: keepAliveSeconds > 0,
    onRequiresAction: (eventIds) => pending.onRequiresAction(eventIds),
    onCtrlC() {
      stderr.write(
        `\n${pending.ctrlCNote()}stopped watching; the session goes on. Follow it: lucid events ${sessionId} --follow  Stop it: lucid interrupt ${sessionId}\n`,
      );
      process.exit(ExitCode.interrupted);
    },
  }).finally(() => pending.close());
  if ('failure' in result) {
    stderr.write(`lucid: session ${sessionId} failed: ${result.failure}\n`);
    return ExitCode.failed;
  }
  stdout.write(`\n${renderSnapshot(result.snapshot)}\n`);
  if (result.stoppedAtIdle) stdout.write(`\n${idleHint(result.snapshot, sessionId, keepAliveSeconds)}\n`);
  if (!result.ending.ok) {
    stderr.write(`lucid: session ${sessionId} did not end normally: ${result.ending.reason}\n`);
    return ExitCode.failed;
  }
  const outcomes = outcomesEnding(result.snapshot);
  if (!outcomes.ok) {
    stderr.write(`lucid: session ${sessionId}: ${outcomes.reason}\n`);
    return ExitCode.failed;
  }
  return ExitCode.ok;
}

/** What a kept-alive session that `run` stopped watching waits for: answers to its calls, or a message. */
function idleHint(snapshot: SessionSnapshot, sessionId: string, keepAliveSeconds: number): string {
  if (snapshot.stop_reason?.type === 'requires_action')
    return `the session waits for answers to its calls: lucid pending ${sessionId}`;
  return `the session waits up to ${keepAliveSeconds}s for more: lucid send ${sessionId} "<message>"`;
}
