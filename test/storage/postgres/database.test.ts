import { databaseConfig, DEFAULT_POOL_SIZE, describeDatabase } from '../../../src/storage/postgres/database';

test('LUCID_DATABASE_URL selects PostgreSQL; without it there is no database', () => {
  expect(databaseConfig({})).toBeNull();
  expect(databaseConfig({ LUCID_DATABASE_URL: '  ' })).toBeNull();
  expect(databaseConfig({ LUCID_DATABASE_URL: 'postgres://db.internal/lucid?sslmode=require' })).toEqual({
    url: 'postgres://db.internal/lucid?sslmode=require',
    poolSize: DEFAULT_POOL_SIZE,
  });
  expect(databaseConfig({ LUCID_DATABASE_URL: 'postgresql://db/lucid', LUCID_DATABASE_POOL_SIZE: '40' })).toEqual({
    url: 'postgresql://db/lucid',
    poolSize: 40,
  });
});

test.each([
  [{ LUCID_DATABASE_URL: 'db.internal:5432' }, 'LUCID_DATABASE_URL must be a postgres:// or postgresql:// URL'],
  [
    { LUCID_DATABASE_URL: 'postgres://db/lucid', LUCID_DATABASE_POOL_SIZE: '0' },
    'LUCID_DATABASE_POOL_SIZE must be a whole number from 1 to 1000, got "0"',
  ],
])('refuses %j', (env, message) => {
  expect(() => databaseConfig(env)).toThrow(message);
});

test('a database is described without its password', () => {
  expect(describeDatabase('postgres://lucid:s3cret@db:5432/lucid')).toBe('postgres://lucid:***@db:5432/lucid');
  expect(describeDatabase('postgres://db/lucid')).toBe('postgres://db/lucid');
  expect(describeDatabase('not a url')).toBe('postgres://(unparseable URL)');
});
