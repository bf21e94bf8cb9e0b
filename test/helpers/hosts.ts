/**
 * Lucid on several "hosts" for one test file: the run's Temporal server, a throwaway PostgreSQL every process
 * shares, the scripted model, a client-side storage on the database, and worker processes each with a data
 * directory of its own. Call in the file's body: it registers its own beforeAll/afterAll, and stops every
 * worker it started.
 */
import type { Scenario } from '../../src/scripted-model/scenario';
import { startScriptedModel, type ScriptedModel } from '../../src/scripted-model/server';
import { openStorage, type Storage } from '../../src/storage/open-storage';
import { usePostgres } from './postgres';
import { connectTestTemporal, tempDir, type TestTemporal } from './temporal';
import { startWorkerProcess, type WorkerProcess } from './worker-process';

export interface Hosts {
  temporal: () => TestTemporal;
  model: () => ScriptedModel;
  /** The stores as a client sees them: the shared database. */
  storage: () => Storage;
  postgresUrl: () => string;
  /** A worker process on `taskQueue` with a data directory of its own and the shared database. */
  startWorker: (taskQueue: string, env?: Record<string, string>) => WorkerProcess;
}

export function useHosts(database: string, scenario: Scenario): Hosts {
  const postgres = usePostgres({ database });
  let temporal: TestTemporal | undefined;
  let model: ScriptedModel | undefined;
  let storage: Storage | undefined;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    temporal = await connectTestTemporal();
    storage = openStorage({ dataDir: tempDir('lucid-client-'), database: { url: postgres.url(), poolSize: 4 } });
    model = await startScriptedModel({ scenario });
  });
  afterAll(async () => {
    for (const worker of workers) await worker.kill('SIGTERM');
    await storage?.close();
    await model?.close();
    await temporal?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the hosts are not started yet (use them inside a test or hook)');
    return value;
  };
  return {
    temporal: () => started(temporal),
    model: () => started(model),
    storage: () => started(storage),
    postgresUrl: () => postgres.url(),
    startWorker(taskQueue, env = {}) {
      const worker = startWorkerProcess({
        address: started(temporal).address,
        taskQueue,
        dataDir: tempDir('lucid-host-'),
        modelUrl: started(model).url,
        env: { LUCID_DATABASE_URL: postgres.url(), ...env },
      });
      workers.push(worker);
      return worker;
    },
  };
}
