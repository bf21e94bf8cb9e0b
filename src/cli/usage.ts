/** The help text. Kept in one place so `lucid help`, usage errors and docs/cli.md say the same thing. */

/** One synopsis line per command, shown with usage errors of that command. */
export const COMMAND_USAGE = {
  run:
    'lucid run <agent> "<message>" [--workspace DIR] [--keep-alive SECONDS] [--id SESSION_ID] [--detach]\n' +
    '          [--rubric FILE [--outcome "description"] [--max-iterations N] [--hide-rubric] [--grader-model MODEL]]',
  sessions: 'lucid sessions [--agent NAME] [--status running|idle|terminated] [--limit N]',
  events: 'lucid events <id> [--thread THREAD_ID] [--after SEQ] [--follow] [--json]',
  threads: 'lucid threads <id> [--follow] [--json]',
  send: 'lucid send <id> "<message>"',
  interrupt: 'lucid interrupt <id>',
  'tool-result': 'lucid tool-result <id> <custom_tool_use_id> --content TEXT [--error]',
  pending: 'lucid pending <id> [--json]',
  approve: 'lucid approve <id> <tool_use_id>',
  deny: 'lucid deny <id> <tool_use_id> [--message TEXT]',
  outcome:
    'lucid outcome <id> --rubric FILE --description "..." [--max-iterations N] [--hide-rubric] [--grader-model MODEL]',
  status: 'lucid status <id> [--json]',
  eval:
    'lucid eval --suite DIR [--arms baseline,outcomes,memory,outcomes+memory] [--trials N] [--model M]\n' +
    '           [--grader-model M] [--concurrency N] [--out DIR]',
  'memory create': 'lucid memory create <name> [--description TEXT]',
  'memory list': 'lucid memory list [--json]',
  'memory ls': 'lucid memory ls <store> [--prefix /dir/] [--json]',
  'memory show': 'lucid memory show <store> <path> [--json]',
  'memory write': 'lucid memory write <store> <path> (--file FILE | --content TEXT) [--expect-sha SHA] [--by NAME]',
  'memory history': 'lucid memory history <store> [<path>] [--limit N] [--json]',
  'memory diff': 'lucid memory diff <store> <version-a> <version-b>',
  'memory restore': 'lucid memory restore <store> <version> [--by NAME]',
  'dreams start':
    'lucid dreams start --store <store> (--sessions ID,ID,... | --agent NAME [--min-sessions N]) --model MODEL\n' +
    '          [--review auto|human] [--update-existing] [--instructions TEXT] [--deadline SECONDS]',
  'dreams list': 'lucid dreams list [--limit N] [--json]',
  'dreams show': 'lucid dreams show <id> [--json]',
  'dreams review':
    'lucid dreams review <id> [--approve ID,...] [--reject ID,...] [--approve-all] [--reject-all]\n' +
    '          [--by NAME] [--comment TEXT] [--no-wait]',
  'dreams schedule':
    'lucid dreams schedule --agent NAME --store <store> --model MODEL (--cron EXPR | --every DURATION)\n' +
    '          [--min-sessions N] [--review auto|human] [--instructions TEXT]',
  'dreams schedule list': 'lucid dreams schedule list [--json]',
  'dreams schedule pause': 'lucid dreams schedule pause <schedule-id> [--note TEXT]',
  'dreams schedule resume': 'lucid dreams schedule resume <schedule-id> [--note TEXT]',
  'dreams schedule delete': 'lucid dreams schedule delete <schedule-id>',
  help: 'lucid help',
} as const;

/** A command or subcommand, as its usage is keyed: `run`, `memory write`, `dreams schedule list`, ... */
export type CommandName = keyof typeof COMMAND_USAGE;

/** Commands that only group subcommands (`lucid memory <subcommand>`). */
export const COMMAND_GROUPS = ['memory', 'dreams'] as const;
export type CommandGroup = (typeof COMMAND_GROUPS)[number];

/** True for `memory` and `dreams`, whose work is done by their subcommands. */
export function isCommandGroup(name: string): name is CommandGroup {
  return (COMMAND_GROUPS as readonly string[]).includes(name);
}

/** The usage lines of every subcommand under `prefix` (`memory`, `dreams`, `dreams schedule`). */
export function groupUsage(prefix: string): string {
  return (Object.keys(COMMAND_USAGE) as CommandName[])
    .filter((name) => name.startsWith(`${prefix} `))
    .map((name) => COMMAND_USAGE[name])
    .join('\n');
}

/**
 * The usage to show for `lucid <name> <args…> --help`: the subcommand's when the first words name one
 * (`memory write`, `dreams schedule list`), the whole group's when they don't, the command's own otherwise.
 */
export function usageFor(name: string, args: readonly string[]): string {
  const words = [name, ...args.filter((arg) => !arg.startsWith('-')).slice(0, 2)];
  for (let length = words.length; length >= 1; length--) {
    const key = words.slice(0, length).join(' ');
    // `dreams schedule` is both a command (create) and the group of list, pause, resume and delete.
    if (key === 'dreams schedule') return `${COMMAND_USAGE[key]}\n${groupUsage(key)}`;
    if (Object.hasOwn(COMMAND_USAGE, key)) return COMMAND_USAGE[key as CommandName];
    if (isCommandGroup(key)) return groupUsage(key);
  }
  return groupUsage(name);
}

/** `usage: <line>` for one synopsis, or `usage:` and the synopses indented below it for several. */
export function formatUsage(usage: string): string {
  if (!/\nlucid /.test(usage)) return `usage: ${usage}\n`;
  return `usage:\n${usage.replace(/^/gm, '  ')}\n`;
}

export const USAGE = `lucid: start, watch and talk to durable Lucid agent sessions

Usage:
${Object.values(COMMAND_USAGE)
  .map((line) => `  ${line}`)
  .join('\n')}

Commands:
  run        start a session and stream its events until the agent's turn ends
             (--detach: print the session id and return at once;
              --keep-alive: the session waits that long for \`lucid send\` after each turn;
              --rubric: an outcome: a grader checks the work against the rubric file, and the
              agent revises until it is satisfied, at most --max-iterations evaluations, default 3;
              on a terminal it asks about the calls the session waits on: allow / deny [message] / skip
              a confirmation, type a custom tool's result; elsewhere it lists them with their commands)
  sessions   list sessions, newest first, through Temporal visibility
  events     print a session's events (--follow: keep printing until it ends; --json: one JSON object a line;
             --thread sthr_…: the own log of one of its threads instead)
  threads    print a session's thread tree: each sub-agent thread with agent, status, turns and tokens
             (--follow: redraw it until the session ends; --json: as JSON)
  send       send a running or kept-alive session a user message
  interrupt  stop the current turn before its next model request
  tool-result answer a custom tool call the session waits for (its agent.custom_tool_use event id)
  pending    list the calls the session waits on an answer for: custom tool calls and confirmations
  approve    allow a tool call that waits for a confirmation (its agent.tool_use event id)
  deny       deny a tool call that waits for a confirmation (--message: what the model is told)
  outcome    give a running or kept-alive session an outcome (rubric file, description) to achieve
  status     print a session's snapshot (--json: as JSON)
  memory     versioned memory stores: create and list stores; list, show, write memories; see a
             memory's history, diff two versions, restore one (<store> is a memstore_ id or a unique name)
  dreams     start a dream over finished sessions, list and show dreams with their proposed changes
             and diffs, review them (approve / reject, interactively on a terminal), and schedule dreams
  eval       measure whether outcomes and dreaming help an agent on a suite of checked tasks; starts its
             own server, worker and model (docs/eval.md); --model scripted:oracle|corrupted|learner|reviser

<agent> is the name of a definition in the agents folder (agents/<name>.json) or the path of a
JSON file holding an inline definition (a path: it ends in .json or contains a slash).

Environment:
  TEMPORAL_ADDRESS   Temporal server, default localhost:7233 (also TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
                     TEMPORAL_TLS_*, TEMPORAL_PROFILE, as for the Temporal CLI)
  LUCID_TASK_QUEUE   task queue of the Lucid workers, default "lucid"
  LUCID_DATA_DIR     where workers store event logs, snapshots, memory stores and dreams, default .lucid

Exit codes:
  0  done (run: the agent ended its turn normally, and every outcome was satisfied)
  1  the session ended with an error, retries exhausted or max turns; an outcome was not satisfied
     (failed, max_iterations_reached, grader_error, interrupted); or the command failed
  2  usage error (unknown command, missing argument, invalid agent or rubric file, bad option value,
     invalid memory path or content); dreams review without decision flags and without a terminal
  3  the Temporal server cannot be reached
  4  no session, memory store, memory, version, dream, change or schedule with that id (or name)
`;
