/**
 * A team's own Temporal worker serving a Lucid tool: `createTicket`, a ticket store kept in a JSON file. An agent
 * reaches it with a `temporal_activity` tool (docs/tools.md, "Tools served by Temporal activities"):
 *
 *   {"type": "temporal_activity", "name": "create_ticket", "description": "File a ticket",
 *    "input_schema": {"type": "object", "properties": {"title": {"type": "string"}, "body": {"type": "string"}},
 *                     "required": ["title"]},
 *    "activity_type": "createTicket", "task_queue": "tickets"}
 *
 * Run it with: TEMPORAL_ADDRESS=localhost:7233 TICKET_TASK_QUEUE=tickets TICKET_FILE=/tmp/tickets.json \
 *   node --import tsx examples/ticket-worker.ts
 * (TICKET_DELAY_MS makes each new ticket take that long to file, for tests that need a call in flight.)
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { NativeConnection, Worker } from '@temporalio/worker';
import fs from 'node:fs/promises';

/** What Lucid passes a tool's activity: the model's input and the ids of the call. */
interface ToolCall {
  input: { title?: unknown; body?: unknown };
  session_id: string;
  tool_use_id: string;
  tool_name: string;
}

interface Ticket {
  id: string;
  title: string;
  body: string;
  tool_use_id: string;
}

const ticketFile = required('TICKET_FILE');
const delayMs = Number(process.env.TICKET_DELAY_MS ?? 0);
/** One write at a time: calls run in parallel, and each rewrites the whole file. */
let writes: Promise<unknown> = Promise.resolve();

const activities = {
  /** Files a ticket and returns it (Lucid shows the model its JSON). A retry of the same call files nothing new. */
  async createTicket(call: ToolCall): Promise<Ticket> {
    const title = typeof call.input.title === 'string' ? call.input.title.trim() : '';
    // Retrying cannot fix a bad request: the model sees this message as a tool error.
    if (!title) throw ApplicationFailure.nonRetryable('a ticket needs a title', 'InvalidTicket');
    if (delayMs > 0) await Context.current().sleep(delayMs);
    const body = typeof call.input.body === 'string' ? call.input.body : '';
    return inTurn(async () => {
      const tickets = await readTickets();
      const filed = tickets.find((ticket) => ticket.tool_use_id === call.tool_use_id);
      if (filed) return filed;
      const ticket = { id: `TICKET-${tickets.length + 1}`, title, body, tool_use_id: call.tool_use_id };
      await writeTickets([...tickets, ticket]);
      return ticket;
    });
  },
};

async function main(): Promise<void> {
  const taskQueue = required('TICKET_TASK_QUEUE');
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? 'localhost:7233' });
  // Activities only: the workflow (Lucid's session) runs on Lucid's worker.
  const worker = await Worker.create({ connection, taskQueue, activities });
  console.log(`ticket worker on task queue ${taskQueue}`);
  await worker.run();
  await connection.close();
}

async function readTickets(): Promise<Ticket[]> {
  try {
    return JSON.parse(await fs.readFile(ticketFile, 'utf8')) as Ticket[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Whole or not at all: written aside, then renamed over the file. */
async function writeTickets(tickets: Ticket[]): Promise<void> {
  const aside = `${ticketFile}.${process.pid}.tmp`;
  await fs.writeFile(aside, JSON.stringify(tickets, null, 2));
  await fs.rename(aside, ticketFile);
}

function inTurn<T>(write: () => Promise<T>): Promise<T> {
  const result = writes.then(write);
  writes = result.catch(() => undefined);
  return result;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
