/** `client.beta.environments`: the routes, each checking its input with zod first. */
import type { FastifyInstance } from 'fastify';
import { parseOrRefuse } from '../validate';
import {
  EnvironmentCreateSchema,
  EnvironmentListQuerySchema,
  EnvironmentPathSchema,
  EnvironmentUpdateSchema,
} from './environment-params';
import type { EnvironmentService } from './environment-service';

export function environmentRoutes(app: FastifyInstance, environments: EnvironmentService): void {
  const environmentId = (params: unknown) => parseOrRefuse(EnvironmentPathSchema, params, 'path').environment_id;

  app.post('/v1/environments', async (request) =>
    environments.create(parseOrRefuse(EnvironmentCreateSchema, request.body, 'body')),
  );

  app.get('/v1/environments', async (request) =>
    environments.list(parseOrRefuse(EnvironmentListQuerySchema, request.query, 'query')),
  );

  app.get('/v1/environments/:environment_id', async (request) => environments.retrieve(environmentId(request.params)));

  app.post('/v1/environments/:environment_id', async (request) => {
    const id = environmentId(request.params);
    return environments.update(id, parseOrRefuse(EnvironmentUpdateSchema, request.body, 'body'));
  });

  app.post('/v1/environments/:environment_id/archive', async (request) =>
    environments.archive(environmentId(request.params)),
  );

  app.delete('/v1/environments/:environment_id', async (request) => environments.delete(environmentId(request.params)));
}
