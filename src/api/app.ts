/**
 * The HTTP API as a Fastify instance, without listening: server.ts listens, tests listen on a loopback port.
 * Every response carries a `request-id` header (the SDK reads it as `requestID`), and every request is
 * authenticated in `onRequest`, before its body is read, so a request without a valid key touches nothing.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { randomIdBody } from '../domain/ids';
import type { LucidClient } from '../client';
import type { Storage } from '../storage/open-storage';
import { AgentService } from './agents/agent-service';
import { agentRoutes } from './agents/agent-routes';
import { dreamRoutes } from './dreams/dream-routes';
import { EnvironmentService } from './environments/environment-service';
import { environmentRoutes } from './environments/environment-routes';
import { FileService } from './files/file-service';
import { DEFAULT_FILE_SIZE_LIMIT } from './files/file-params';
import { fileRoutes } from './files/file-routes';
import { ApiError, notFound } from './api-error';
import { presentedKey, type ApiKeys } from './api-keys';
import { sendError } from './error-handler';
import { MemoryService } from './memory-stores/memory-service';
import { memoryStoreRoutes } from './memory-stores/memory-routes';
import { SessionService } from './sessions/session-service';
import { sessionRoutes } from './sessions/session-routes';
import { sessionResourceRoutes } from './sessions/session-resource-routes';
import { SessionResourceService } from './sessions/session-resource-service';
import { threadWorkflows } from './threads/thread-workflows';
import { eventRoutes } from './events/event-routes';

/** 4 MiB: room for the largest agent (a 100,000-character system prompt) many times over. */
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;

export interface ApiOptions {
  storage: Storage;
  keys: ApiKeys;
  /** Temporal, for the routes that start and drive sessions; the agent routes need only storage. */
  lucid?: LucidClient;
  bodyLimit?: number;
  /** The largest file upload, in bytes; the API's 500 MB by default. */
  fileSizeLimit?: number;
  logger?: FastifyServerOptions['logger'];
  /** How often an idle event stream sends a `ping` frame (15 s by default). */
  streamHeartbeatMs?: number;
  /** The `custom_tool_wait_seconds` of the sessions it starts (absent: the session default). */
  customToolWaitSeconds?: number;
}

export function buildApi(options: ApiOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    logger: options.logger ?? false,
    // Ids of our own making: a client-sent request-id is not trusted into logs and answers.
    genReqId: () => `req_${randomIdBody(Math.random)}`,
    requestIdHeader: false,
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('request-id', request.id);
    const key = presentedKey(request.headers);
    if (key === null)
      throw new ApiError(401, 'authentication_error', 'no API key: send x-api-key or Authorization: Bearer');
    if (!options.keys.accepts(key)) throw new ApiError(401, 'authentication_error', 'invalid API key');
  });
  // JSON only: Fastify would otherwise take text/plain bodies as strings.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(sendError);
  app.setNotFoundHandler(async (request) => {
    throw notFound(`no route ${request.method} ${request.url.split('?')[0]}`);
  });
  agentRoutes(app, new AgentService(options.storage.agents));
  if (options.lucid) dreamRoutes(app, options.storage, options.lucid);
  memoryStoreRoutes(app, new MemoryService(options.storage.memory));
  environmentRoutes(
    app,
    new EnvironmentService(options.storage.environments, Date.now, options.storage.sessionRecords),
  );
  const maxFileBytes = options.fileSizeLimit ?? DEFAULT_FILE_SIZE_LIMIT;
  void app.register(fileRoutes, { files: new FileService(options.storage.files), maxFileBytes });
  if (options.lucid)
    sessionRoutes(app, new SessionService(options.storage, options.lucid, Date.now, options.customToolWaitSeconds));
  if (options.lucid) sessionResourceRoutes(app, new SessionResourceService(options.storage, options.lucid));
  const { lucid } = options;
  eventRoutes(app, options.storage, {
    heartbeatMs: options.streamHeartbeatMs,
    isRunning: lucid && ((sessionId) => lucid.isRunning(sessionId)),
    threadWorkflows: lucid && threadWorkflows(lucid),
  });
  return app;
}
