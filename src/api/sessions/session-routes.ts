/** `client.beta.sessions` and `client.beta.sessions.events.send`: the routes, each checking its input with zod first. */
import { apiKeyId } from '../api-actor';
import { presentedKey } from '../api-keys';
import type { FastifyInstance } from 'fastify';
import { parseOrRefuse } from '../validate';
import {
  EventsSendSchema,
  SessionCreateSchema,
  SessionListQuerySchema,
  SessionPathSchema,
  SessionUpdateSchema,
} from './session-params';
import type { SessionService } from './session-service';

export function sessionRoutes(app: FastifyInstance, sessions: SessionService): void {
  const sessionId = (params: unknown) => parseOrRefuse(SessionPathSchema, params, 'path').session_id;

  app.post('/v1/sessions', async (request) =>
    sessions.create(parseOrRefuse(SessionCreateSchema, request.body, 'body')),
  );

  app.get('/v1/sessions', async (request) =>
    sessions.list(parseOrRefuse(SessionListQuerySchema, request.query, 'query')),
  );

  app.get('/v1/sessions/:session_id', async (request) => sessions.retrieve(sessionId(request.params)));

  app.post('/v1/sessions/:session_id', async (request) => {
    const id = sessionId(request.params);
    return sessions.update(id, parseOrRefuse(SessionUpdateSchema, request.body, 'body'));
  });

  app.post('/v1/sessions/:session_id/archive', async (request) => sessions.archive(sessionId(request.params)));

  app.delete('/v1/sessions/:session_id', async (request) => sessions.delete(sessionId(request.params)));

  app.post('/v1/sessions/:session_id/events', async (request) => {
    const id = sessionId(request.params);
    const events = parseOrRefuse(EventsSendSchema, request.body, 'body').events;
    return sessions.sendEvents(id, events, apiKeyId(presentedKey(request.headers) ?? ''));
  });
}
