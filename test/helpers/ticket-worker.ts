/** The example team worker (examples/ticket-worker.ts) as a real separate process on its own task queue. */
import fs from 'node:fs';
import path from 'node:path';
import { startTsxProcess, type TsxProcess } from '../../scripts/lib/tsx-process';
import { tempDir, uniqueTaskQueue } from './temporal';

export interface TicketWorker {
  taskQueue: string;
  ticketFile: string;
  /** Starts the worker process (again, after a stop); resolves once it polls its task queue. */
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  tickets(): Array<{ id: string; title: string; body: string; tool_use_id: string }>;
}

/** `taskQueue`: a fixed queue (the recorded histories name theirs); a fresh one by default. */
export function ticketWorker(address: string, options: { delayMs?: number; taskQueue?: string } = {}): TicketWorker {
  const taskQueue = options.taskQueue ?? uniqueTaskQueue('tickets');
  const ticketFile = path.join(tempDir('lucid-tickets-'), 'tickets.json');
  let process: TsxProcess<true> | undefined;
  return {
    taskQueue,
    ticketFile,
    async start() {
      process = startTsxProcess({
        entry: 'examples/ticket-worker.ts',
        what: 'ticket worker',
        env: {
          TEMPORAL_ADDRESS: address,
          TICKET_TASK_QUEUE: taskQueue,
          TICKET_FILE: ticketFile,
          TICKET_DELAY_MS: String(options.delayMs ?? 0),
        },
        readyWhen: (output) => (output.includes(`ticket worker on task queue ${taskQueue}`) ? true : null),
      });
      await process.ready;
    },
    async stop(signal = 'SIGTERM') {
      await process?.kill(signal);
    },
    tickets() {
      return fs.existsSync(ticketFile) ? JSON.parse(fs.readFileSync(ticketFile, 'utf8')) : [];
    },
  };
}

/** The agent's tool for the ticket worker. */
export function ticketTool(taskQueue: string) {
  return {
    type: 'temporal_activity' as const,
    name: 'create_ticket',
    description: 'File a ticket in the team tracker',
    input_schema: {
      type: 'object' as const,
      properties: { title: { type: 'string' }, body: { type: 'string' } },
      required: ['title'],
    },
    activity_type: 'createTicket',
    task_queue: taskQueue,
  };
}
