/**
 * The API's `api_actor`: who wrote a memory over HTTP, named by the key that authenticated the request. The id is
 * derived from the key by a one-way hash, so it is stable across restarts and the same in every server that holds
 * the key, yet reveals nothing of the key itself (keys are high-entropy secrets, not guessable passwords).
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { MemoryActor } from '../memory/memory-store';
import { presentedKey } from './api-keys';

export function apiKeyId(key: string): string {
  return `apikey_${createHash('sha256').update(`lucid api key id\n${key}`, 'utf8').digest('hex').slice(0, 24)}`;
}

/** The actor of an authenticated request (onRequest has already refused requests without a valid key). */
export function apiActorOf(request: FastifyRequest): MemoryActor {
  return { type: 'api_actor', api_key_id: apiKeyId(presentedKey(request.headers) ?? '') };
}
