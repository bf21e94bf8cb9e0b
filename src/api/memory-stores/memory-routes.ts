/**
 * `client.beta.memoryStores`, `.memories` and `.memoryVersions`: the routes, each checking its input with zod
 * first. Writes are attributed to the API key that made them (`api_actor`).
 */
import type { FastifyInstance } from 'fastify';
import { apiActorOf } from '../api-actor';
import { parseOrRefuse } from '../validate';
import {
  EmptyQuerySchema,
  MemoryCreateSchema,
  MemoryDeleteQuerySchema,
  MemoryListQuerySchema,
  MemoryPathSchema,
  MemoryUpdateSchema,
  StoreCreateSchema,
  StoreListQuerySchema,
  StorePathSchema,
  StoreUpdateSchema,
  VersionListQuerySchema,
  VersionPathSchema,
  ViewQuerySchema,
} from './memory-params';
import type { MemoryService } from './memory-service';

const STORES = '/v1/memory_stores';
const STORE = `${STORES}/:memory_store_id`;
const MEMORIES = `${STORE}/memories`;
const MEMORY = `${MEMORIES}/:memory_id`;
const VERSIONS = `${STORE}/memory_versions`;
const VERSION = `${VERSIONS}/:memory_version_id`;

export function memoryStoreRoutes(app: FastifyInstance, memory: MemoryService): void {
  app.post(STORES, async (request) => memory.createStore(parseOrRefuse(StoreCreateSchema, request.body, 'body')));

  app.get(STORES, async (request) => memory.listStores(parseOrRefuse(StoreListQuerySchema, request.query, 'query')));

  app.get(STORE, async (request) => {
    const { memory_store_id } = parseOrRefuse(StorePathSchema, request.params, 'path');
    parseOrRefuse(EmptyQuerySchema, request.query, 'query');
    return memory.retrieveStore(memory_store_id);
  });

  app.post(STORE, async (request) => {
    const { memory_store_id } = parseOrRefuse(StorePathSchema, request.params, 'path');
    return memory.updateStore(memory_store_id, parseOrRefuse(StoreUpdateSchema, request.body, 'body'));
  });

  app.post(`${STORE}/archive`, async (request) => {
    const { memory_store_id } = parseOrRefuse(StorePathSchema, request.params, 'path');
    return memory.archiveStore(memory_store_id);
  });

  app.delete(STORE, async (request) => {
    const { memory_store_id } = parseOrRefuse(StorePathSchema, request.params, 'path');
    return memory.deleteStore(memory_store_id);
  });

  memoryRoutes(app, memory);
  versionRoutes(app, memory);
}

function memoryRoutes(app: FastifyInstance, memory: MemoryService): void {
  app.post(MEMORIES, async (request) => {
    const { memory_store_id } = parseOrRefuse(StorePathSchema, request.params, 'path');
    const { view } = parseOrRefuse(ViewQuerySchema, request.query, 'query');
    const params = parseOrRefuse(MemoryCreateSchema, request.body, 'body');
    return memory.createMemory(memory_store_id, params, view ?? 'basic', apiActorOf(request));
  });

  app.get(MEMORIES, async (request) => {
    const { memory_store_id } = parseOrRefuse(StorePathSchema, request.params, 'path');
    return memory.listMemories(memory_store_id, parseOrRefuse(MemoryListQuerySchema, request.query, 'query'));
  });

  app.get(MEMORY, async (request) => {
    const { memory_store_id, memory_id } = parseOrRefuse(MemoryPathSchema, request.params, 'path');
    const { view } = parseOrRefuse(ViewQuerySchema, request.query, 'query');
    return memory.retrieveMemory(memory_store_id, memory_id, view ?? 'full');
  });

  app.post(MEMORY, async (request) => {
    const { memory_store_id, memory_id } = parseOrRefuse(MemoryPathSchema, request.params, 'path');
    const { view } = parseOrRefuse(ViewQuerySchema, request.query, 'query');
    const params = parseOrRefuse(MemoryUpdateSchema, request.body, 'body');
    return memory.updateMemory(memory_store_id, memory_id, params, view ?? 'basic', apiActorOf(request));
  });

  app.delete(MEMORY, async (request) => {
    const { memory_store_id, memory_id } = parseOrRefuse(MemoryPathSchema, request.params, 'path');
    const { expected_content_sha256 } = parseOrRefuse(MemoryDeleteQuerySchema, request.query, 'query');
    return memory.deleteMemory(memory_store_id, memory_id, expected_content_sha256, apiActorOf(request));
  });
}

function versionRoutes(app: FastifyInstance, memory: MemoryService): void {
  app.get(VERSIONS, async (request) => {
    const { memory_store_id } = parseOrRefuse(StorePathSchema, request.params, 'path');
    return memory.listVersions(memory_store_id, parseOrRefuse(VersionListQuerySchema, request.query, 'query'));
  });

  app.get(VERSION, async (request) => {
    const { memory_store_id, memory_version_id } = parseOrRefuse(VersionPathSchema, request.params, 'path');
    const { view } = parseOrRefuse(ViewQuerySchema, request.query, 'query');
    return memory.retrieveVersion(memory_store_id, memory_version_id, view ?? 'full');
  });

  app.post(`${VERSION}/redact`, async (request) => {
    const { memory_store_id, memory_version_id } = parseOrRefuse(VersionPathSchema, request.params, 'path');
    return memory.redactVersion(memory_store_id, memory_version_id, apiActorOf(request));
  });
}
