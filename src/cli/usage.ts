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
  outcome:
    'lucid outcome <id> --rubric FILE --description "..." [--max-iterations N] [--hide-rubric] [--grader-model MODEL]',
  status: 'lucid status <id> [--json]',
  help: 'lucid help',
} as const;

export type CommandName = keyof typeof COMMAND_USAGE;

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
              agent revises until it is satisfied, at most --max-iterations evaluations, default 3)
  sessions   list sessions, newest first, through Temporal visibility
  events     print a session's events (--follow: keep printing until it ends; --json: one JSON object a line;
             --thread sthr_…: the own log of one of its threads instead)
  threads    print a session's thread tree: each sub-agent thread with agent, status, turns and tokens
             (--follow: redraw it until the session ends; --json: as JSON)
  send       send a running or kept-alive session a user message
  interrupt  stop the current turn before its next model request
  outcome    give a running or kept-alive session an outcome (rubric file, description) to achieve
  status     print a session's snapshot (--json: as JSON)

<agent> is the name of a definition in the agents folder (agents/<name>.json) or the path of a
JSON file holding an inline definition (a path: it ends in .json or contains a slash).

Environment:
  TEMPORAL_ADDRESS   Temporal server, default localhost:7233 (also TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
                     TEMPORAL_TLS_*, TEMPORAL_PROFILE, as for the Temporal CLI)
  LUCID_TASK_QUEUE   task queue of the Lucid workers, default "lucid"
  LUCID_DATA_DIR     where workers store event logs and snapshots, default .lucid

Exit codes:
  0  done (run: the agent ended its turn normally, and every outcome was satisfied)
  1  the session ended with an error, retries exhausted or max turns; an outcome was not satisfied
     (failed, max_iterations_reached, grader_error, interrupted); or the command failed
  2  usage error (unknown command, missing argument, invalid agent or rubric file, bad option value)
  3  the Temporal server cannot be reached
  4  no session with that id
`;
