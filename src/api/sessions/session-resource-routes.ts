/** `client.beta.sessions.resources`: the routes, each checking its input with zod first. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FileResourceParamsSchema } from '../files/file-resource';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../pagination';
import { parseOrRefuse } from '../validate';
import { SessionIdSchema, SessionPathSchema } from './session-params';
import type { SessionResourceService } from './session-resource-service';

const ResourcePathSchema = z.strictObject({
  session_id: SessionIdSchema,
  resource_id: z.string().regex(/^sesrsc_[A-Za-z0-9]{1,128}$/, 'not a session resource id (sesrsc_...)'),
});

const ResourceListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
  page: z.string().min(1).optional(),
});

const ResourceUpdateSchema = z.strictObject({ authorization_token: z.string().min(1) });

export function sessionResourceRoutes(app: FastifyInstance, resources: SessionResourceService): void {
  const base = '/v1/sessions/:session_id/resources';
  const sessionId = (params: unknown) => parseOrRefuse(SessionPathSchema, params, 'path').session_id;
  const ids = (params: unknown) => parseOrRefuse(ResourcePathSchema, params, 'path');

  app.get(base, async (request) =>
    resources.list(sessionId(request.params), parseOrRefuse(ResourceListQuerySchema, request.query, 'query')),
  );

  app.post(base, async (request) => {
    const id = sessionId(request.params);
    return resources.add(id, parseOrRefuse(FileResourceParamsSchema, request.body, 'body'));
  });

  app.get(`${base}/:resource_id`, async (request) => {
    const { session_id, resource_id } = ids(request.params);
    return resources.retrieve(session_id, resource_id);
  });

  app.post(`${base}/:resource_id`, async (request) => {
    const { session_id, resource_id } = ids(request.params);
    parseOrRefuse(ResourceUpdateSchema, request.body, 'body');
    return resources.update(session_id, resource_id);
  });

  app.delete(`${base}/:resource_id`, async (request) => {
    const { session_id, resource_id } = ids(request.params);
    return resources.delete(session_id, resource_id);
  });
}
