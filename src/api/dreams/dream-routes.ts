/**
 * `client.beta.dreams`, and Lucid's review extension under each dream (its proposed changes and the decisions on
 * them): the routes, each checking its input with zod first.
 */
import type { FastifyInstance } from 'fastify';
import type { LucidClient } from '../../client';
import type { Storage } from '../../storage/open-storage';
import { parseOrRefuse } from '../validate';
import {
  ChangeListQuerySchema,
  ChangePathSchema,
  DecisionBodySchema,
  DreamCreateSchema,
  DreamListQuerySchema,
  DreamPathSchema,
} from './dream-params';
import { DreamReader } from './dream-reader';
import { DreamReview } from './dream-review';
import { DreamService } from './dream-service';

export function dreamRoutes(app: FastifyInstance, storage: Storage, lucid: LucidClient): void {
  const reader = new DreamReader(storage, lucid);
  const dreams = new DreamService(storage, lucid, reader);
  const review = new DreamReview(reader, lucid);

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
    return review.list(dream_id, parseOrRefuse(ChangeListQuerySchema, request.query, 'query'));
  });

  app.get('/v1/dreams/:dream_id/changes/:change_id', async (request) => {
    const { dream_id, change_id } = parseOrRefuse(ChangePathSchema, request.params, 'path');
    return review.retrieve(dream_id, change_id);
  });

  for (const [verb, decision] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const) {
    app.post(`/v1/dreams/:dream_id/changes/:change_id/${verb}`, async (request) => {
      const { dream_id, change_id } = parseOrRefuse(ChangePathSchema, request.params, 'path');
      return review.decide(dream_id, change_id, decision, parseOrRefuse(DecisionBodySchema, request.body, 'body'));
    });
    app.post(`/v1/dreams/:dream_id/changes/${verb}_all`, async (request) => {
      const { dream_id } = parseOrRefuse(DreamPathSchema, request.params, 'path');
      return review.decideAll(dream_id, decision, parseOrRefuse(DecisionBodySchema, request.body, 'body'));
    });
  }
}
