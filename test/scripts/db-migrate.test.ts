import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { MIGRATIONS } from '../../src/storage/postgres/migrations';
import { usePostgres } from '../helpers/postgres';

const postgres = usePostgres({ database: 'lucid_db_migrate' });

const run = async (env: Record<string, string>) => {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/db-migrate.ts'], {
      env: { ...process.env, ...env },
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, output: failed.stderr };
  }
};

test('npm run db:migrate applies what is pending, says so, and hides the password', async () => {
  const url = (await postgres.server().createDatabase('operator')).replace('lucid@', 'lucid:hunter2@');
  const first = await run({ LUCID_DATABASE_URL: url });
  const versions = MIGRATIONS.map((migration) => migration.version);
  expect(first).toEqual({
    code: 0,
    output: expect.stringContaining(`: applied ${versions.join(', ')}; schema version ${versions.length}\n`),
  });
  expect(first.output).toContain('lucid:***@');
  expect(first.output).not.toContain('hunter2');
  expect(await run({ LUCID_DATABASE_URL: url })).toMatchObject({ output: expect.stringContaining('nothing to apply') });
});

test('npm run db:migrate without a database, or with a wrong URL, says what is wrong', async () => {
  expect(await run({ LUCID_DATABASE_URL: '' })).toEqual({
    code: 2,
    output: 'LUCID_DATABASE_URL is not set: there is no database to migrate\n',
  });
  expect(await run({ LUCID_DATABASE_URL: 'mysql://x' })).toEqual({
    code: 1,
    output: 'db:migrate failed: LUCID_DATABASE_URL must be a postgres:// or postgresql:// URL\n',
  });
});
