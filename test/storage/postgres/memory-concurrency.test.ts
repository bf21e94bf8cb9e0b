/**
 * The PostgreSQL memory store under writers that race: in one process, and in four real processes with their own
 * connection pools, as workers on four hosts would be. No update may be lost and every precondition must hold.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { MemoryPreconditionFailedError } from '../../../src/memory/errors';
import type { MemoryActor } from '../../../src/memory/memory-store';
import { openPool } from '../../../src/storage/postgres/database';
import { PgMemoryStore } from '../../../src/storage/postgres/pg-memory-store';
import { usePostgres } from '../../helpers/postgres';

const postgres = usePostgres({ database: 'lucid_memory_race' });
const actor = (name: string): MemoryActor => ({ type: 'session_actor', session_id: `sesn_${name}` });

let storeId: string;
let baseSha: string;

beforeEach(async () => {
  const repository = new PgMemoryStore(postgres.pool());
  storeId = (await repository.createStore({ name: 'shared' })).id;
  baseSha = (await repository.writeMemory(storeId, { path: '/counter', content: '0 by setup' }, actor('setup')))
    .content_sha256;
});

test('exactly one of 20 writers with the same precondition wins, each on its own pool', async () => {
  const pools = Array.from({ length: 20 }, () => openPool({ url: postgres.url(), poolSize: 1 }));
  try {
    const results = await Promise.allSettled(
      pools.map((pool, writer) =>
        new PgMemoryStore(pool).writeMemory(
          storeId,
          { path: '/counter', content: `1 by writer ${writer}`, expected_content_sha256: baseSha },
          actor(`w${writer}`),
        ),
      ),
    );
    const winners = results.filter((result) => result.status === 'fulfilled');
    const losers = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(winners).toHaveLength(1);
    expect(losers.every((result) => result.reason instanceof MemoryPreconditionFailedError)).toBe(true);
    const repository = new PgMemoryStore(postgres.pool());
    expect((await repository.getMemoryByPath(storeId, '/counter')).content).toBe(
      (winners[0] as PromiseFulfilledResult<{ content: string }>).value.content,
    );
    expect(await repository.listVersions(storeId)).toHaveLength(2);
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
  }
});

test('loses no update: 20 writers in 4 real processes increment one counter and create their own memories', async () => {
  const processes = 4;
  const writersPerProcess = 5;
  const increments = 3;
  const outputs = await Promise.all(
    Array.from({ length: processes }, (_, worker) =>
      runWriterProcess({ url: postgres.url(), storeId, worker, writers: writersPerProcess, increments }),
    ),
  );
  for (const output of outputs) expect(JSON.parse(output)).toEqual({ done: writersPerProcess * increments });

  const repository = new PgMemoryStore(postgres.pool());
  const total = processes * writersPerProcess * increments;
  expect((await repository.getMemoryByPath(storeId, '/counter')).content).toMatch(new RegExp(`^${total} by `));
  expect(await repository.listMemories(storeId, { path_prefix: '/writers/' })).toHaveLength(total);
  const history = await repository.listVersions(storeId);
  expect(history).toHaveLength(1 + 2 * total);
  // Every counter version is one more than the one before it: none was written from a stale read.
  const counts = history
    .filter((version) => version.path === '/counter')
    .map((version) => Number.parseInt(version.content ?? '', 10))
    .reverse();
  expect(counts).toEqual(Array.from({ length: total + 1 }, (_, index) => index));
}, 120_000);

/** A child process with its own pool running `writers` concurrent writer loops (see the script). */
function runWriterProcess(input: {
  url: string;
  storeId: string;
  worker: number;
  writers: number;
  increments: number;
}): Promise<string> {
  const module = (name: string) => JSON.stringify(path.resolve(__dirname, '../../../src/storage/postgres', name));
  const script = `
    const { openPool } = require(${module('database.ts')});
    const { PgMemoryStore } = require(${module('pg-memory-store.ts')});
    const input = JSON.parse(process.env.MEMORY_WRITER_INPUT);
    const pool = openPool({ url: input.url, poolSize: input.writers });
    const repository = new PgMemoryStore(pool);
    const actor = { type: 'session_actor', session_id: 'sesn_process' + input.worker };
    async function increment(writer) {
      for (;;) {
        const current = await repository.getMemoryByPath(input.storeId, '/counter');
        const content = (Number.parseInt(current.content, 10) + 1) + ' by ' + writer;
        try {
          return await repository.writeMemory(input.storeId, { path: '/counter', content, expected_content_sha256: current.content_sha256 }, actor);
        } catch (error) {
          if (error.code !== 'memory_precondition_failed_error') throw error;
        }
      }
    }
    async function writer(index) {
      for (let step = 0; step < input.increments; step++) {
        const name = 'p' + input.worker + 'w' + index + 's' + step;
        await repository.writeMemory(input.storeId, { path: '/writers/' + name + '.md', content: name }, actor);
        await increment(name);
      }
    }
    Promise.all(Array.from({ length: input.writers }, (_, index) => writer(index)))
      .then(() => pool.end())
      .then(() => console.log(JSON.stringify({ done: input.writers * input.increments })))
      .catch((error) => { console.error(error); process.exit(1); });
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      env: { ...process.env, MEMORY_WRITER_INPUT: JSON.stringify(input) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(stdout.trim()) : reject(new Error(`writer ${input.worker} exited ${code}:\n${stderr}`)),
    );
  });
}
