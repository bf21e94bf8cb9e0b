/**
 * Act 6: the same platform over HTTP, for a client in any language. The official Anthropic SDK, pointed at the
 * demo's API server (src/api), creates an agent and an environment, starts a session with the memory store the
 * dream wrote attached, opens the session's event stream, asks a question, prints the events as they arrive until
 * the session is idle, and archives it. It ends with examples/quickstart.mjs, the README's snippet, which does the
 * same from another terminal against `npm run demo -- --keep-running`.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { BetaManagedAgentsStreamSessionEvents } from '@anthropic-ai/sdk/resources/beta/sessions/events';
import type { BetaManagedAgentsSession } from '@anthropic-ai/sdk/resources/beta/sessions/sessions';
import fs from 'node:fs';
import path from 'node:path';
import type { MemoryStore } from '../../../src/memory/memory-store';
import { CONCIERGE, CONCIERGE_QUESTION } from './materials';
import { heading, indent, print, say, subheading, type Output } from './output';

/** Where the demo's HTTP API listens and the key it accepts. */
export interface ApiAccess {
  baseURL: string;
  apiKey: string;
}

export type ApiEvent = BetaManagedAgentsStreamSessionEvents;

export interface SdkResult {
  sessionId: string;
  agentId: string;
  /** What the stream delivered, from the question to the first idle. */
  events: ApiEvent[];
  /** The session as retrieved once idle, before it was archived. */
  session: BetaManagedAgentsSession;
}

/**
 * The one key the demo's API accepts. Well known on purpose: examples/quickstart.mjs uses it by default, and the
 * demo's server listens on loopback only, for as long as the demo runs.
 */
export const DEMO_API_KEY = 'lucid-demo-key';

/** The README's SDK example: the file README.md includes verbatim (test/scripts/quickstart.test.ts runs it). */
export const QUICKSTART_FILE = path.resolve(__dirname, '..', '..', '..', 'examples', 'quickstart.mjs');

export async function sessionOverHttp(stage: Output & { api: ApiAccess }, store: MemoryStore): Promise<SdkResult> {
  heading(stage, 'Act 6 · Any client: the official Anthropic SDK drives a session over HTTP');
  const client = new Anthropic({ baseURL: stage.api.baseURL, apiKey: stage.api.apiKey });
  say(stage, `new Anthropic({ baseURL: '${stage.api.baseURL}', apiKey }): Lucid serves the Managed Agents API`);
  const agent = await client.beta.agents.create(CONCIERGE);
  say(stage, `client.beta.agents.create → ${agent.id} (${agent.name}, version ${agent.version})`);
  const environment = await client.beta.environments.create({ name: 'demo' });
  say(stage, `client.beta.environments.create → ${environment.id}`);
  const created = await client.beta.sessions.create({
    agent: agent.id,
    environment_id: environment.id,
    title: 'Ask the concierge',
    resources: [{ type: 'memory_store', memory_store_id: store.id, access: 'read_only' }],
  });
  say(stage, `client.beta.sessions.create → ${created.id} (${created.status}), with memory store ${store.id}`);
  // Opened before the question is sent, so it sees every event the question causes.
  const stream = await client.beta.sessions.events.stream(created.id);
  const question = { type: 'user.message' as const, content: [{ type: 'text' as const, text: CONCIERGE_QUESTION }] };
  await client.beta.sessions.events.send(created.id, { events: [question] });
  say(stage, 'client.beta.sessions.events.send, then the events of client.beta.sessions.events.stream:\n');
  const events: ApiEvent[] = [];
  for await (const event of stream) {
    events.push(event);
    print(stage, describeEvent(event));
    if (event.type === 'session.status_idle') break;
  }
  const session = await client.beta.sessions.retrieve(created.id);
  const tokens = session.usage.output_tokens ?? 0;
  say(stage, `client.beta.sessions.retrieve → ${session.status}, ${tokens} output tokens so far`);
  const archived = await client.beta.sessions.archive(created.id);
  say(stage, `client.beta.sessions.archive → archived at ${archived.archived_at}: its events stay readable`);
  showTheQuickstart(stage);
  return { sessionId: created.id, agentId: agent.id, events, session };
}

/** Nothing, when the act went as it should; else what went wrong. */
export function sdkActProblems(result: SdkResult): string[] {
  const idle = result.events.at(-1);
  const problems: string[] = [];
  if (idle?.type !== 'session.status_idle') problems.push('the SDK stream ended before the session was idle');
  else if (idle.stop_reason.type !== 'end_turn') problems.push(`the SDK session stopped with ${idle.stop_reason.type}`);
  if (!result.events.some((event) => event.type === 'agent.message')) problems.push('the SDK session got no answer');
  return problems;
}

/** `  agent.message            As /lessons/... says: ...`: the type, and the text or stop reason it carries. */
function describeEvent(event: ApiEvent): string {
  const detail =
    event.type === 'user.message' || event.type === 'agent.message'
      ? event.content.map((block) => ('text' in block ? block.text : `[${block.type}]`)).join('')
      : event.type === 'session.status_idle'
        ? `stop_reason ${event.stop_reason.type}`
        : '';
  return `  ${event.type.padEnd(26)} ${detail}`.trimEnd();
}

function showTheQuickstart(stage: Output): void {
  subheading(stage, `The same in a dozen lines (${path.relative(process.cwd(), QUICKSTART_FILE)}, in README.md)`);
  print(stage, indent(fs.readFileSync(QUICKSTART_FILE, 'utf8').trimEnd()));
}
