/**
 * The records of API environments and files, as frozen fixtures (test/fixtures/records/, never regenerated), read
 * back through the real storage from where the filesystem layout keeps them, as test/storage/records.test.ts does
 * for the older kinds; what the stores write now is the same shape.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApiEnvironment } from '../../src/domain/environment';
import { DataLayout } from '../../src/storage/layout';
import { openStorage, type Storage } from '../../src/storage/open-storage';
import { StoredRecordError } from '../../src/storage/record-error';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'records');

let root: string;
let layout: DataLayout;
let storage: Storage;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-records-'));
  layout = new DataLayout(root);
  storage = openStorage({ dataDir: root });
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
}

function place(name: string, file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.copyFileSync(path.join(FIXTURES, name), file);
}

function withoutVersion(record: Record<string, unknown>): Record<string, unknown> {
  const { schema_version: _ignored, ...rest } = record;
  return rest;
}

test('environment.v1.json reads as the environment it holds, and is what the store writes', async () => {
  const { id } = fixture('environment.v1.json') as { id: string };
  place('environment.v1.json', layout.environmentFile(id));
  const expected = withoutVersion(fixture('environment.v1.json'));
  expect(await storage.environments.get(id)).toEqual(expected);
  expect(await storage.environments.list()).toEqual([expected]);

  fs.rmSync(layout.environmentFile(id));
  await storage.environments.create(expected as unknown as ApiEnvironment);
  expect(JSON.parse(fs.readFileSync(layout.environmentFile(id), 'utf8'))).toEqual(fixture('environment.v1.json'));
});

test('file-metadata.v1.json reads as the file it describes, with its content beside it', async () => {
  const { id } = fixture('file-metadata.v1.json') as { id: string };
  place('file-metadata.v1.json', layout.fileMetadataFile(id));
  fs.writeFileSync(layout.fileContentFile(id), 'hello world\n');
  expect(await storage.files.get(id)).toEqual(withoutVersion(fixture('file-metadata.v1.json')));
  expect((await storage.files.list()).map((file) => file.id)).toEqual([id]);
  const chunks: Buffer[] = [];
  for await (const chunk of (await storage.files.openContent(id))!) chunks.push(chunk as Buffer);
  expect(Buffer.concat(chunks).toString()).toBe('hello world\n');
});

test('a broken environment record is a StoredRecordError naming the file', async () => {
  const file = layout.environmentFile('env_Broken');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ ...fixture('environment.v1.json'), config: { type: 'self_hosted' } }));
  await expect(storage.environments.get('env_Broken')).rejects.toBeInstanceOf(StoredRecordError);
  await expect(storage.environments.get('env_Broken')).rejects.toThrow(file);
});
