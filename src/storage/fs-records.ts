/** Reading versioned records from files: a missing file is null, anything unreadable a StoredRecordError. */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { RecordFormat } from './records/record-format';

/** The record in `file`, or null when there is no such file. */
export async function readRecordFile<T>(file: string, format: RecordFormat<T>): Promise<T | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return format.parse(text, file);
}

/** Every `*.json` record in `dir` (none when it does not exist), in no particular order. */
export async function readRecordFiles<T>(dir: string, format: RecordFormat<T>): Promise<T[]> {
  const names = (await readdirOrEmpty(dir)).filter((name) => name.endsWith('.json'));
  const records = await Promise.all(names.map((name) => readRecordFile(path.join(dir, name), format)));
  return records.filter((record): record is Awaited<T> => record !== null);
}

export async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
