/**
 * `client.beta.dreams`, and Lucid's review extension under each dream (its proposed changes and the decisions on
 * them): the routes, each checking its input with zod first.
 */
import type { FastifyInstance } from 'fastify';
import { parseOrRefuse } from '../validate';
import {
  ChangeListQuerySchema,
  ChangePathSchema,
  DecisionBodySchema,
  DreamCreateSchema,
  DreamListQuerySchema,
  DreamPathSchema,
} from './dream-params';
import type { DreamService } from './dream-service';

export function dreamRoutes(app: FastifyInstance, dreams: DreamService): void {
  app.post('/v1/dreams', async (request) => dreams.create(parseOrRefuse(DreamCreateSchema, request.body, 'body')));

  app.get('/v1/dreams', async (request) => dreams.list(parseOrRefuse(DreamListQuerySchema, request.query, 'query')));

  app.get('/v1/dreams/:dream_id', async (request) => {
    const { dream_id } = parseOrRefuse(DreamPathSchema, request.params, 'path');
    return dreams.retrieve(dream_id);
  });

  app.post('/v1/dreams/:dream_id/cancel', async (request) => {
    const { dream_id } = parseOrRefuse(DreamPathSchema, request.params, 'path');
    return dreams.cancel(dream_id);
  });

  app.post('/v1/dreams/:dream_id/archive', async (request) => {
    const { dream_id } = parseOrRefuse(DreamPathSchema, request.params, 'path');
    return dreams.archive(dream_id);
  });

  app.get('/v1/dreams/:dream_id/changes', async (request) => {
    const { dream_id } = parseOrRefuse(DreamPathSchema, request.params, 'path');
    return dreams.listChanges(dream_id, parseOrRefuse(ChangeListQuerySchema, request.query, 'query'));
  });

  app.get('/v1/dreams/:dream_id/changes/:change_id', async (request) => {
    const { dream_id, change_id } = parseOrRefuse(ChangePathSchema, request.params, 'path');
    return dreams.change(dream_id, change_id);
  });

  for (const [verb, decision] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const) {
    app.post(`/v1/dreams/:dream_id/changes/:change_id/${verb}`, async (request) => {
      const { dream_id, change_id } = parseOrRefuse(ChangePathSchema, request.params, 'path');
      return dreams.decide(dream_id, change_id, decision, parseOrRefuse(DecisionBodySchema, request.body, 'body'));
    });
    app.post(`/v1/dreams/:dream_id/changes/${verb}_all`, async (request) => {
      const { dream_id } = parseOrRefuse(DreamPathSchema, request.params, 'path');
      return dreams.decideAll(dream_id, decision, parseOrRefuse(DecisionBodySchema, request.body, 'body'));
    });
  }
}
