import { openPool } from '../../../src/storage/postgres/database';
import { MIGRATIONS, migrate, type Migration } from '../../../src/storage/postgres/migrations';
import { usePostgres } from '../../helpers/postgres';

const postgres = usePostgres({ database: 'lucid_migrations_test' });

const fresh = async (name: string) => openPool({ url: await postgres.server().createDatabase(name), poolSize: 4 });

test('applies every migration once: the first run applies, the next finds nothing to do', async () => {
  const pool = await fresh('once');
  try {
    expect(await migrate(pool)).toEqual({ applied: MIGRATIONS.map((m) => m.version), version: MIGRATIONS.length });
    expect(await migrate(pool)).toEqual({ applied: [], version: MIGRATIONS.length });
    const { rows } = await pool.query('SELECT version, name FROM lucid_migrations ORDER BY version');
    expect(rows).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
  } finally {
    await pool.end();
  }
});

test('eight processes starting at once: exactly one applies each migration, all end on the same version', async () => {
  const url = await postgres.server().createDatabase('racing');
  const pools = Array.from({ length: 8 }, () => openPool({ url, poolSize: 2 }));
  try {
    const reports = await Promise.all(pools.map((pool) => migrate(pool)));
    expect(reports.flatMap((report) => report.applied).sort()).toEqual(MIGRATIONS.map((m) => m.version));
    expect(new Set(reports.map((report) => report.version))).toEqual(new Set([MIGRATIONS.length]));
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
  }
});

test('a failing migration is rolled back, named, and not recorded; the ones before it stay', async () => {
  const pool = await fresh('failing');
  const broken: Migration[] = [
    ...MIGRATIONS,
    { version: MIGRATIONS.length + 1, name: 'half a change', sql: 'CREATE TABLE half (x int); SELECT nonsense' },
  ];
  try {
    await expect(migrate(pool, broken)).rejects.toThrow(`migration ${MIGRATIONS.length + 1} (half a change) failed`);
    const { rows } = await pool.query(
      "SELECT to_regclass('half') AS half, max(version) AS version FROM lucid_migrations",
    );
    expect(rows[0]).toEqual({ half: null, version: MIGRATIONS.length });
  } finally {
    await pool.end();
  }
});

test('refuses migrations out of order before touching the database', async () => {
  const pool = await fresh('unordered');
  try {
    await expect(migrate(pool, [{ version: 2, name: 'two', sql: 'SELECT 1' }])).rejects.toThrow(
      'migration versions must run 1, 2, 3...: found 2 at position 1',
    );
    expect((await pool.query("SELECT to_regclass('lucid_migrations') AS t")).rows[0].t).toBeNull();
  } finally {
    await pool.end();
  }
});
