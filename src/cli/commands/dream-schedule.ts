/**
 * `lucid dreams schedule …`: dreaming on a schedule. One Temporal Schedule per agent and memory store
 * (src/dreams/schedule.ts) starts a `dream` over the agent's sessions completed since the store's last dream;
 * `list`, `pause`, `resume` and `delete` manage those schedules (and refuse any schedule that is not a dream's).
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  isGrpcServiceError,
  type ScheduleDescription,
  type ScheduleHandle,
} from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time';
import { taskQueue } from '../../config';
import type { DreamInput } from '../../domain/dream';
import { createDreamSchedule } from '../../dreams/schedule';
import { CommandUsageError, parseCommandArguments, parseIntegerOption } from '../args';
import type { Command } from '../command';
import type { Connected } from '../connect';
import { CliError, ExitCode } from '../errors';
import { DREAM_WORKFLOW_TYPE } from '../dream-lookup';
import { checkAgentName, parseReview, requireOption } from '../dream-options';
import { openMemory, resolveStore } from '../memory-access';
import { describeScheduleSpec } from '../render-schedule';
import { commandGroup } from '../subcommands';
import { formatColumns } from '../text';
import { formatLocalTime } from './sessions';

const CREATE_OPTIONS = {
  agent: { type: 'string' },
  store: { type: 'string' },
  model: { type: 'string' },
  cron: { type: 'string' },
  every: { type: 'string' },
  'min-sessions': { type: 'string' },
  review: { type: 'string' },
  instructions: { type: 'string' },
} as const;

/** gRPC status INVALID_ARGUMENT: the server refused the spec (a cron expression it cannot parse). */
const GRPC_INVALID_ARGUMENT = 3;

/** `lucid dreams schedule --agent … --store … --model … (--cron EXPR | --every DURATION)`: prints the schedule id. */
const createCommand: Command = async (args, { stdout, stderr, connect }) => {
  const { options } = parseCommandArguments('dreams schedule', args, CREATE_OPTIONS);
  const agent = checkAgentName('dreams schedule', requireOption('dreams schedule', options.agent, 'agent'));
  const model = requireOption('dreams schedule', options.model, 'model');
  const storeArgument = requireOption('dreams schedule', options.store, 'store');
  const when = parseWhen(options);
  const review = parseReview('dreams schedule', options.review);
  const minSessions =
    options['min-sessions'] === undefined
      ? undefined
      : parseIntegerOption('dreams schedule', 'min-sessions', options['min-sessions'], { min: 1, max: 100 });
  const store = await resolveStore(openMemory(), storeArgument);
  const { temporal } = await connect();
  const handle = await createSchedule(() =>
    createDreamSchedule(temporal, {
      agent,
      memory_store_id: store.id,
      model,
      ...when,
      min_sessions: minSessions,
      review,
      instructions: options.instructions,
      taskQueue: taskQueue(),
    }),
  );
  stdout.write(`${handle.scheduleId}\n`);
  const next = (await handle.describe()).info.nextActionTimes[0];
  stderr.write(
    `dreams over ${agent}'s new sessions into ${store.id}, ${options.cron ? `cron ${options.cron}` : `every ${options.every}`}` +
      `${next ? `; next at ${formatLocalTime(next)}` : ''}\n`,
  );
  return ExitCode.ok;
};

/** Exactly one of `--cron EXPR` and `--every DURATION` (`6h`, `30m`, `1 day`). */
function parseWhen(options: { cron?: string; every?: string }): { cron: string } | { every: string } {
  if ((options.cron === undefined) === (options.every === undefined)) {
    throw new CommandUsageError('give exactly one of --cron EXPR or --every DURATION', 'dreams schedule');
  }
  if (options.cron !== undefined) return { cron: options.cron };
  let milliseconds: number;
  try {
    milliseconds = msToNumber(options.every as never);
  } catch {
    milliseconds = Number.NaN;
  }
  if (!(milliseconds >= 1_000)) {
    throw new CommandUsageError(
      `--every must be a duration of at least 1s such as 30m, 6h or "1 day", got "${options.every}"`,
      'dreams schedule',
    );
  }
  return { every: options.every as string };
}

/** Turns the server's refusals into clear messages: a taken id (exit 1), a spec it cannot parse (exit 2). */
async function createSchedule(create: () => Promise<ScheduleHandle>): Promise<ScheduleHandle> {
  try {
    return await create();
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning) {
      throw new CliError(
        `a dream schedule for this agent and store already exists: ${error.scheduleId} (delete it first: lucid dreams schedule delete ${error.scheduleId})`,
        ExitCode.failed,
      );
    }
    // The SDK turns the server's "Invalid schedule spec" into a TypeError carrying the server's reason.
    if (error instanceof TypeError)
      throw new CommandUsageError(`invalid schedule: ${error.message}`, 'dreams schedule');
    const cause = (error as { cause?: unknown }).cause ?? error;
    if (isGrpcServiceError(cause) && cause.code === GRPC_INVALID_ARGUMENT) {
      throw new CommandUsageError(`the server refused the schedule: ${cause.details}`, 'dreams schedule');
    }
    throw error;
  }
}

const listCommand: Command = async (args, { stdout, connect }) => {
  const { options } = parseCommandArguments('dreams schedule list', args, { json: { type: 'boolean' } });
  const { temporal } = await connect();
  const descriptions: ScheduleDescription[] = [];
  for await (const summary of temporal.schedule.list()) {
    if (summary.action?.workflowType !== DREAM_WORKFLOW_TYPE) continue;
    // The summary lacks the dream's settings (agent, store); the description has them.
    const description = await temporal.schedule
      .getHandle(summary.scheduleId)
      .describe()
      .catch(() => null);
    if (description) descriptions.push(description);
  }
  if (options.json) {
    stdout.write(`${JSON.stringify(descriptions.map(scheduleJson), null, 2)}\n`);
    return ExitCode.ok;
  }
  if (descriptions.length === 0) {
    stdout.write(
      'no dream schedules (create one: lucid dreams schedule --agent NAME --store <store> --model MODEL --every 6h)\n',
    );
    return ExitCode.ok;
  }
  const header = ['ID', 'AGENT', 'STORE', 'WHEN', 'REVIEW', 'STATE', 'NEXT RUN', 'RUNS'];
  stdout.write(`${formatColumns([header, ...descriptions.map(scheduleRow)], new Set([7])).join('\n')}\n`);
  return ExitCode.ok;
};

function scheduleRow(description: ScheduleDescription): string[] {
  const input = dreamInputOf(description);
  const sessions = input?.sessions.type === 'since_last_dream' ? input.sessions : null;
  const next = description.info.nextActionTimes[0];
  return [
    description.scheduleId,
    sessions?.agent ?? '?',
    input?.memory_store_id ?? '?',
    describeScheduleSpec(description.spec),
    input?.review ?? 'human',
    description.state.paused ? 'paused' : 'active',
    next && !description.state.paused ? formatLocalTime(next) : '-',
    String(description.info.numActionsTaken),
  ];
}

function scheduleJson(description: ScheduleDescription) {
  return {
    schedule_id: description.scheduleId,
    dream: dreamInputOf(description),
    when: describeScheduleSpec(description.spec),
    paused: description.state.paused,
    note: description.state.note ?? null,
    next_runs: description.info.nextActionTimes.map((date) => date.toISOString()),
    runs: description.info.numActionsTaken,
    recent_dreams: description.info.recentActions.map((action) => action.action.workflow.workflowId),
  };
}

function dreamInputOf(description: ScheduleDescription): DreamInput | null {
  return (description.action.args?.[0] as DreamInput | undefined) ?? null;
}

/** `pause`, `resume` or `delete`: one schedule, checked to be a dream's first. */
function scheduleAction(
  name: 'pause' | 'resume' | 'delete',
  act: (handle: ScheduleHandle, note?: string) => Promise<void>,
  past: string,
): Command {
  const command = `dreams schedule ${name}` as const;
  // Pause and resume take an optional note, which Temporal shows with the schedule; delete takes nothing.
  const options: { note?: { type: 'string' } } = name === 'delete' ? {} : { note: { type: 'string' } };
  return async (args, { stdout, connect }) => {
    const parsed = parseCommandArguments(command, args, options, ['schedule-id']);
    const [scheduleId] = parsed.positionals;
    const handle = await findDreamSchedule(await connect(), scheduleId);
    await act(handle, (parsed.options as { note?: string }).note);
    stdout.write(`${past} ${scheduleId}\n`);
    return ExitCode.ok;
  };
}

/** The schedule, or exit 4 when there is none by that id or it does not start dreams. */
async function findDreamSchedule(connected: Connected, scheduleId: string): Promise<ScheduleHandle> {
  const handle = connected.temporal.schedule.getHandle(scheduleId);
  try {
    const description = await handle.describe();
    if (description.action.workflowType === DREAM_WORKFLOW_TYPE) return handle;
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
  throw new CliError(`no dream schedule with id "${scheduleId}" (see: lucid dreams schedule list)`, ExitCode.notFound);
}

const subcommands = commandGroup('dreams schedule', {
  list: listCommand,
  pause: scheduleAction(
    'pause',
    (handle, note) => handle.pause(note ?? 'paused with lucid dreams schedule pause'),
    'paused',
  ),
  resume: scheduleAction(
    'resume',
    (handle, note) => handle.unpause(note ?? 'resumed with lucid dreams schedule resume'),
    'resumed',
  ),
  delete: scheduleAction('delete', (handle) => handle.delete(), 'deleted'),
});

/** `dreams schedule` with options creates a schedule; with a first word it is `list`, `pause`, `resume` or `delete`. */
export const dreamScheduleCommand: Command = async (args, context) => {
  if (args.length > 0 && !args[0].startsWith('-')) return subcommands(args, context);
  return createCommand(args, context);
};
