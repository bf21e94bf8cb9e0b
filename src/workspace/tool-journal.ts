import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { redactText } from '../domain/redact';
import { SimulatedCrash } from '../errors';
import type { JournalEntry, ToolJournal } from '../storage/tool-journal';
import { commitTempFile, tempPathFor, writeTempFile } from './atomic-write';
import { errnoCode, isInside, resolveWorkspaceRoot, toRelative } from './sandbox';
import { ensureParentDirectory, errorOutcome, planWorkspaceTool, type PlannedWrite, type ToolOutcome } from './tools';

/**
 * Exactly-once tool calls under Temporal activity retries.
 *
 * Temporal may run the same tool call twice: the worker can die after the tool ran but before the activity
 * result was recorded. The journal (an entry per tool_use id, see src/storage/tool-journal.ts) makes the second run
 * return the first run's outcome, and makes a file change apply once even if the crash fell in the middle.
 *
 * Protocol for a mutating call (write_file, edit_file):
 *   1. Plan: validate, read the file, compute the new content and the outcome to report. No side effects.
 *   2. Write the new content to a temp file next to the target, named after the call id, and fsync it.
 *   3. Record intent: journal entry `pending` = { outcome, target, temp, sha256 of the new content }.
 *   4. Rename the temp file over the target (atomic), fsync the directory.
 *   5. Record `done` = { outcome }.
 * Journal entries are themselves written atomically (temp + fsync + rename).
 *
 * Recovery on a re-run with the same call id:
 *   - no entry: the crash was before step 3, so the target is untouched. Start over; step 2 replaces any
 *     leftover temp file (its name is deterministic).
 *   - `done`: return the recorded outcome.
 *   - `pending` and the temp file exists with the recorded hash: the crash was between 3 and 4. Finish the
 *     rename, record `done`, return the recorded outcome.
 *   - `pending` and no temp file: the rename happened (crash between 4 and 5); the target holds the
 *     recorded hash unless something changed it since. Record `done` and return the outcome, never
 *     re-apply. This relies on the invariant "a pending entry whose temp file is gone was renamed", which
 *     holds because a failed rename drops the entry *before* deleting the temp file.
 *
 * Read-only calls and calls that fail with a model error go straight to `done`. Genuine failures (EIO...)
 * throw without recording anything, so the retry runs the call afresh.
 *
 * The journal records the outcome as the model is given it, redacted: a workspace `.env` the agent reads must
 * not rest in clear under the data directory.
 *
 * Not covered: two attempts of the same call running *concurrently* (Temporal only starts a retry after it
 * considers the previous attempt dead), and another process deleting `.lucid-tmp-*` files mid-protocol.
 */

/** Where a test can make {@link executeToolOnce} stop as if the worker had been killed there. */
export type JournalCrashPoint = 'after_temp_write' | 'after_intent' | 'after_rename';

/** One tool call, as {@link executeToolOnce} receives it. */
export interface ExecuteToolOnceOptions {
  /** The session's workspace directory. */
  workspace: string;
  /** This session's journal (from `Storage.toolJournal`); kept outside the workspace. */
  journal: ToolJournal;
  /** The model's tool_use id; names the journal entry, so it must match `[A-Za-z0-9_-]{1,128}`. */
  callId: string;
  name: string;
  input: unknown;
  signal?: AbortSignal;
  /** Removes secrets from an outcome's text before it is recorded or returned; by default the well-known key shapes. */
  redact?: (text: string) => string;
  /** Test seam only: throw {@link SimulatedCrash} at this point of the protocol. */
  crashAt?: JournalCrashPoint;
}

const CALL_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

type PendingEntry = Extract<JournalEntry, { state: 'pending' }>;

/**
 * Runs a workspace tool call at most once per `callId` (see the protocol above) and returns its outcome;
 * a repeated call returns the recorded outcome without touching the workspace again. Like
 * `runWorkspaceTool`, it reports the model's mistakes as `is_error` outcomes and throws only on genuine
 * failures (and on an unsafe `callId`, which is the caller's bug).
 */
export async function executeToolOnce(options: ExecuteToolOnceOptions): Promise<ToolOutcome> {
  assertSafeCallId(options.callId);
  const entry = await options.journal.read(options.callId);
  if (entry?.state === 'done') return redacted(options, entry.outcome); // entries from before redaction, too
  if (entry?.state === 'pending') return recoverPending(options, entry);

  const plan = await planWorkspaceTool(options);
  if (!plan.write) return recordDone(options, plan.outcome);
  return applyJournaled(options, plan.write, plan.outcome);
}

/** Steps 2-5 of the protocol for a planned write. */
async function applyJournaled(
  options: ExecuteToolOnceOptions,
  write: PlannedWrite,
  outcome: ToolOutcome,
): Promise<ToolOutcome> {
  const temp = tempPathFor(write.absolute, options.callId);
  try {
    await ensureParentDirectory(write);
    await writeTempFile(temp, write.content, write.absolute, { inWorkspace: true });
  } catch (error) {
    await fs.rm(temp, { force: true });
    return recordDone(options, errorOutcome(error, write.relative));
  }
  crashIf(options, 'after_temp_write');

  const root = await resolveWorkspaceRoot(options.workspace);
  await options.journal.write({
    ...entryHeader(options),
    state: 'pending',
    outcome: redacted(options, outcome),
    write: { target: toRelative(root, write.absolute), temp: toRelative(root, temp), sha256: sha256(write.content) },
  });
  crashIf(options, 'after_intent');

  try {
    await commitTempFile(temp, write.absolute);
  } catch (error) {
    // Nothing was applied. Drop the intent before the temp file, so that "pending without a temp file"
    // keeps meaning "renamed" even if we die in between.
    await options.journal.remove(options.callId);
    await fs.rm(temp, { force: true });
    return recordDone(options, errorOutcome(error, write.relative));
  }
  crashIf(options, 'after_rename');
  return recordDone(options, outcome);
}

/** Finishes a call that crashed after recording its intent. */
async function recoverPending(options: ExecuteToolOnceOptions, entry: PendingEntry): Promise<ToolOutcome> {
  const root = await resolveWorkspaceRoot(options.workspace);
  const target = journalPathInWorkspace(root, entry.write.target);
  const temp = journalPathInWorkspace(root, entry.write.temp);
  const staged = await readFileOrNull(temp);
  if (staged !== null) {
    if (sha256(staged) !== entry.write.sha256) {
      // Cannot happen (the temp file is fsynced before the intent is recorded); if it does, the change was
      // certainly not applied, so forget the attempt and run the call afresh.
      await options.journal.remove(options.callId);
      await fs.rm(temp, { force: true });
      return executeToolOnce(options);
    }
    await commitTempFile(temp, target);
  }
  // No temp file: the rename already happened. Whatever the target holds now, re-applying would be wrong.
  return recordDone(options, entry.outcome);
}

async function recordDone(options: ExecuteToolOnceOptions, outcome: ToolOutcome): Promise<ToolOutcome> {
  const shown = redacted(options, outcome);
  await options.journal.write({ ...entryHeader(options), state: 'done', outcome: shown });
  return shown;
}

/** The outcome as the model may see it and the journal may keep it. */
function redacted(options: ExecuteToolOnceOptions, outcome: ToolOutcome): ToolOutcome {
  const redact = options.redact ?? ((text: string) => redactText(text));
  return { ...outcome, content: redact(outcome.content) };
}

function entryHeader(options: ExecuteToolOnceOptions) {
  return { version: 2 as const, callId: options.callId, name: options.name };
}

/** A workspace-relative path read back from the journal, checked so a corrupt entry cannot point outside. */
function journalPathInWorkspace(root: string, relative: string): string {
  const absolute = path.resolve(root, relative);
  if (!isInside(root, absolute)) throw new Error(`tool journal entry points outside the workspace: ${relative}`);
  return absolute;
}

function assertSafeCallId(callId: string): void {
  if (!CALL_ID_PATTERN.test(callId)) {
    throw new Error(`invalid tool call id ${JSON.stringify(callId)}: expected 1-128 characters from [A-Za-z0-9_-]`);
  }
}

function crashIf(options: ExecuteToolOnceOptions, point: JournalCrashPoint): void {
  if (options.crashAt === point) throw new SimulatedCrash(point);
}

async function readFileOrNull(file: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw error;
  }
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
