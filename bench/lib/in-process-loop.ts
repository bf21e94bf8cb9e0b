/**
 * The in-process floor for bench/turn-overhead.ts: the same agent loop with the same activity functions, store,
 * workspace tools and model client, called one after the other in this process without Temporal. What a
 * session costs beyond this is the price of durability.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Activities } from '../../src/activities';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import { enabledToolNames } from '../../src/domain/agent-toolset';
import { textBlocks } from '../../src/domain/events';
import { EventLog } from '../../src/workflows/event-log';

/** Runs the agent on `message` until it stops asking for tools; returns the number of model requests made. */
export async function runInProcessLoop(
  activities: Activities,
  agent: AgentDefinition,
  sessionId: string,
  message: string,
): Promise<number> {
  // The testing package's activity context: every activity runs in the activity boundary, which reads
  // Context.current() (to heartbeat, and to log).
  const environment = new MockActivityEnvironment();
  const inContext = <T>(call: () => Promise<T>) => environment.run(call) as Promise<T>;
  const log = new EventLog(sessionId, 1);
  const workspace = await inContext(() => activities.prepareWorkspace({ sessionId }));
  log.emit({ type: 'user.message', content: textBlocks(message) });
  for (let requests = 1; requests <= agent.max_turns; requests++) {
    const start = log.emit({ type: 'span.model_request_start', model: agent.model });
    const events = log.unpersisted();
    const result = await inContext(() =>
      activities.callModel({
        sessionId,
        model: agent.model,
        system: agent.system,
        tools: enabledToolNames(agent),
        max_tokens: agent.max_tokens,
        throughSeq: start.seq,
        events,
      }),
    );
    log.markPersistedThrough(start.seq);
    const toolUses = result.content.filter((block) => block.type === 'tool_use');
    for (const block of result.content) {
      if (block.type === 'text') log.emit({ type: 'agent.message', content: textBlocks(block.text) });
      else log.emit({ type: 'agent.tool_use', tool_use_id: block.id, name: block.name, input: block.input });
    }
    log.emit({
      type: 'span.model_request_end',
      model_request_start_id: start.id,
      is_error: false,
      model_usage: result.usage,
    });
    if (toolUses.length === 0) {
      await inContext(() => activities.persistEvents({ sessionId, events: log.unpersisted() }));
      return requests;
    }
    for (const toolUse of toolUses) {
      const outcome = await inContext(() =>
        activities.runTool({ sessionId, workspace, toolUseId: toolUse.id, name: toolUse.name, input: toolUse.input }),
      );
      log.emit({
        type: 'agent.tool_result',
        tool_use_id: toolUse.id,
        content: textBlocks(outcome.content),
        is_error: outcome.is_error,
      });
    }
  }
  throw new Error(`in-process loop: the agent did not finish within ${agent.max_turns} model requests`);
}
