/**
 * The file service and the rubric reader over the real fs store, with a clock the test sets: an expired file
 * keeps its metadata, its bytes are removed, and its download is the API's 404 file_expired; a rubric file is read
 * as its text, and one that cannot be a rubric is refused naming the field; a file session resource is checked
 * before a session exists.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileService } from '../../src/api/files/file-service';
import { FileResourceParamsSchema, newFileResource } from '../../src/api/files/file-resource';
import { fileRubricText } from '../../src/api/files/file-rubric';
import { FsFileStore } from '../../src/storage/fs-file-store';
import { DataLayout } from '../../src/storage/layout';

let dataDir: string;
let store: FsFileStore;
let now: number;
let service: FileService;

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-files-'));
  store = new FsFileStore(dataDir);
  now = Date.parse('2026-12-01T00:00:00Z');
  service = new FileService(store, () => now);
});

afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function upload(bytes: Buffer, fields: { expires_in_seconds?: number } = {}, mime = 'text/plain') {
  async function* once() {
    yield bytes;
  }
  const staged = await store.stage(once(), 1024 * 1024);
  return service.create(staged, { filename: 'f.txt', mime_type: mime }, fields);
}

test('an expired file keeps its metadata, loses its bytes, and downloads as 404 file_expired', async () => {
  const file = await upload(Buffer.from('short-lived'), { expires_in_seconds: 3600 });
  expect(file.expires_at).toBe('2026-12-01T01:00:00.000Z');
  const { content } = await service.download(file.id);
  content.destroy();

  now = Date.parse('2026-12-01T01:00:00Z');
  await expect(service.download(file.id)).rejects.toMatchObject({
    status: 404,
    type: 'not_found_error',
    errorCode: 'file_expired',
  });
  expect(fs.existsSync(new DataLayout(dataDir).fileContentFile(file.id))).toBe(false);
  expect(await service.retrieve(file.id)).toEqual(file);
});

test('a rubric file is read as its text; one that cannot be a rubric is refused naming the field', async () => {
  const rubric = await upload(Buffer.from('- every claim has a source\n'));
  expect(await fileRubricText(store, rubric.id)).toBe('- every claim has a source\n');

  const binary = await upload(Buffer.from([0xff, 0xfe, 0x00]), {}, 'application/octet-stream');
  await expect(fileRubricText(store, binary.id, 'events.0.rubric.file_id')).rejects.toMatchObject({
    status: 400,
    message: expect.stringMatching(/^events\.0\.rubric\.file_id: .* is not UTF-8 text/),
  });
  const blank = await upload(Buffer.from('  \n'));
  await expect(fileRubricText(store, blank.id)).rejects.toThrow(/is empty/);
  await expect(fileRubricText(store, 'file_None')).rejects.toThrow(/^rubric\.file_id: no file file_None/);
  const expiring = await upload(Buffer.from('soon'), { expires_in_seconds: 3600 });
  await expect(fileRubricText(store, expiring.id, undefined, Date.parse(expiring.expires_at!))).rejects.toThrow(
    /expired/,
  );
});

test('a file resource names an existing file and a mount path in the workspace, or is refused naming the field', async () => {
  const file = await upload(Buffer.from('data'));
  expect(await newFileResource(store, { type: 'file', file_id: file.id }, 'resources.0', now)).toEqual({
    type: 'file',
    id: expect.stringMatching(/^sesrsc_[A-Za-z0-9]{24}$/),
    file_id: file.id,
    mount_path: `/workspace/uploads/${file.id}`,
    created_at: new Date(now).toISOString(),
    updated_at: new Date(now).toISOString(),
  });
  const placed = await newFileResource(store, { type: 'file', file_id: file.id, mount_path: 'data/in.txt' });
  expect(placed.mount_path).toBe('/workspace/data/in.txt');

  await expect(newFileResource(store, { type: 'file', file_id: 'file_None' }, 'resources.1')).rejects.toThrow(
    /^resources\.1\.file_id: no file/,
  );
  await expect(
    newFileResource(store, { type: 'file', file_id: file.id, mount_path: '/mnt/session/uploads/x' }, 'resources.2'),
  ).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/^resources\.2\.mount_path: /) });
  await expect(
    newFileResource(store, { type: 'file', file_id: file.id, mount_path: '../x' }, 'resources.3'),
  ).rejects.toThrow(/^resources\.3\.mount_path: /);
  expect(() => FileResourceParamsSchema.parse({ type: 'file', file_id: file.id, extra: 1 })).toThrow();
});
