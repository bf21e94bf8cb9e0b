/**
 * Stored files copied into a workspace at a mount path, through the real file store on a real filesystem:
 * byte for byte where the path says, and refused when the path leaves the workspace (spelled or through a
 * symbolic link), when the file is gone or expired, or when its stored bytes no longer match their sha-256.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FsFileStore } from '../../src/storage/fs-file-store';
import type { StoredFile } from '../../src/storage/file-store';
import { DataLayout } from '../../src/storage/layout';
import { FileMountError, fileMount, mountStoredFile, StoredFileCorruptError } from '../../src/workspace/mount-file';

let root: string;
let workspace: string;
let outside: string;
let store: FsFileStore;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-mount-'));
  workspace = path.join(root, 'workspace');
  outside = path.join(root, 'outside');
  fs.mkdirSync(workspace);
  fs.mkdirSync(outside);
  store = new FsFileStore(path.join(root, 'data'));
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

async function storeFile(bytes: Buffer, fields: Partial<StoredFile> = {}): Promise<StoredFile> {
  async function* chunks() {
    yield bytes.subarray(0, 3);
    yield bytes.subarray(3);
  }
  const staged = await store.stage(chunks(), 1024 * 1024);
  const file: StoredFile = {
    id: 'file_Mount1',
    filename: 'data.bin',
    mime_type: 'application/octet-stream',
    size_bytes: staged.size_bytes,
    sha256: staged.sha256,
    created_at: '2026-12-01T00:00:00.000Z',
    expires_at: null,
    ...fields,
  };
  await store.commit(staged, file);
  return file;
}

test('a file goes to /workspace/uploads/<file_id> by default, or where its mount path says, byte for byte', async () => {
  const bytes = randomBytes(70_000);
  const file = await storeFile(bytes);
  expect(await mountStoredFile(store, file.id, workspace)).toEqual({
    mount_path: `/workspace/uploads/${file.id}`,
    relative: `uploads/${file.id}`,
  });
  expect(fs.readFileSync(path.join(workspace, 'uploads', file.id)).equals(bytes)).toBe(true);

  expect(await mountStoredFile(store, file.id, workspace, '/workspace/data/input.bin')).toMatchObject({
    mount_path: '/workspace/data/input.bin',
  });
  fs.writeFileSync(path.join(workspace, 'notes.txt'), 'old');
  await mountStoredFile(store, file.id, workspace, 'notes.txt');
  expect(fs.readFileSync(path.join(workspace, 'data', 'input.bin')).equals(bytes)).toBe(true);
  expect(fs.readFileSync(path.join(workspace, 'notes.txt')).equals(bytes)).toBe(true);
  expect(fs.readdirSync(workspace).sort()).toEqual(['data', 'notes.txt', 'uploads']); // no temporary file left
});

test('paths that leave the workspace are refused before anything is written', async () => {
  const file = await storeFile(Buffer.from('secret'));
  for (const mountPath of ['/etc/passwd', '/mnt/session/uploads/x', '../outside/x', 'a/../../x', '/workspace']) {
    await expect(mountStoredFile(store, file.id, workspace, mountPath)).rejects.toBeInstanceOf(FileMountError);
  }
  expect(() => fileMount(file.id, '/workspace/../x')).toThrow(FileMountError);

  fs.symlinkSync(outside, path.join(workspace, 'escape'));
  await expect(mountStoredFile(store, file.id, workspace, 'escape/x')).rejects.toThrow(/outside the workspace/);
  fs.mkdirSync(path.join(workspace, 'dir'));
  await expect(mountStoredFile(store, file.id, workspace, 'dir')).rejects.toThrow(/not a file/);
  expect(fs.readdirSync(outside)).toEqual([]);
  expect(fs.readdirSync(workspace).sort()).toEqual(['dir', 'escape']);
});

test('a missing or expired file is refused, and bytes that no longer match their sha-256 are never mounted', async () => {
  await expect(mountStoredFile(store, 'file_None', workspace)).rejects.toThrow(/no file file_None/);
  const expiring = await storeFile(Buffer.from('soon gone'), { expires_at: '2026-12-01T01:00:00.000Z' });
  await expect(
    mountStoredFile(store, expiring.id, workspace, null, Date.parse('2026-12-01T02:00:00Z')),
  ).rejects.toThrow(/expired/);

  const file = await storeFile(Buffer.from('original bytes'));
  fs.writeFileSync(new DataLayout(path.join(root, 'data')).fileContentFile(file.id), 'tampered bytes');
  await expect(mountStoredFile(store, file.id, workspace, 'x.bin')).rejects.toBeInstanceOf(StoredFileCorruptError);
  expect(fs.readdirSync(workspace)).toEqual([]);
});
