/**
 * `lucid sessions [--agent NAME] [--status STATUS] [--limit N]`: lists sessions through Temporal visibility,
 * using the LucidAgent, LucidStatus and LucidStopReason search attributes the session workflow keeps up to date.
 */
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { LUCID_AGENT, LUCID_STATUS, LUCID_STOP_REASON } from '../../search-attributes';
import { AGENT_NAME_PATTERN } from '../agent-argument';
import { CommandUsageError, parseCommandArguments, parseIntegerOption } from '../args';
import type { Command } from '../command';
import { CliError, ExitCode } from '../errors';
import { AGENT_SESSION_WORKFLOW } from '../../workflows/api/session-api';

const OPTIONS = {
  agent: { type: 'string' },
  status: { type: 'string' },
  limit: { type: 'string' },
} as const;

/** The values of LucidStatus (the session's status, as in its snapshot). */
export const SESSION_STATUSES = ['running', 'idle', 'terminated'] as const;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

export interface SessionFilter {
  agent?: string;
  status?: string;
}

export const sessionsCommand: Command = async (args, { stdout, connect }) => {
  const { options } = parseCommandArguments('sessions', args, OPTIONS);
  const filter = checkFilter(options);
  const limit =
    options.limit === undefined
      ? DEFAULT_LIMIT
      : parseIntegerOption('sessions', 'limit', options.limit, { min: 1, max: MAX_LIMIT });
  const { temporal } = await connect();
  const rows: string[][] = [];
  try {
    for await (const execution of temporal.workflow.list({
      query: sessionsQuery(filter),
      pageSize: Math.min(limit, 100),
    })) {
      rows.push(sessionRow(execution));
      if (rows.length >= limit) break;
    }
  } catch (error) {
    throw explainMissingSearchAttributes(error);
  }
  stdout.write(rows.length ? formatTable([['ID', 'AGENT', 'STATUS', 'STARTED'], ...rows]) : 'no sessions found\n');
  return ExitCode.ok;
};

/** A server no Lucid worker has joined yet does not know the search attributes: say how they get there. */
function explainMissingSearchAttributes(error: unknown): unknown {
  const text = `${(error as Error)?.message} ${(error as { cause?: { details?: string } })?.cause?.details ?? ''}`;
  if (!/invalid search attribute/i.test(text)) return error;
  return new CliError(
    `this Temporal server does not know the ${LUCID_AGENT.name} / ${LUCID_STATUS.name} search attributes yet; ` +
      'a Lucid worker registers them when it starts (npm run worker)',
    ExitCode.failed,
  );
}

/** Checking the values also keeps quotes out of the visibility query. */
function checkFilter(options: { agent?: string; status?: string }): SessionFilter {
  if (options.agent !== undefined && !AGENT_NAME_PATTERN.test(options.agent)) {
    throw new CommandUsageError(
      `--agent must be an agent name (letters, digits, ".", "_", "-"), got "${options.agent}"`,
      'sessions',
    );
  }
  if (options.status !== undefined && !(SESSION_STATUSES as readonly string[]).includes(options.status)) {
    throw new CommandUsageError(
      `--status must be one of ${SESSION_STATUSES.join(', ')}, got "${options.status}"`,
      'sessions',
    );
  }
  return { agent: options.agent, status: options.status };
}

/**
 * The visibility query. Runs that continued as new are left out: the session lives on in its newest run, and
 * listing each old run would show the same id several times.
 */
export function sessionsQuery(filter: SessionFilter): string {
  const conditions = [`WorkflowType = "${AGENT_SESSION_WORKFLOW}"`, 'ExecutionStatus != "ContinuedAsNew"'];
  if (filter.agent) conditions.push(`${LUCID_AGENT.name} = "${filter.agent}"`);
  if (filter.status) conditions.push(`${LUCID_STATUS.name} = "${filter.status}"`);
  return conditions.join(' AND ');
}

function sessionRow(execution: WorkflowExecutionInfo): string[] {
  return [
    execution.workflowId,
    execution.typedSearchAttributes.get(LUCID_AGENT) ?? '-',
    displayStatus(execution),
    formatLocalTime(execution.startTime),
  ];
}

/**
 * The session's own status while its workflow is open or completed normally, marked with its stop reason when
 * that was not a normal end (`terminated (error)`, `idle (retries_exhausted)`); otherwise what happened to the
 * workflow (failed, timed out, terminated by an operator), which the session never got to publish.
 */
function displayStatus(execution: WorkflowExecutionInfo): string {
  const workflowStatus = execution.status.name.toLowerCase();
  const normal = execution.status.name === 'RUNNING' || execution.status.name === 'COMPLETED';
  if (!normal) return workflowStatus;
  const sessionStatus = execution.typedSearchAttributes.get(LUCID_STATUS) ?? workflowStatus;
  const stopReason = execution.typedSearchAttributes.get(LUCID_STOP_REASON);
  return stopReason && stopReason !== 'end_turn' ? `${sessionStatus} (${stopReason})` : sessionStatus;
}

/** `2025-01-31 14:05:09` in the machine's time zone: what a person at the terminal expects. */
export function formatLocalTime(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

function formatTable(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return (
    rows
      .map((row) =>
        row
          .map((cell, column) => cell.padEnd(widths[column]))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
