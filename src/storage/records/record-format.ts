/**
 * How a persisted record is versioned. A record carries its schema version in one field (`schema_version` for
 * records versioned since the storage factory; the tool journal's `version` and the memory index's `format` are
 * older and keep their names). Reading checks the version first, validates the record with that version's zod
 * schema and migrates it to the current shape; writing stamps the current version. A record written before its
 * kind had a version has no field at all: that is version 0, the original shape.
 *
 * Adding a version: write its schema, give the previous versions a `toCurrent` that fills in what it adds, bump
 * `current`, and add a frozen fixture under test/fixtures/records/ (never edit the old ones).
 */
import { z } from 'zod';
import { describeIssues } from '../../domain/session-input';
import { StoredRecordError } from '../record-error';

/** One version of a record: validates a record of it and brings it to the current shape (see recordVersion). */
export interface RecordVersion<T> {
  parse(raw: unknown): { ok: true; value: T } | { ok: false; issues: string };
}

export function recordVersion<S extends z.ZodType, T>(
  schema: S,
  toCurrent: (parsed: z.output<S>) => T,
): RecordVersion<T> {
  return {
    parse(raw) {
      const parsed = schema.safeParse(raw);
      return parsed.success
        ? { ok: true, value: toCurrent(parsed.data) }
        : { ok: false, issues: describeIssues(parsed.error) };
    },
  };
}

export interface RecordFormatSpec<T> {
  /** What the record is, for messages: "session snapshot". */
  kind: string;
  /** The field holding the version; `schema_version` unless the record kind had another name first. */
  versionField?: string;
  /** The version written now. */
  current: number;
  /** The version a record without the field is read as; omit when the field was always there. */
  unversioned?: number;
  versions: Record<number, RecordVersion<T>>;
}

export class RecordFormat<T> {
  readonly kind: string;
  readonly current: number;
  private readonly versionField: string;

  constructor(private readonly spec: RecordFormatSpec<T>) {
    this.kind = spec.kind;
    this.current = spec.current;
    this.versionField = spec.versionField ?? 'schema_version';
  }

  /** The record to write: the current version first, then the value's own fields. */
  toRecord(value: T): Record<string, unknown> {
    const { [this.versionField]: _ignored, ...fields } = value as Record<string, unknown>;
    return { [this.versionField]: this.current, ...fields };
  }

  /** JSON text of {@link toRecord}. */
  serialize(value: T, space?: number): string {
    return JSON.stringify(this.toRecord(value), null, space);
  }

  /** The value in a record read from `file`, migrated to the current shape; a {@link StoredRecordError} if not. */
  fromRecord(raw: unknown, file: string): T {
    const version = this.versionOf(raw, file);
    const reader = this.spec.versions[version];
    if (!reader) {
      const newer = version > this.current ? ' (written by a newer Lucid?)' : '';
      throw new StoredRecordError(
        this.kind,
        file,
        'unknown_version',
        `${this.versionField} ${version} is not one this Lucid reads (up to ${this.current})${newer}`,
      );
    }
    const parsed = reader.parse(raw);
    if (!parsed.ok) {
      throw new StoredRecordError(
        this.kind,
        file,
        'invalid',
        `not a valid version ${version} record: ${parsed.issues}`,
      );
    }
    return parsed.value;
  }

  /** {@link fromRecord} of JSON text. */
  parse(text: string, file: string): T {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new StoredRecordError(this.kind, file, 'not_json', `not JSON (${(error as Error).message})`);
    }
    return this.fromRecord(raw, file);
  }

  private versionOf(raw: unknown, file: string): number {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new StoredRecordError(this.kind, file, 'invalid', 'not a JSON object');
    }
    const version = (raw as Record<string, unknown>)[this.versionField];
    if (version === undefined && this.spec.unversioned !== undefined) return this.spec.unversioned;
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
      throw new StoredRecordError(
        this.kind,
        file,
        version === undefined ? 'invalid' : 'unknown_version',
        `${this.versionField} must be a whole number; got ${JSON.stringify(version) ?? 'nothing'}`,
      );
    }
    return version;
  }
}

/** Drops the version field from a parsed record, so the value is the domain shape. */
export function withoutVersion<T extends Record<string, unknown>>(
  record: T,
  field = 'schema_version',
): Omit<T, 'schema_version'> {
  const { [field]: _ignored, ...rest } = record;
  return rest as Omit<T, 'schema_version'>;
}

/** The version field of a version 0 record: not there at all. */
export const noVersionField = z.undefined().optional();
