/**
 * The benchmarks' database meter counts what a client really sends: against a real throwaway PostgreSQL, one
 * statement per simple or parameterised query (whatever the chunking), the bytes each way, the WAL a write costs,
 * and the connections open at once.
 */
import { Client } from 'pg';
import { startDatabaseMeter, statementCounter, type DatabaseMeter } from '../../bench/lib/database-meter';
import { usePostgres } from '../helpers/postgres';

const postgres = usePostgres({ database: 'lucid_meter' });
let meter: DatabaseMeter;

beforeAll(async () => {
  meter = await startDatabaseMeter(postgres.url());
});
afterAll(async () => {
  await meter.close();
});

async function connectThroughMeter(): Promise<Client> {
  const client = new Client({ connectionString: meter.url, application_name: 'lucid' });
  await client.connect();
  return client;
}

test('counts simple and parameterised statements, bytes, WAL and connections', async () => {
  const window = await meter.begin();
  const [first, second] = [await connectThroughMeter(), await connectThroughMeter()];
  try {
    await first.query('CREATE TABLE IF NOT EXISTS metered (id int, note text)');
    await first.query('INSERT INTO metered VALUES ($1, $2)', [1, 'a note']);
    await second.query('SELECT $1::int AS n', [7]);
  } finally {
    await Promise.all([first.end(), second.end()]);
  }
  const load = await window.end();

  expect(load.statements).toBe(3);
  expect(load.bytes_to_database).toBeGreaterThan(0);
  expect(load.bytes_from_database).toBeGreaterThan(0);
  expect(load.wal_bytes).toBeGreaterThan(0);
  expect(load.max_connections).toBe(2);
});

test('finds the messages of a stream cut at any byte', () => {
  const startup = Buffer.alloc(8);
  startup.writeInt32BE(8, 0);
  startup.writeInt32BE(196608, 4); // protocol 3.0
  const message = (type: string, body: string) => {
    const header = Buffer.alloc(5);
    header.write(type, 0);
    header.writeInt32BE(4 + body.length + 1, 1);
    return Buffer.concat([header, Buffer.from(`${body}\0`)]);
  };
  const stream = Buffer.concat([
    startup,
    message('Q', 'SELECT 1'),
    message('P', 'x'),
    message('E', ''),
    message('S', ''),
  ]);
  for (let cut = 1; cut < stream.length; cut++) {
    let statements = 0;
    const count = statementCounter(() => statements++);
    count(stream.subarray(0, cut));
    count(stream.subarray(cut));
    expect(statements).toBe(2);
  }
});
