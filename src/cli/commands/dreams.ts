/**
 * `lucid dreams <subcommand>`: start a dream over finished sessions, list dreams, show one with every proposed
 * change and its diff; `review` (./dream-review.ts) decides on changes and `schedule` (./dream-schedule.ts)
 * dreams regularly. A dream is a `dream` workflow whose id (`drm_…`) is the dream's.
 */
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { DreamInputSchema, type Dream, type DreamInput } from '../../domain/dream';
import { describeIssues } from '../../domain/session-input';
import { openStorage } from '../../storage/open-storage';
import {
  CommandUsageError,
  parseCommandArguments,
  parseIntegerOption,
  parseListOption,
  type OptionValues,
} from '../args';
import type { Command } from '../command';
import type { Connected } from '../connect';
import { CliError, ExitCode } from '../errors';
import { DREAM_WORKFLOW_TYPE, findDream, queryDream } from '../dream-lookup';
import { checkAgentName, parseReview, requireOption } from '../dream-options';
import { openMemory, resolveStore } from '../memory-access';
import { DREAM_LIST_HEADER, DREAM_LIST_NUMBER_COLUMNS, dreamListRow, renderDream } from '../render-dream';
import { commandGroup } from '../subcommands';
import { formatColumns } from '../text';
import { warnIfNoWorker } from '../worker-check';
import { dreamReviewCommand } from './dream-review';
import { dreamScheduleCommand } from './dream-schedule';

// ---------------------------------------------------------------------------------------------------------------
// lucid dreams start
// ---------------------------------------------------------------------------------------------------------------

const START_OPTIONS = {
  store: { type: 'string' },
  sessions: { type: 'string', multiple: true },
  agent: { type: 'string' },
  'min-sessions': { type: 'string' },
  model: { type: 'string' },
  review: { type: 'string' },
  'update-existing': { type: 'boolean' },
  instructions: { type: 'string' },
  deadline: { type: 'string' },
} as const;

type StartOptions = OptionValues<typeof START_OPTIONS>;

/** The dream's own limit on `review_deadline_seconds` (src/domain/dream.ts): 90 days. */
const MAX_DEADLINE_SECONDS = 90 * 24 * 3600;

const startCommand: Command = async (args, { stdout, stderr, connect }) => {
  const { options } = parseCommandArguments('dreams start', args, START_OPTIONS);
  const storeArgument = requireOption('dreams start', options.store, 'store');
  const settings = parseDreamSettings(options);
  const store = await resolveStore(openMemory(), storeArgument);
  const input = checkDreamInput({ memory_store_id: store.id, ...settings });
  if (settings.sessions.type === 'session_ids') await requireStoredSessions(settings.sessions.session_ids);
  const connected = await connect();
  const dreamId = await connected.lucid.startDream(input);
  stdout.write(`${dreamId}\n`);
  stderr.write(`dream ${dreamId} started over ${store.id}; follow it: lucid dreams show ${dreamId}\n`);
  await warnIfNoWorker(connected, stderr);
  return ExitCode.ok;
};

/** Everything of the dream's input but its store, from the options; checked before anything is read. */
function parseDreamSettings(options: StartOptions): Omit<DreamInput, 'memory_store_id'> {
  const review = parseReview('dreams start', options.review);
  const deadline = options.deadline;
  return {
    sessions: parseSessionsOptions(options),
    model: requireOption('dreams start', options.model, 'model'),
    // Without --review the workflow's default holds: a human reviews every change.
    ...(review ? { review } : {}),
    output_behavior: { type: options['update-existing'] ? 'update_existing' : 'create_new' },
    ...(options.instructions !== undefined ? { instructions: options.instructions } : {}),
    ...(deadline !== undefined
      ? {
          review_deadline_seconds: parseIntegerOption('dreams start', 'deadline', deadline, {
            min: 1,
            max: MAX_DEADLINE_SECONDS,
          }),
        }
      : {}),
  };
}

/** `--sessions ID,ID,...` (explicit sessions) or `--agent NAME [--min-sessions N]` (since the store's last dream). */
function parseSessionsOptions(options: StartOptions): DreamInput['sessions'] {
  const sessionIds = parseListOption('dreams start', 'sessions', options.sessions);
  const byAgent = options.agent !== undefined;
  if (sessionIds.length > 0 === byAgent) {
    throw new CommandUsageError('give exactly one of --sessions ID,ID,... or --agent NAME', 'dreams start');
  }
  if (!byAgent) {
    if (options['min-sessions'] !== undefined)
      throw new CommandUsageError('--min-sessions goes with --agent, not --sessions', 'dreams start');
    return { type: 'session_ids', session_ids: sessionIds };
  }
  const agent = checkAgentName('dreams start', options.agent as string);
  const minSessions =
    options['min-sessions'] === undefined
      ? 1
      : parseIntegerOption('dreams start', 'min-sessions', options['min-sessions'], { min: 1, max: 100 });
  return { type: 'since_last_dream', agent, min_sessions: minSessions };
}

/** The dream's input as the workflow will check it, checked here first so mistakes exit 2 before anything starts. */
function checkDreamInput(input: DreamInput): DreamInput {
  const parsed = DreamInputSchema.safeParse(input);
  if (!parsed.success) throw new CommandUsageError(`invalid dream: ${describeIssues(parsed.error)}`, 'dreams start');
  return input;
}

/** The dream would fail on a session with no event log; say which one now (exit 4) instead. */
async function requireStoredSessions(sessionIds: readonly string[]): Promise<void> {
  const storage = openStorage();
  for (const sessionId of sessionIds) {
    if ((await storage.sessions.readEvents(sessionId, { limit: 1 })).length === 0) {
      throw new CliError(
        `no session with id "${sessionId}" in ${storage.location} (see: lucid sessions)`,
        ExitCode.notFound,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// lucid dreams list
// ---------------------------------------------------------------------------------------------------------------

const DEFAULT_LIST_LIMIT = 20;

/** A dream to list, with the status to show when its workflow ended without recording it (terminated, timed out). */
interface ListedDream {
  dream: Dream;
  status: string;
}

const listCommand: Command = async (args, { stdout, connect }) => {
  const { options } = parseCommandArguments('dreams list', args, {
    limit: { type: 'string' },
    json: { type: 'boolean' },
  });
  const limit =
    options.limit === undefined
      ? DEFAULT_LIST_LIMIT
      : parseIntegerOption('dreams list', 'limit', options.limit, { min: 1, max: 10_000 });
  const connected = await connect();
  const listed = (await listDreams(connected)).slice(0, limit);
  if (options.json) {
    stdout.write(
      `${JSON.stringify(
        listed.map(({ dream, status }) => ({ ...dream, status })),
        null,
        2,
      )}\n`,
    );
    return ExitCode.ok;
  }
  if (listed.length === 0) {
    stdout.write('no dreams yet (start one: lucid dreams start --store <store> --sessions ID,... --model MODEL)\n');
    return ExitCode.ok;
  }
  const rows = listed.map(({ dream, status }) => dreamListRow(dream, status));
  stdout.write(`${formatColumns([DREAM_LIST_HEADER, ...rows], DREAM_LIST_NUMBER_COLUMNS).join('\n')}\n`);
  return ExitCode.ok;
};

/**
 * The saved records and the running dreams, newest first. A running dream shows its live state; a record that
 * still says running although its workflow is not (terminated by an operator) shows what happened instead.
 */
async function listDreams(connected: Connected): Promise<ListedDream[]> {
  const [saved, running] = await Promise.all([connected.lucid.storage.dreams.listDreams(), runningDreamIds(connected)]);
  const byId = new Map<string, ListedDream>(saved.map((dream) => [dream.id, { dream, status: dream.status }]));
  const live = await Promise.all([...running.keys()].map((dreamId) => queryDream(connected, dreamId)));
  for (const dream of live) if (dream) byId.set(dream.id, { dream, status: dream.status });
  for (const [dreamId, execution] of running) {
    if (!byId.has(dreamId)) byId.set(dreamId, { dream: placeholderDream(dreamId, execution), status: 'running' });
  }
  const stale = [...byId.values()].filter(
    ({ dream }) => !running.has(dream.id) && (dream.status === 'running' || dream.status === 'pending'),
  );
  await Promise.all(
    stale.map(async (entry) => (entry.status = await closedWorkflowStatus(connected, entry.dream.id, entry.status))),
  );
  return [...byId.values()].sort((a, b) => b.dream.created_at.localeCompare(a.dream.created_at));
}

/** The dreams whose workflows run now, by id (visibility; runs that continued as new are not dreams'). */
async function runningDreamIds(connected: Connected): Promise<Map<string, WorkflowExecutionInfo>> {
  const running = new Map<string, WorkflowExecutionInfo>();
  const query = `WorkflowType = "${DREAM_WORKFLOW_TYPE}" AND ExecutionStatus = "Running"`;
  for await (const execution of connected.temporal.workflow.list({ query }))
    running.set(execution.workflowId, execution);
  return running;
}

/** What a running dream that neither answered nor saved a record yet can show: that it exists. */
function placeholderDream(dreamId: string, execution: WorkflowExecutionInfo): Dream {
  return {
    type: 'dream',
    id: dreamId,
    status: 'running',
    phase: 'starting',
    memory_store_id: '?',
    session_ids: [],
    model: '?',
    instructions: null,
    review: 'human',
    output_behavior: { type: 'create_new' },
    outputs: [],
    changes: [],
    review_log: [],
    usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    error: null,
    review_deadline: null,
    created_at: execution.startTime.toISOString(),
    ended_at: null,
  };
}

async function closedWorkflowStatus(connected: Connected, dreamId: string, recorded: string): Promise<string> {
  try {
    const { status } = await connected.temporal.workflow.getHandle(dreamId).describe();
    return status.name === 'RUNNING' ? recorded : status.name.toLowerCase();
  } catch {
    return recorded; // Temporal forgot it: the record is all there is
  }
}

// ---------------------------------------------------------------------------------------------------------------
// lucid dreams show
// ---------------------------------------------------------------------------------------------------------------

const showCommand: Command = async (args, { stdout, stderr, connect }) => {
  const { positionals, options } = parseCommandArguments('dreams show', args, { json: { type: 'boolean' } }, ['id']);
  const found = await findDream(await connect(), positionals[0]);
  if (found.noWorkerAnswered) stderr.write('note: no worker answered the dream query; showing the record saved last\n');
  if (options.json) stdout.write(`${JSON.stringify(found.dream, null, 2)}\n`);
  else stdout.write(`${renderDream(found.dream, { executionStatus: found.description?.status.name })}\n`);
  return ExitCode.ok;
};

/** `lucid dreams <subcommand>`. */
export const dreamsCommand: Command = commandGroup('dreams', {
  start: startCommand,
  list: listCommand,
  show: showCommand,
  review: dreamReviewCommand,
  schedule: dreamScheduleCommand,
});
