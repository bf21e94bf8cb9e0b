/** `client.beta.environments`: the routes, each checking its input with zod first. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NoQuerySchema, parseOrRefuse } from '../validate';
import {
  EnvironmentCreateSchema,
  EnvironmentListQuerySchema,
  EnvironmentPathSchema,
  EnvironmentUpdateSchema,
} from './environment-params';
import type { EnvironmentService } from './environment-service';

export function environmentRoutes(app: FastifyInstance, environments: EnvironmentService): void {
  /** The id in the path; these routes take no query, so a query parameter is an unknown field. */
  const environmentId = ({ params, query }: FastifyRequest) => {
    parseOrRefuse(NoQuerySchema, query, 'query');
    return parseOrRefuse(EnvironmentPathSchema, params, 'path').environment_id;
  };

  app.post('/v1/environments', async (request) =>
    environments.create(parseOrRefuse(EnvironmentCreateSchema, request.body, 'body')),
  );

  app.get('/v1/environments', async (request) =>
    environments.list(parseOrRefuse(EnvironmentListQuerySchema, request.query, 'query')),
  );

  app.get('/v1/environments/:environment_id', async (request) => environments.retrieve(environmentId(request)));

  app.post('/v1/environments/:environment_id', async (request) => {
    const id = environmentId(request);
    return environments.update(id, parseOrRefuse(EnvironmentUpdateSchema, request.body, 'body'));
  });

  app.post('/v1/environments/:environment_id/archive', async (request) => environments.archive(environmentId(request)));

  app.delete('/v1/environments/:environment_id', async (request) => environments.delete(environmentId(request)));
}
