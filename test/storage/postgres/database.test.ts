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

describe('LUCID_DATABASE_TLS_* (envconfig-style TLS)', () => {
  const url = 'postgres://db.internal/lucid';
  const tlsOf = (env: NodeJS.ProcessEnv) => databaseConfig({ LUCID_DATABASE_URL: url, ...env })?.tls;

  it('asks for no TLS of its own without the variables, or with LUCID_DATABASE_TLS=false alone', () => {
    expect(tlsOf({})).toBeUndefined();
    expect(tlsOf({ LUCID_DATABASE_TLS: 'false' })).toBeUndefined();
  });

  it('verifies the server whenever TLS is on: the chain always, the name unless told not to', () => {
    const on = tlsOf({ LUCID_DATABASE_TLS: 'true' })!;
    expect(on).toMatchObject({ rejectUnauthorized: true });
    expect(on.ca).toBeUndefined(); // the system's CAs
    const named = tlsOf({
      LUCID_DATABASE_TLS_SERVER_NAME: 'db.example.com',
      LUCID_DATABASE_TLS_SERVER_CA_CERT_DATA: 'PEM',
    })!;
    expect(named).toMatchObject({ rejectUnauthorized: true, ca: 'PEM' });
  });

  test.each([
    [{ LUCID_DATABASE_TLS: 'yes' }, 'LUCID_DATABASE_TLS must be true or false, got "yes"'],
    [
      { LUCID_DATABASE_TLS: 'false', LUCID_DATABASE_TLS_SERVER_NAME: 'db' },
      'LUCID_DATABASE_TLS=false contradicts LUCID_DATABASE_TLS_SERVER_NAME',
    ],
    [{ LUCID_DATABASE_TLS_CLIENT_CERT_DATA: 'PEM' }, 'a client certificate needs its key'],
    [
      { LUCID_DATABASE_TLS_SERVER_CA_CERT_DATA: 'PEM', LUCID_DATABASE_TLS_SERVER_CA_CERT_PATH: '/etc/ca.pem' },
      'set LUCID_DATABASE_TLS_SERVER_CA_CERT_DATA or _PATH, not both',
    ],
    [
      { LUCID_DATABASE_TLS_SERVER_CA_CERT_PATH: '/nonexistent/ca.pem' },
      'LUCID_DATABASE_TLS_SERVER_CA_CERT_PATH: cannot read /nonexistent/ca.pem',
    ],
  ])('refuses %j', (env, message) => {
    expect(() => tlsOf(env)).toThrow(message);
  });

  it('refuses TLS set both in the URL and by the variables, since the URL would win silently', () => {
    expect(() => databaseConfig({ LUCID_DATABASE_URL: `${url}?sslmode=require`, LUCID_DATABASE_TLS: 'true' })).toThrow(
      'LUCID_DATABASE_URL sets TLS (sslmode) and so do LUCID_DATABASE_TLS: use one or the other',
    );
    expect(databaseConfig({ LUCID_DATABASE_URL: `${url}?sslmode=require` })?.tls).toBeUndefined();
  });
});
