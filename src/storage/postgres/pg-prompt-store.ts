import type { Pool } from 'pg';
import { promptSha256 } from '../fs-prompt-store';
import type { PromptStore } from '../prompt-store';
import { StoredRecordError } from '../record-error';
import { promptFormat } from '../records/prompt-records';

/** {@link PromptStore} as one row a prompt, keyed by its hash: storing the same text again writes nothing. */
export class PgPromptStore implements PromptStore {
  constructor(private readonly pool: Pool) {}

  async put(text: string): Promise<string> {
    const sha256 = promptSha256(text);
    await this.pool.query('INSERT INTO lucid_prompts (sha256, record) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      sha256,
      promptFormat.serialize({ sha256, text }),
    ]);
    return sha256;
  }

  async get(sha256: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ record: unknown }>('SELECT record FROM lucid_prompts WHERE sha256 = $1', [
      sha256,
    ]);
    if (!rows[0]) return null;
    const where = `postgres lucid_prompts (${sha256})`;
    const stored = promptFormat.fromRecord(rows[0].record, where);
    // A row that does not hold the text its key promises would send the model another prompt.
    if (stored.sha256 !== sha256 || promptSha256(stored.text) !== sha256)
      throw new StoredRecordError(promptFormat.kind, where, 'invalid', `its text does not hash to ${sha256}`);
    return stored.text;
  }
}
