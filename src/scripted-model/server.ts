/**
 * The scripted model: an HTTP server on loopback that speaks the Anthropic Messages API and answers from a
 * scenario. It is the only stand-in for the model in tests: the real `@anthropic-ai/sdk` talks to it through
 * `baseURL`, so everything from request building to stream parsing and error handling runs for real.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  contextWindowFor,
  loadScenarioFile,
  parseScenario,
  type ContentReply,
  type Match,
  type Rule,
  type Scenario,
  type ScriptedError,
  type StopReason,
} from './scenario';
import { transcriptProblem } from './request-checks';
import {
  FaultPlan,
  FaultSettingsSchema,
  injectFault,
  zeroFaultCounts,
  type FaultCounts,
  type FaultKind,
} from './faults';
import { RequestHold } from './request-hold';
import { countInputTokens, estimateOutputTokens, SimulatedPromptCache, type CachePlan, type TokenUsage } from './usage';

/** How to start a scripted model. */
export interface ScriptedModelOptions {
  /** The scenario itself, or the path of a scenario JSON file. Validated either way. */
  scenario: Scenario | string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Receives a one-line summary of each request (the CLI prints them); silent when absent. */
  log?: (line: string) => void;
  /**
   * Answers requests in code before the rules are tried: null passes the request on to the rules. The eval
   * harness's validation models (src/scripted-model/eval-players.ts) are players.
   */
  player?: ScriptedPlayer;
}

/** A request-aware answerer: a content reply, or null to leave the request to the scenario's rules. */
export type ScriptedPlayer = (body: unknown) => ContentReply | null;

/**
 * The answer of a scenario with `"fallback": "explain"` to a request none of its rules matches: the agent ends
 * its turn saying what it is talking to and how to talk to Claude instead, so a user who starts their own
 * session on the demo's stack learns why, instead of seeing the session fail.
 */
export const EXPLAIN_TEXT =
  "This is Lucid's scripted model: it plays a fixed scenario for the demo and tests, and has no answer " +
  'scripted for this request. Set ANTHROPIC_API_KEY (then restart the worker or the demo) to use Claude.';

const EXPLAIN_RULE: Rule & { reply: ContentReply } = {
  name: 'fallback: explain',
  reply: { content: [{ type: 'text', text: EXPLAIN_TEXT }], stop_reason: 'end_turn' },
};

/** A request as the scripted model received it. */
export interface RecordedRequest {
  /** Position in {@link ScriptedModel.requests}, from 0; also `{{request_index}}` in templates. */
  index: number;
  /** `Date.now()` when the request arrived. */
  received_at: number;
  /** `Date.now()` when the answer was completely sent; absent if it was not (client gone, server closed). */
  answered_at?: number;
  path: string;
  /** Header names in lower case; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** The parsed JSON body, or the raw text if it was not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any JSON a client sent; tests read into it freely
  body: any;
  /** The index of the rule that answered, or null (no rule matched, or not a Messages request). */
  rule_index: number | null;
  /** The request asked for a stream. */
  stream: boolean;
  /** The fault injected into this request (the scenario's `faults` setting), or null. */
  fault: FaultKind | null;
}

/** A running scripted model. */
export interface ScriptedModel {
  /** Base URL, e.g. `http://127.0.0.1:PORT`: use it as the SDK's `baseURL` or as `ANTHROPIC_BASE_URL`. */
  url: string;
  port: number;
  /** Every request received, in arrival order, including failed ones. */
  requests: RecordedRequest[];
  /** Faults injected so far, per kind (all zero without a `faults` setting); kept across `setScenario`. */
  faultCounts: FaultCounts;
  /** Replaces the scenario (validated) and resets every rule's `times` count. The prompt cache is kept. */
  setScenario(scenario: Scenario): void;
  /**
   * Holds every Messages request from now on unanswered (it is recorded in {@link requests} on arrival) until the
   * returned function is called; then each is answered as it would have been. A held request sends nothing, so
   * release it within the model activity's heartbeat timeout (10 s), or the worker retries the call.
   */
  hold(): () => void;
  /** Stops listening and cuts any request still being answered. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading a Messages request. Exported so tests can assert on what the agent sent.
// ---------------------------------------------------------------------------------------------------------------

/** The system prompt: the string, or its text blocks joined by newlines. */
export function systemText(body: unknown): string {
  return isRecord(body) ? textOf(body.system) : '';
}

/** The text of the last user message: its string content, or its text blocks joined by newlines. */
export function lastUserText(body: unknown): string {
  const message = lastUserMessage(body);
  return message ? textOf(message.content) : '';
}

/** The text of the last `tool_result` block in the last user message ('' if it has none). */
export function lastToolResultText(body: unknown): string {
  const content = lastUserMessage(body)?.content;
  const results = Array.isArray(content)
    ? content.filter((block) => isRecord(block) && block.type === 'tool_result')
    : [];
  const last = results[results.length - 1];
  return isRecord(last) ? textOf(last.content) : '';
}

function lastUserMessage(body: unknown): Record<string, unknown> | undefined {
  const messages = isRecord(body) && Array.isArray(body.messages) ? body.messages : [];
  return messages
    .filter((message): message is Record<string, unknown> => isRecord(message) && message.role === 'user')
    .pop();
}

/** A string as is, or the text blocks of a block array joined by newlines. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((block) => isRecord(block) && block.type === 'text' && typeof block.text === 'string')
    .map((block) => block.text)
    .join('\n');
}

function toolNames(body: unknown): string[] {
  const tools = isRecord(body) && Array.isArray(body.tools) ? body.tools : [];
  return tools.filter(isRecord).map((tool) => String(tool.name));
}

// ---------------------------------------------------------------------------------------------------------------
// Choosing a rule
// ---------------------------------------------------------------------------------------------------------------

/** The scenario in force, how many requests each of its rules has answered, and its faults to come. */
interface Script {
  scenario: Scenario;
  uses: number[];
  faults: FaultPlan | null;
}

function newScript(scenario: Scenario, faultCounts: FaultCounts): Script {
  const faults = scenario.faults ? new FaultPlan(FaultSettingsSchema.parse(scenario.faults), faultCounts) : null;
  return { scenario, uses: scenario.rules.map(() => 0), faults };
}

/** The first rule that fits the request and still has uses left, or null. */
function chooseRule(script: Script, body: unknown, rawBody: string): number | null {
  const index = script.scenario.rules.findIndex(
    (rule, ruleIndex) =>
      (rule.times === undefined || script.uses[ruleIndex] < rule.times) && matches(rule.match, body, rawBody),
  );
  return index < 0 ? null : index;
}

function matches(match: Match | undefined, body: unknown, rawBody: string): boolean {
  if (!match) return true;
  const contains = (needle: string | undefined, haystack: () => string) =>
    needle === undefined || haystack().includes(needle);
  return (
    contains(match.system, () => systemText(body)) &&
    contains(match.last_user_text, () => lastUserText(body)) &&
    contains(match.last_tool_result, () => lastToolResultText(body)) &&
    contains(match.request, () => rawBody) &&
    (match.model === undefined || (isRecord(body) && body.model === match.model)) &&
    (match.tools_include === undefined || toolNames(body).includes(match.tools_include))
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Building the answer
// ---------------------------------------------------------------------------------------------------------------

/**
 * Values for `{{n}}` (1-based count of the rule's answers, this one included) and `{{request_index}}`, and the raw
 * request body for `{{capture:REGEX}}`: the first match of REGEX in the request (how a script reuses an id the
 * client made up, such as a thread id).
 */
interface TemplateValues {
  n: number;
  request_index: number;
  raw_body: string;
}

type ResponseBlock =
  | { type: 'text'; text: string; citations: null }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

/** The body of a successful non-streaming answer (and what a stream adds up to). */
interface ResponseMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ResponseBlock[];
  stop_reason: StopReason;
  stop_sequence: null;
  usage: TokenUsage & Record<string, unknown>;
}

function fillTemplate(text: string, values: TemplateValues): string {
  return text
    .replace(/\{\{\s*(n|request_index)\s*\}\}/g, (_whole, name: 'n' | 'request_index') => String(values[name]))
    .replace(
      /\{\{capture:(.+?)\}\}/g,
      (_whole, pattern: string) => new RegExp(pattern).exec(values.raw_body)?.[0] ?? '',
    );
}

/** Fills templates in every string inside a tool input, at any depth. */
function fillDeep(value: unknown, values: TemplateValues): unknown {
  if (typeof value === 'string') return fillTemplate(value, values);
  if (Array.isArray(value)) return value.map((item) => fillDeep(item, values));
  if (isRecord(value))
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillDeep(item, values)]));
  return value;
}

function renderContent(rule: Rule, reply: ContentReply, values: TemplateValues): ResponseBlock[] {
  const blocks: ResponseBlock[] = [];
  if (rule.repeat_text && rule.repeat_text.count > 0) {
    blocks.push({
      type: 'text',
      text: fillTemplate(rule.repeat_text.text, values).repeat(rule.repeat_text.count),
      citations: null,
    });
  }
  for (const block of reply.content) {
    if (block.type === 'text') {
      blocks.push({ type: 'text', text: fillTemplate(block.text, values), citations: null });
    } else {
      // Random, not counter-based: ids must stay unique across server restarts within one conversation.
      const id = block.id ? fillTemplate(block.id, values) : `toolu_${randomBytes(12).toString('hex')}`;
      const input = fillDeep(block.input ?? {}, values) as Record<string, unknown>;
      blocks.push({ type: 'tool_use', id, name: block.name, input });
    }
  }
  return blocks;
}

function buildMessage(body: unknown, reply: ContentReply, content: ResponseBlock[], plan: CachePlan): ResponseMessage {
  const usage: TokenUsage = {
    ...plan.usage,
    output_tokens: estimateOutputTokens(content),
    ...reply.usage,
  };
  const hasToolUse = content.some((block) => block.type === 'tool_use');
  return {
    id: `msg_${randomBytes(12).toString('hex')}`,
    type: 'message',
    role: 'assistant',
    model: isRecord(body) && typeof body.model === 'string' ? body.model : 'scripted-model',
    content,
    stop_reason: reply.stop_reason ?? (hasToolUse ? 'tool_use' : 'end_turn'),
    stop_sequence: null,
    usage: {
      ...usage,
      cache_creation: { ephemeral_5m_input_tokens: usage.cache_creation_input_tokens, ephemeral_1h_input_tokens: 0 },
      service_tier: 'standard',
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Streaming: the Messages SSE protocol
// ---------------------------------------------------------------------------------------------------------------

interface StreamEvent {
  type: string;
  [key: string]: unknown;
}

/** The events that stream `message`, in protocol order. */
function streamEvents(message: ResponseMessage): StreamEvent[] {
  const { output_tokens, ...inputUsage } = message.usage;
  const events: StreamEvent[] = [
    {
      type: 'message_start',
      message: {
        ...message,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...inputUsage, output_tokens: 1 },
      },
    },
    { type: 'ping' },
  ];
  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '', citations: null } });
      for (const text of chunks(block.text))
        events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
    } else {
      events.push({ type: 'content_block_start', index, content_block: { ...block, input: {} } });
      for (const partial_json of chunks(JSON.stringify(block.input))) {
        events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } });
      }
    }
    events.push({ type: 'content_block_stop', index });
  });
  events.push(
    {
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: null },
      usage: {
        output_tokens,
        input_tokens: inputUsage.input_tokens,
        cache_creation_input_tokens: inputUsage.cache_creation_input_tokens,
        cache_read_input_tokens: inputUsage.cache_read_input_tokens,
      },
    },
    { type: 'message_stop' },
  );
  return events;
}

/** Splits text into up to three pieces (whole code points), so clients see real incremental deltas. */
function chunks(text: string, pieces = 3): string[] {
  const points = Array.from(text);
  const size = Math.max(1, Math.ceil(points.length / pieces));
  const result: string[] = [];
  for (let start = 0; start < points.length; start += size) result.push(points.slice(start, start + size).join(''));
  return result;
}

/**
 * Sends the stream: headers, `message_start` and `ping` at once (so the client knows the request was accepted),
 * then the remaining events spread evenly over `delayMs`. Resolves false if the stream was cut short.
 */
async function sendStream(
  res: ServerResponse,
  message: ResponseMessage,
  delayMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  if (signal.aborted) return false;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'request-id': requestId(),
  });
  const events = streamEvents(message);
  const [start, ping, ...rest] = events;
  writeEvent(res, start);
  writeEvent(res, ping);
  const gap = rest.length ? delayMs / rest.length : 0;
  for (const event of rest) {
    if (gap > 0 && !(await sleep(gap, signal))) return false;
    if (signal.aborted) return false;
    writeEvent(res, event);
  }
  res.end();
  return true;
}

function writeEvent(res: ServerResponse, event: StreamEvent): void {
  res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

const ERROR_TYPES_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

function defaultErrorType(status: number): string {
  return ERROR_TYPES_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

function sendError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { type: 'error', error: { type, message } }, headers);
}

function sendScriptedError(res: ServerResponse, error: ScriptedError): void {
  const type = error.type ?? defaultErrorType(error.status);
  const headers: Record<string, string> =
    error.retry_after === undefined ? {} : { 'retry-after': String(error.retry_after) };
  sendError(res, error.status, type, error.message ?? `scripted ${type}`, headers);
}

/**
 * The API's refusal of a prompt over the model's context window, word for word, or null when it fits. Measured
 * with the same estimate as usage and `count_tokens` (system + tools + messages).
 */
function promptTooLong(scenario: Scenario, body: unknown): string | null {
  const tokens = countInputTokens(body);
  const window = contextWindowFor(scenario, isRecord(body) && typeof body.model === 'string' ? body.model : '');
  return tokens > window ? `prompt is too long: ${tokens} tokens > ${window} maximum` : null;
}

// ---------------------------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------------------------

/** Starts a scripted model listening on loopback (by default) and resolves once it accepts connections. */
export async function startScriptedModel(options: ScriptedModelOptions): Promise<ScriptedModel> {
  const faultCounts = zeroFaultCounts();
  let script = newScript(
    typeof options.scenario === 'string' ? loadScenarioFile(options.scenario) : parseScenario(options.scenario),
    faultCounts,
  );
  const requests: RecordedRequest[] = [];
  const cache = new SimulatedPromptCache();
  const inFlight = new Set<AbortController>();
  const hold = new RequestHold();
  const log = options.log ?? (() => {});

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = Date.now();
    const abort = new AbortController();
    inFlight.add(abort);
    // 'close' also fires after a complete answer; aborting then is harmless and frees the controller.
    res.on('close', () => {
      abort.abort();
      inFlight.delete(abort);
    });
    const rawBody = await readBody(req);
    const body = parseJson(rawBody);
    const path = (req.url ?? '/').split('?')[0];
    const record: RecordedRequest = {
      index: requests.length,
      received_at: receivedAt,
      path,
      headers: flattenHeaders(req.headers),
      body: body === undefined ? rawBody : body,
      rule_index: null,
      stream: isRecord(body) && body.stream === true,
      fault: null,
    };
    requests.push(record);
    res.on('finish', () => (record.answered_at = Date.now()));

    if (req.method === 'POST' && (path === '/v1/messages' || path === '/v1/messages/count_tokens') && !isRecord(body)) {
      return sendError(res, 400, 'invalid_request_error', 'scripted model: the request body is not a JSON object');
    }
    if (req.method === 'POST' && path === '/v1/messages') return answerMessages(record, rawBody, res, abort.signal);
    if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
      log(`#${record.index} ${req.method} ${path}`);
      return sendJson(res, 200, { input_tokens: countInputTokens(body) });
    }
    log(`#${record.index} ${req.method} ${path} → 404`);
    sendError(res, 404, 'not_found_error', `scripted model: no endpoint ${req.method} ${path}`);
  }

  async function answerMessages(
    record: RecordedRequest,
    rawBody: string,
    res: ServerResponse,
    signal: AbortSignal,
  ): Promise<void> {
    await hold.passed(signal);
    const problem = transcriptProblem(record.body);
    if (problem) {
      process.stderr.write(`scripted model: request #${record.index} rejected: ${problem}\n`);
      return sendError(res, 400, 'invalid_request_error', problem);
    }
    const current = script; // a setScenario() during the delay must not change this answer
    const tooLong = promptTooLong(current.scenario, record.body);
    if (tooLong) {
      log(`#${record.index} POST ${record.path} → 400 ${tooLong}`);
      return sendError(res, 400, 'invalid_request_error', tooLong);
    }
    if (current.faults && (await answeredByFault(current.faults, record, res, signal))) return;
    const played = options.player?.(record.body);
    if (played) {
      log(`#${record.index} POST ${record.path}${record.stream ? ' (stream)' : ''} → player`);
      return sendContent(record, rawBody, res, signal, { name: 'player', reply: played }, 1, 0);
    }
    const ruleIndex = chooseRule(current, record.body, rawBody);
    if (ruleIndex === null && current.scenario.fallback === 'explain') {
      log(`#${record.index} POST ${record.path}${record.stream ? ' (stream)' : ''} → no rule; fallback "explain"`);
      return sendContent(record, rawBody, res, signal, EXPLAIN_RULE, 1, 0);
    }
    if (ruleIndex === null) return answerNoMatch(record, res);
    record.rule_index = ruleIndex;
    const n = ++current.uses[ruleIndex];
    const rule = current.scenario.rules[ruleIndex];
    const delayMs = rule.delay_ms ?? current.scenario.default_delay_ms ?? 0;
    log(
      `#${record.index} POST ${record.path}${record.stream ? ' (stream)' : ''} → rule ${ruleIndex}${rule.name ? ` "${rule.name}"` : ''} (use ${n})`,
    );

    const reply = rule.reply;
    if ('error' in reply) {
      if (await sleep(delayMs, signal)) sendScriptedError(res, reply.error);
      return;
    }
    await sendContent(record, rawBody, res, signal, { ...rule, reply }, n, delayMs);
  }

  /** Answers with a rule's content, streamed or whole, after `delayMs`. */
  async function sendContent(
    record: RecordedRequest,
    rawBody: string,
    res: ServerResponse,
    signal: AbortSignal,
    rule: Rule & { reply: ContentReply },
    n: number,
    delayMs: number,
  ): Promise<void> {
    const plan = cache.plan(record.body);
    const content = renderContent(rule, rule.reply, { n, request_index: record.index, raw_body: rawBody });
    const message = buildMessage(record.body, rule.reply, content, plan);
    if (record.stream) {
      if (await sendStream(res, message, delayMs, signal)) cache.commit(plan);
    } else if (await sleep(delayMs, signal)) {
      sendJson(res, 200, message);
      cache.commit(plan);
    }
  }

  /** Draws the request's fault, if any, and applies it; true when the fault was the whole answer. */
  async function answeredByFault(
    faults: FaultPlan,
    record: RecordedRequest,
    res: ServerResponse,
    signal: AbortSignal,
  ): Promise<boolean> {
    record.fault = faults.next();
    if (!record.fault) return false;
    log(`#${record.index} POST ${record.path}${record.stream ? ' (stream)' : ''} → injected fault: ${record.fault}`);
    return injectFault(record.fault, res, record.stream, faults.settings, signal);
  }

  /**
   * 400 is not retried by clients, so a scenario gap fails the test at once instead of after retries (unless
   * the scenario asks for the `explain` fallback).
   */
  function answerNoMatch(record: RecordedRequest, res: ServerResponse): void {
    const userText = lastUserText(record.body);
    const excerpt = userText.length > 200 ? `${userText.slice(0, 200)}…` : userText;
    const message = `scripted model: no rule matches request #${record.index} (last user text: ${JSON.stringify(excerpt)})`;
    process.stderr.write(`${message}\n`);
    sendError(res, 400, 'invalid_request_error', message);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const message = `scripted model: internal error: ${error instanceof Error ? error.stack : String(error)}`;
      process.stderr.write(`${message}\n`);
      if (!res.headersSent) sendError(res, 500, 'api_error', message);
      else res.destroy();
    });
  });
  const port = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const host = options.host ?? '127.0.0.1';
  let closing: Promise<void> | undefined;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    requests,
    faultCounts,
    setScenario(scenario: Scenario) {
      script = newScript(parseScenario(scenario), faultCounts);
    },
    hold: () => hold.start(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const abort of inFlight) abort.abort();
        // Keep-alive sockets (the SDK keeps them) and cut answers would otherwise hold close() open.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    const done = () => resolve(Buffer.concat(parts).toString('utf8'));
    req.on('end', done);
    // A client that leaves mid-body never sends 'end'; settle anyway so the handler does not hang (its answer
    // is then skipped, because the response's abort signal has fired).
    req.on('close', done);
    req.on('error', reject);
  });
}

/** The parsed JSON, or undefined if the text is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
    'request-id': requestId(),
    ...headers,
  });
  res.end(json);
}

function requestId(): string {
  return `req_scripted_${randomBytes(8).toString('hex')}`;
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** Waits `ms`; resolves false instead if `signal` aborts first (the client left or the server is closing). */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
