/**
 * `npm run db:migrate`: applies Lucid's pending schema migrations to LUCID_DATABASE_URL and says what it did, for
 * operators who migrate before rolling out (workers and HTTP servers would apply them on start otherwise).
 */
import { databaseConfig, describeDatabase, openPool } from '../src/storage/postgres/database';
import { migrate } from '../src/storage/postgres/migrations';

async function main(): Promise<void> {
  const config = databaseConfig();
  if (!config) {
    console.error('LUCID_DATABASE_URL is not set: there is no database to migrate');
    process.exit(2);
  }
  const pool = openPool({ ...config, poolSize: 1 });
  try {
    const { applied, version } = await migrate(pool);
    const what = applied.length ? `applied ${applied.join(', ')}` : 'nothing to apply';
    console.log(`${describeDatabase(config.url)}: ${what}; schema version ${version}`);
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  console.error(`db:migrate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
