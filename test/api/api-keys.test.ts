import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiKeys, apiKeysFromEnv, presentedKey } from '../../src/api/api-keys';

describe('ApiKeys', () => {
  test('accepts exactly the keys it was given, whatever their length', () => {
    const keys = new ApiKeys(['first-key', 'k2']);
    expect(keys.accepts('first-key')).toBe(true);
    expect(keys.accepts('k2')).toBe(true);
    expect(keys.accepts('first-ke')).toBe(false);
    expect(keys.accepts('first-key ')).toBe(false);
    expect(keys.accepts('')).toBe(false);
    expect(keys.accepts('x'.repeat(10_000))).toBe(false);
  });

  test('holds digests, not the keys', () => {
    const keys = new ApiKeys(['secret-key-123']);
    expect(JSON.stringify(keys)).not.toContain('secret-key-123');
    expect(JSON.stringify(keys)).not.toContain(Buffer.from('secret-key-123').toString('hex'));
  });
});

describe('apiKeysFromEnv', () => {
  test('reads LUCID_API_KEYS and LUCID_API_KEYS_FILE together, skipping blanks and comments', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-keys-'));
    const file = path.join(dir, 'keys');
    fs.writeFileSync(file, '# ops team\nfile-key-1\n\n  file-key-2  \r\n');
    try {
      const keys = apiKeysFromEnv({ LUCID_API_KEYS: ' env-key , ,other', LUCID_API_KEYS_FILE: file });
      expect(keys.size).toBe(4);
      for (const key of ['env-key', 'other', 'file-key-1', 'file-key-2']) expect(keys.accepts(key)).toBe(true);
      expect(keys.accepts('# ops team')).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('refuses to start with no key at all', () => {
    expect(() => apiKeysFromEnv({ LUCID_API_KEYS: ' , ' })).toThrow(/no API keys/);
  });
});

describe('presentedKey', () => {
  test('takes x-api-key first, else a Bearer token, else nothing', () => {
    expect(presentedKey({ 'x-api-key': 'a', authorization: 'Bearer b' })).toBe('a');
    expect(presentedKey({ authorization: 'Bearer b' })).toBe('b');
    expect(presentedKey({ authorization: 'bearer  b ' })).toBe('b');
    expect(presentedKey({ authorization: 'Basic b' })).toBeNull();
    expect(presentedKey({})).toBeNull();
  });
});
