import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { atomicWriteFile } from '../workspace/atomic-write';
import { readRecordFile } from './fs-records';
import { promptFile } from './layout';
import type { PromptStore } from './prompt-store';
import { promptFormat } from './records/prompt-records';
import { StoredRecordError } from './record-error';

/** {@link PromptStore} as one JSON file per prompt in `dir`, named by its hash (see layout.ts). */
export class FsPromptStore implements PromptStore {
  constructor(readonly dir: string) {}

  async put(text: string): Promise<string> {
    const sha256 = promptSha256(text);
    const file = promptFile(this.dir, sha256);
    if (await exists(file)) return sha256; // same hash, same text: nothing to write
    await fs.mkdir(this.dir, { recursive: true });
    await atomicWriteFile(file, `${promptFormat.serialize({ sha256, text })}\n`);
    return sha256;
  }

  async get(sha256: string): Promise<string | null> {
    const file = promptFile(this.dir, sha256);
    const stored = await readRecordFile(file, promptFormat);
    if (stored === null) return null;
    // A file that does not hold the text its name promises would send the model another prompt.
    if (stored.sha256 !== sha256 || promptSha256(stored.text) !== sha256)
      throw new StoredRecordError(promptFormat.kind, file, 'invalid', `its text does not hash to ${sha256}`);
    return stored.text;
  }
}

export function promptSha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
