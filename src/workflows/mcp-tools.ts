/**
 * The session's MCP tools (docs/tools.md, "MCP servers"): listed by an activity when the first turn starts, kept in
 * the session state (bounded), offered to the model with its own tools, and each call run by an activity that
 * connects, calls and closes. Calls are logged as `agent.mcp_tool_use` / `agent.mcp_tool_result`.
 * Deterministic orchestration only.
 */
import { CancellationScope, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ModelContentBlock } from '../activities/model';
import { textBlocks } from '../domain/events';
import { connectedMcpServers, mcpToolsets } from '../domain/mcp-servers';
import { mcpToolDefinitions, offerMcpTools, type OfferedMcpTool } from '../domain/mcp-tools';
import type { UserToolDefinition } from '../domain/user-tools';
import { failureCause } from '../domain/failure-cause';
import type { EventLog } from './event-log';
import type { SessionState } from './session-state';

type ToolUse = Extract<ModelContentBlock, { type: 'tool_use' }>;
type Outcome = { content: string; is_error: boolean };

/** Listing is safe to repeat, so a lost worker's attempt is retried. */
const { listMcpTools } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 3 },
});
/**
 * A call runs at most once: an MCP tool may change things, and nothing tells whether a lost worker's call reached
 * the server. A lost worker (noticed by heartbeat) is a tool error saying so; the model decides what to do.
 */
const CALL_ACTIVITY = {
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { maximumAttempts: 1 },
} as const;
const { callMcpTool } = proxyActivities<Activities>(CALL_ACTIVITY);

export class McpTools {
  /** Scopes of the calls in flight, which an interrupt cancels. */
  private readonly running = new Set<CancellationScope>();

  constructor(
    private readonly state: SessionState,
    private readonly log: EventLog,
  ) {}

  /**
   * Lists the servers' tools once per session (a no-op for an agent without servers and after the first time).
   * A server that cannot be listed is a `session.error` of type `mcp_connection_failed_error`; the session goes on
   * without its tools. `takenNames` are the agent's other tools, which an MCP tool's name must not shadow.
   */
  async listOnce(takenNames: readonly string[]): Promise<void> {
    const servers = connectedMcpServers(this.state.agent);
    if (this.state.mcp || servers.length === 0) return;
    const toolsets = mcpToolsets(this.state.agent);
    const request = servers.map((server) => ({
      server,
      toolset: toolsets.find((toolset) => toolset.mcp_server_name === server.name)!,
    }));
    const listings = await listMcpTools
      .executeWithOptions({ summary: `list MCP tools (${servers.map((s) => s.name).join(', ')})`.slice(0, 200) }, [
        { sessionId: this.state.sessionId, servers: request },
      ])
      .then(
        (result) => result.servers,
        (error: unknown) =>
          servers.map((server) => ({ server: server.name, ok: false as const, message: failureCause(error).message })),
      );
    for (const listing of listings) {
      if (listing.ok) continue;
      this.log.emit({
        type: 'session.error',
        error: {
          type: 'mcp_connection_failed_error',
          mcp_server_name: listing.server,
          message: listing.message,
          retry_status: { type: 'exhausted' },
        },
      });
    }
    const listed = listings.flatMap((listing) =>
      listing.ok ? [{ server: listing.server, tools: listing.tools }] : [],
    );
    this.state.mcp = { tools: offerMcpTools(listed, takenNames) };
  }

  definitions(): UserToolDefinition[] {
    return mcpToolDefinitions(this.state.mcp?.tools ?? []);
  }

  /** Whether the model's tool name is an offered MCP tool. */
  owns(toolName: string): boolean {
    return this.find(toolName) !== undefined;
  }

  useEvent(toolUse: ToolUse) {
    const tool = this.find(toolUse.name)!;
    return {
      type: 'agent.mcp_tool_use' as const,
      tool_use_id: toolUse.id,
      tool_name: tool.tool_name,
      mcp_server_name: tool.server,
      name: tool.name,
      input: toolUse.input,
      evaluated_permission: 'allow' as const,
    };
  }

  resultEvent(toolUseId: string, outcome: Outcome) {
    return {
      type: 'agent.mcp_tool_result' as const,
      mcp_tool_use_id: toolUseId,
      content: textBlocks(outcome.content),
      is_error: outcome.is_error,
    };
  }

  /** One call; whatever goes wrong is a tool error the model sees. */
  async run(toolUse: ToolUse): Promise<Outcome> {
    const tool = this.find(toolUse.name)!;
    const server = (this.state.agent.mcp_servers ?? []).find((candidate) => candidate.name === tool.server);
    if (!server) return { is_error: true, content: `MCP server "${tool.server}" is not in this agent's definition` };
    const scope = new CancellationScope();
    this.running.add(scope);
    try {
      return await scope.run(() =>
        callMcpTool.executeWithOptions({ summary: `mcp ${tool.server}: ${tool.name}` }, [
          { sessionId: this.state.sessionId, toolUseId: toolUse.id, server, name: tool.name, input: toolUse.input },
        ]),
      );
    } catch (error) {
      if (isCancellation(error)) {
        return {
          is_error: true,
          content: `the call of ${tool.name} was interrupted by the user; it may or may not have run on the server`,
        };
      }
      return {
        is_error: true,
        content:
          `the call of ${tool.name} on MCP server "${tool.server}" did not finish (${failureCause(error).message}); ` +
          'it may or may not have run on the server, and is not repeated',
      };
    } finally {
      this.running.delete(scope);
    }
  }

  /** An interrupt stops the calls in flight: their activities are cancelled (the request to the server aborted). */
  cancelRunning(): void {
    for (const scope of this.running) scope.cancel();
  }

  private find(toolName: string): OfferedMcpTool | undefined {
    return this.state.mcp?.tools.find((tool) => tool.tool_name === toolName);
  }
}
