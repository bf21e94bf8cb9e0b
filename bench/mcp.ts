/**
 * An MCP tool call against a built-in tool call, side by side in one session.
 *
 *   npm run bench:mcp -- [--calls 40] [--direct 40] [--out FILE]
 *
 * One run against its own Temporal dev server, a Lucid worker and the scripted model (which answers at once), plus
 * a real MCP server (the MCP SDK's server side, Streamable HTTP on loopback, test/helpers/mcp-server.ts). One
 * session whose model alternates `--calls` MCP calls (`add`) with as many built-in calls (`read_file` of a small
 * file), so both meet the same machine, worker and history. For each call: the time from its use event to its
 * result event (both stamped by the workflow), i.e. what the session waits for the tool. Then `--direct` MCP calls
 * made in this process the way the activity makes them (connect, call, close), without Temporal: the share of
 * the MCP time that is the MCP round trip itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgentDefinition } from '../src/domain/agent-definition';
import type { SessionEvent } from '../src/domain/events';
import { mcpWorkerConfig } from '../src/mcp/mcp-config';
import { withMcpClient } from '../src/mcp/mcp-connection';
import type { Scenario } from '../src/scripted-model/scenario';
import { startTestMcpServer } from '../test/helpers/mcp-server';
import { startBenchEnvironment } from './lib/environment';
import {
  describeMachine,
  fileTimestamp,
  readBenchOptions,
  runBenchmark,
  wholeNumber,
  writeReport,
} from './lib/options';
import { summarizeLatencies, type LatencySummary } from './lib/statistics';
import { formatTable } from './lib/table';

const USAGE = 'usage: npm run bench:mcp -- [--calls 40] [--direct 40] [--out FILE]';
const FILE_TEXT = 'BENCH-FILE: a small file for the built-in tool.\n';

function scenario(calls: number): Scenario {
  const add = { content: [{ type: 'tool_use' as const, name: 'add', input: { a: 1, b: 2 } }] };
  const read = { content: [{ type: 'tool_use' as const, name: 'read_file', input: { path: 'bench.txt' } }] };
  return {
    description: 'bench/mcp.ts: MCP add and built-in read_file, alternating',
    rules: [
      { match: { last_user_text: 'go' }, times: 1, reply: add },
      { match: { last_tool_result: 'sum=3' }, times: calls, reply: read },
      { match: { last_tool_result: 'BENCH-FILE' }, times: calls - 1, reply: add },
      { reply: { content: [{ type: 'text', text: 'Done.' }] } },
    ],
  };
}

/** Use-to-result time of each call, by the kind of its use event. */
function callTimes(events: SessionEvent[]): { mcp: number[]; builtin: number[] } {
  const started = new Map<string, { kind: 'mcp' | 'builtin'; at: number }>();
  const times = { mcp: [] as number[], builtin: [] as number[] };
  for (const event of events) {
    const at = Date.parse(event.processed_at);
    if (event.type === 'agent.mcp_tool_use') started.set(event.tool_use_id, { kind: 'mcp', at });
    if (event.type === 'agent.tool_use') started.set(event.tool_use_id, { kind: 'builtin', at });
    const id =
      event.type === 'agent.mcp_tool_result'
        ? event.mcp_tool_use_id
        : event.type === 'agent.tool_result'
          ? event.tool_use_id
          : undefined;
    const start = id ? started.get(id) : undefined;
    if (start) times[start.kind].push(at - start.at);
  }
  return times;
}

async function main(): Promise<void> {
  const values = readBenchOptions(process.argv.slice(2), { calls: '40', direct: '40' }, USAGE);
  const calls = wholeNumber('calls', values.calls, 1, 500, USAGE);
  const direct = wholeNumber('direct', values.direct, 0, 10_000, USAGE);
  const outFile = values.out ?? path.join(__dirname, 'results', `mcp-${fileTimestamp(new Date())}.json`);
  const began = Date.now();
  const log = (line: string) => console.log(`[bench:mcp] ${line}`);

  const mcp = await startTestMcpServer();
  const environment = await startBenchEnvironment(scenario(calls), log);
  try {
    const workspace = fs.mkdtempSync(path.join(environment.dataDir, 'ws-'));
    fs.writeFileSync(path.join(workspace, 'bench.txt'), FILE_TEXT);
    const agent: AgentDefinition = {
      name: 'mcp-bench',
      model: 'scripted-instant',
      system: 'Alternate the tools.',
      tools: [
        'read_file',
        {
          type: 'mcp_toolset',
          mcp_server_name: 'bench',
          default_config: { permission_policy: { type: 'always_allow' as const } },
        },
      ],
      mcp_servers: [{ type: 'url', name: 'bench', url: mcp.url }],
      max_turns: 2 * calls + 1,
      max_tokens: 256,
    };
    log(`one session, ${calls} MCP calls alternating with ${calls} built-in calls`);
    const sessionStart = Date.now();
    const sessionId = await environment.lucid.startSession({ agent, message: 'go', workspace });
    const snapshot = await environment.lucid.result(sessionId);
    const sessionMs = Date.now() - sessionStart;
    if (snapshot.final_message !== 'Done.') throw new Error(`the session ended with ${snapshot.final_message}`);
    const times = callTimes(await environment.store.readEvents(sessionId));

    log(`${direct} direct MCP calls (connect, call, close) in this process`);
    const directTimes: number[] = [];
    const server = { type: 'url' as const, name: 'bench', url: mcp.url };
    for (let n = 0; n < direct; n++) {
      const start = performance.now();
      await withMcpClient(server, mcpWorkerConfig({}), (client) =>
        client.callTool({ name: 'add', arguments: { a: 1, b: 2 } }),
      );
      directTimes.push(performance.now() - start);
    }

    const results: Record<string, LatencySummary> = {
      'MCP call (add), in a session': summarizeLatencies(times.mcp),
      'built-in call (read_file), in a session': summarizeLatencies(times.builtin),
      'MCP connect+call+close, direct': summarizeLatencies(directTimes),
    };
    const rows = Object.entries(results).map(([what, summary]) => [
      what,
      String(summary.count),
      summary.p50.toFixed(1),
      summary.p99.toFixed(1),
      summary.max.toFixed(1),
    ]);
    console.log(formatTable([['', 'n', 'p50 ms', 'p99 ms', 'max ms'], ...rows]));
    console.log(`session wall time ${sessionMs} ms for ${2 * calls} tool calls and ${2 * calls + 1} model requests`);
    writeReport(outFile, {
      benchmark: 'mcp',
      machine: describeMachine(),
      settings: { calls, direct },
      results,
      session_wall_ms: sessionMs,
      runtime_ms: Date.now() - began,
    });
  } finally {
    await environment.close();
    await mcp.stop();
  }
}

runBenchmark(main);
