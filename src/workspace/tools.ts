import type { Dirent, Stats } from 'node:fs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AGENT_TOOL_NAMES } from '../domain/agent-toolset';
import { BashInputSchema } from '../shell/bash-input';
import { atomicWriteFile } from './atomic-write';
import { compileGlob } from './glob';
import { compileGrepPattern, type GrepPattern } from './grep-pattern';
import {
  errnoCode,
  fsErrorToWorkspaceError,
  normalizeRelativePath,
  makeDirectoriesChecked,
  openChecked,
  readDirectoryChecked,
  resolveInWorkspace,
  type ResolvedPath,
  withoutWorkspaceMount,
  WORKSPACE_MOUNT,
  WorkspaceError,
} from './sandbox';
import { selectLines, ViewRangeSchema } from './view-range';
import { networkAllowlist } from '../domain/host-allowlist';
import { fetchWebPage, MAX_FETCH_SECONDS } from './web-fetch';
import { MAX_SEARCH_MS, WorkBudget } from './work-budget';

/**
 * The agent's workspace tools: the Managed Agents toolset's read, write, edit, glob, grep and web_fetch, and
 * Lucid's original read_file, write_file, edit_file and list_files (grep is both). This is the plain library a
 * Temporal activity calls; every path goes through the sandbox in ./sandbox.ts. `bash` is only defined here
 * (its definition is offered to the model): the shell activity runs it, never this module.
 *
 * Contract: {@link runWorkspaceTool} reports everything the model got wrong as `{ is_error: true }` with a
 * message the model can act on, and throws only on genuine failures (EIO, ENOSPC, a missing workspace,
 * cancellation) so that Temporal retries them.
 */

/** The tools an agent definition may name (src/domain/agent-toolset.ts keeps the one list). */
export const TOOL_NAMES = AGENT_TOOL_NAMES;
export type ToolName = (typeof TOOL_NAMES)[number];

/** Any tool output longer than this many characters is cut, with a notice saying so. */
export const MAX_OUTPUT_CHARS = 32_000;
/** Largest file read_file / edit_file / grep will read, and largest content write_file / edit_file will write. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** A NUL byte within this many leading bytes marks a file as binary. */
export const BINARY_SNIFF_BYTES = 8192;
/** Most paths list_files / glob return. */
export const MAX_LIST_RESULTS = 1000;
/** Most matching lines grep returns. */
export const MAX_GREP_MATCHES = 500;
/** Matching lines longer than this are cut in grep output. */
export const MAX_GREP_LINE_CHARS = 500;
/** Directory entries list_files / grep visit before giving up, so a huge tree cannot stall a worker. */
export const MAX_WALK_ENTRIES = 200_000;
/** Lines grep searches before giving up (with the time budget in ./work-budget.ts, a bound on one call's work). */
export const MAX_GREP_SCANNED_LINES = 5_000_000;
/** Not descended by list_files / grep unless the pattern or path names them: large and rarely what is wanted. */
export const SKIPPED_DIR_NAMES: readonly string[] = ['.git', 'node_modules'];

/** What a tool call returns to the model, shaped like the Messages API's `tool_result`. */
export interface ToolOutcome {
  content: string;
  is_error: boolean;
}

/** JSON schema of a tool's input, in the plain form the Messages API accepts. */
export interface ToolInputSchema {
  type: 'object';
  properties: Record<string, unknown>;
  required: string[];
  [key: string]: unknown;
}

/** A tool as offered to the model in a Messages API request. */
export interface ToolDefinition {
  name: ToolName;
  description: string;
  input_schema: ToolInputSchema;
}

const PATH_FIELD =
  `Path relative to the workspace root or absolute under ${WORKSPACE_MOUNT}, with forward slashes ` +
  `(e.g. "src/index.ts" or "${WORKSPACE_MOUNT}/src/index.ts").`;
const GREP_PATTERN_FIELD =
  'Regular expression (JavaScript syntax, matched in linear time: no backreferences or lookaheads) ' +
  'searched for in each line, e.g. "function \\\\w+Handler".';
const SEARCH_PATH_FIELD = `File or directory to search, relative to the workspace root or under ${WORKSPACE_MOUNT}. Defaults to the whole workspace.`;
const OLD_STRING_FIELD = 'Exact text to replace, including whitespace and indentation.';

const INPUT_SCHEMAS = {
  read_file: z.object({ path: z.string().describe(PATH_FIELD) }),
  write_file: z.object({
    path: z.string().describe(`${PATH_FIELD} Missing parent directories are created.`),
    content: z.string().describe('The complete new content of the file (UTF-8 text).'),
  }),
  edit_file: z.object({
    path: z.string().describe(PATH_FIELD),
    old_string: z.string().describe(`${OLD_STRING_FIELD} Must occur exactly once in the file.`),
    new_string: z.string().describe('Text to put in its place.'),
  }),
  list_files: z.object({
    pattern: z
      .string()
      .describe('Glob relative to the workspace root, e.g. "**/*.ts" (any depth), "*.md" (top level only), "src/**".'),
  }),
  grep: z.object({
    pattern: z.string().describe(GREP_PATTERN_FIELD),
    path: z.string().optional().describe(SEARCH_PATH_FIELD),
  }),
  bash: BashInputSchema,
  read: z.object({
    file_path: z.string().describe(PATH_FIELD),
    view_range: ViewRangeSchema.optional().describe(
      'Optional [start_line, end_line], 1-based and inclusive; end_line -1 (or 0) reads to the end of the file.',
    ),
  }),
  write: z.object({
    file_path: z.string().describe(`${PATH_FIELD} Missing parent directories are created.`),
    content: z.string().describe('The complete new content of the file (UTF-8 text).'),
  }),
  edit: z.object({
    file_path: z.string().describe(PATH_FIELD),
    old_string: z.string().describe(`${OLD_STRING_FIELD} Must occur exactly once unless replace_all is true.`),
    new_string: z.string().describe('Text to put in its place.'),
    replace_all: z.boolean().optional().describe('Replace every occurrence of old_string instead of exactly one.'),
  }),
  glob: z.object({
    pattern: z.string().describe('Glob, e.g. "**/*.ts" (any depth), "*.md" (top level only), "src/**".'),
    path: z
      .string()
      .optional()
      .describe(`Directory the pattern is relative to (relative or under ${WORKSPACE_MOUNT}); defaults to the root.`),
  }),
  web_fetch: z.object({ url: z.string().describe('The http or https URL to fetch.') }),
} satisfies Record<ToolName, z.ZodType>;

type ToolInput<N extends ToolName> = z.infer<(typeof INPUT_SCHEMAS)[N]>;

const DESCRIPTIONS: Record<ToolName, string> = {
  read_file:
    `Read a UTF-8 text file from the workspace. Binary files and files over ${MAX_FILE_BYTES / 1024 / 1024} MB are ` +
    `refused; output over ${MAX_OUTPUT_CHARS} characters is truncated (use grep to find specific lines in large files).`,
  write_file:
    'Create or overwrite a file in the workspace with the given content, creating missing parent directories. ' +
    'Replaces the whole file: to change part of an existing file, prefer edit_file.',
  edit_file:
    'Replace exactly one occurrence of old_string with new_string in an existing file. old_string must match the ' +
    'file exactly (whitespace, indentation, line endings) and occur exactly once; if it occurs several times, ' +
    'include more surrounding lines to make it unique. Read the file first.',
  list_files:
    `List files whose workspace-relative path matches a glob, sorted, at most ${MAX_LIST_RESULTS}. Dotfiles are ` +
    `included; ${SKIPPED_DIR_NAMES.join(' and ')} directories are skipped unless the pattern names them. ` +
    'Symbolic links are listed but never followed.',
  grep:
    'Search files for lines matching a regular expression in JavaScript syntax, run by a linear-time engine ' +
    '(RE2: backreferences and lookaheads are not supported). Output lines are "path:line_number:line". ' +
    `Binary files are skipped, as are ${SKIPPED_DIR_NAMES.join(' and ')} unless the path points inside them; ` +
    `at most ${MAX_GREP_MATCHES} matches are shown. Paths are relative to the workspace root or under ${WORKSPACE_MOUNT}.`,
  bash:
    `Run a command in a persistent bash shell whose working directory is the workspace, mounted at ${WORKSPACE_MOUNT}. ` +
    'The working directory and exported variables persist between calls; restart: true starts a fresh shell. ' +
    'The shell is sandboxed: only the workspace is writable and the network is off unless the worker allows hosts. ' +
    'Output is stdout and stderr interleaved, then the exit code; long output is truncated.',
  read:
    `Read a UTF-8 text file from the workspace, with line numbers ("line_number<TAB>line"; the numbers are not ` +
    'part of the file). view_range [start, end] reads only those lines (1-based, inclusive; end -1 = to the end). ' +
    `Binary files and files over ${MAX_FILE_BYTES / 1024 / 1024} MB are refused; output over ${MAX_OUTPUT_CHARS} ` +
    `characters is truncated. Paths are relative to the workspace root or under ${WORKSPACE_MOUNT}.`,
  write:
    'Create or overwrite a file in the workspace with the given content, creating missing parent directories. ' +
    'Replaces the whole file: to change part of an existing file, prefer edit. ' +
    `Paths are relative to the workspace root or under ${WORKSPACE_MOUNT}.`,
  edit:
    'Replace old_string with new_string in an existing file. old_string must match the file exactly (whitespace, ' +
    'indentation, line endings; without the line numbers read shows) and occur exactly once, unless replace_all ' +
    'is true, which replaces every occurrence. Read the file first. ' +
    `Paths are relative to the workspace root or under ${WORKSPACE_MOUNT}.`,
  glob:
    `List files matching a glob, newest first (by modification time), at most ${MAX_LIST_RESULTS}. The pattern is ` +
    `relative to path (default: the workspace root); an absolute pattern must be under ${WORKSPACE_MOUNT}. ` +
    `Dotfiles are included; ${SKIPPED_DIR_NAMES.join(' and ')} directories are skipped unless the pattern names ` +
    'them. Symbolic links are listed but never followed.',
  web_fetch:
    'Fetch a web page or file over http(s) and return its text (HTML reduced to plain text). Only hosts the worker ' +
    `allows can be fetched; redirects are followed only to allowed hosts. Gives up after ${MAX_FETCH_SECONDS} seconds.`,
};

/** Context every tool implementation gets. */
interface ToolContext {
  workspace: string;
  signal?: AbortSignal;
  /** Where web_fetch's host allowlist is read (`LUCID_NETWORK_ALLOWED_HOSTS`). */
  env: NodeJS.ProcessEnv;
}

/** A file change a mutating tool wants made; applying it is separate so the journal can wrap it. */
export interface PlannedWrite {
  /** Real absolute path of the file, already checked by the sandbox. */
  absolute: string;
  /** The same path relative to the workspace root. */
  relative: string;
  content: Buffer;
}

/** The result of running a tool up to (not including) its side effect. */
export interface ToolPlan {
  /** What the model is told once `write` (if any) has been applied. */
  outcome: ToolOutcome;
  write?: PlannedWrite;
}

/** One tool call, as {@link runWorkspaceTool} receives it. */
export interface RunWorkspaceToolOptions {
  /** The session's workspace directory. */
  workspace: string;
  /** Tool name as the model called it. */
  name: string;
  /** Tool input as the model sent it; validated here. */
  input: unknown;
  signal?: AbortSignal;
  /** Environment holding web_fetch's allowlist; the worker's by default. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Tool definitions for a Messages API request, in the order given. Throws on an unknown name: the tool
 * list comes from the agent definition, not from the model.
 */
export function toolDefinitions(names: readonly string[]): ToolDefinition[] {
  return names.map((name) => {
    if (!isToolName(name)) throw new Error(`unknown workspace tool "${name}"; known tools: ${TOOL_NAMES.join(', ')}`);
    return { name, description: DESCRIPTIONS[name], input_schema: inputJsonSchema(name) };
  });
}

/** Whether `name` is one of {@link TOOL_NAMES}. */
export function isToolName(name: string): name is ToolName {
  return (TOOL_NAMES as readonly string[]).includes(name);
}

/**
 * Runs one tool call against the workspace. Never throws for the model's mistakes (unknown tool, malformed
 * input, sandbox violation, missing file, ambiguous edit...): those come back as `is_error: true`.
 */
export async function runWorkspaceTool(options: RunWorkspaceToolOptions): Promise<ToolOutcome> {
  const plan = await planWorkspaceTool(options);
  if (!plan.write) return plan.outcome;
  try {
    await ensureParentDirectory(plan.write);
    await atomicWriteFile(plan.write.absolute, plan.write.content, { inWorkspace: true });
  } catch (error) {
    return errorOutcome(error, plan.write.relative);
  }
  return plan.outcome;
}

/**
 * Validates the call and does everything except the side effect: read-only tools are complete after this;
 * mutating tools return the write to perform and the outcome to report once it is done. Model errors
 * become an error outcome with no write. Used by {@link runWorkspaceTool} and by the tool journal.
 */
export async function planWorkspaceTool(options: RunWorkspaceToolOptions): Promise<ToolPlan> {
  const { workspace, name, input, signal, env = process.env } = options;
  signal?.throwIfAborted();
  try {
    if (!isToolName(name)) {
      throw new WorkspaceError('invalid_input', `Unknown tool "${name}". Available tools: ${TOOL_NAMES.join(', ')}.`);
    }
    const plan = await TOOL_IMPLEMENTATIONS[name]({ workspace, signal, env }, parseInput(name, input) as never);
    return { ...plan, outcome: { ...plan.outcome, content: truncateOutput(plan.outcome.content) } };
  } catch (error) {
    return { outcome: errorOutcome(error, pathOf(input)) };
  }
}

/**
 * Creates the missing parent directories of a planned write, inside the workspace even if the shell swaps a
 * directory for a symlink meanwhile (see makeDirectoriesChecked).
 */
export async function ensureParentDirectory(write: PlannedWrite): Promise<void> {
  const root = write.absolute.slice(0, write.absolute.length - write.relative.length).replace(/\/$/, '');
  await makeDirectoriesChecked(root, path.posix.dirname(write.relative), write.relative);
}

/**
 * Turns an error into an error outcome if the model caused it ({@link WorkspaceError}, or a filesystem error
 * such as ENOENT/ENOTDIR/EACCES); rethrows anything else (EIO, ENOSPC, cancellation...).
 */
export function errorOutcome(error: unknown, displayPath = '(path)'): ToolOutcome {
  const modelError = error instanceof WorkspaceError ? error : fsErrorToWorkspaceError(error, displayPath);
  if (!modelError) throw error;
  return { content: truncateOutput(modelError.message), is_error: true };
}

/** Cuts `text` to `max` characters, saying so, without splitting a surrogate pair. */
export function truncateOutput(text: string, max: number = MAX_OUTPUT_CHARS): string {
  if (text.length <= max) return text;
  let end = max;
  if (/[\uD800-\uDBFF]/.test(text[end - 1])) end--;
  return `${text.slice(0, end)}\n[output truncated: showed ${end} of ${text.length} characters]`;
}

// ---------------------------------------------------------------------------------------------------------
// Input validation and schemas

function parseInput<N extends ToolName>(name: N, input: unknown): ToolInput<N> {
  const parsed = INPUT_SCHEMAS[name].safeParse(input);
  if (parsed.success) return parsed.data as ToolInput<N>;
  const problems = parsed.error.issues.map((issue) => {
    const where = issue.path.length ? issue.path.join('.') : 'input';
    return `${where}: ${issue.message.replace(/^Invalid input: /, '')}`;
  });
  throw new WorkspaceError('invalid_input', `Invalid input for ${name}: ${problems.join('; ')}`);
}

const jsonSchemaCache = new Map<ToolName, ToolInputSchema>();

/** The input schema as plain JSON schema: no `$schema` key, `required` always present. */
function inputJsonSchema(name: ToolName): ToolInputSchema {
  let schema = jsonSchemaCache.get(name);
  if (!schema) {
    // io: 'input' describes what the model may send; it omits `additionalProperties: false`, matching the
    // schemas' default of ignoring unknown keys rather than failing the call over them. Only `properties`
    // and `required` are kept: the `$schema` key is not accepted by the Messages API.
    const { properties, required } = z.toJSONSchema(INPUT_SCHEMAS[name], { io: 'input' });
    schema = { type: 'object', properties: (properties ?? {}) as Record<string, unknown>, required: required ?? [] };
    jsonSchemaCache.set(name, schema);
  }
  return structuredClone(schema);
}

/** The path the model named, for error messages about it. */
function pathOf(input: unknown): string | undefined {
  const fields = input as { path?: unknown; file_path?: unknown } | null;
  const value = fields?.file_path ?? fields?.path;
  return typeof value === 'string' ? value : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// The tools

type ToolImplementation<N extends ToolName> = (context: ToolContext, input: ToolInput<N>) => Promise<ToolPlan>;

const TOOL_IMPLEMENTATIONS: { [N in ToolName]: ToolImplementation<N> } = {
  read_file: readFileTool,
  write_file: writeFileTool,
  edit_file: editFileTool,
  list_files: listFilesTool,
  grep: grepTool,
  bash: bashTool,
  read: readTool,
  write: (context, input) => writeFileTool(context, { path: input.file_path, content: input.content }),
  edit: (context, input) => editFileTool(context, { ...input, path: input.file_path }, 'write'),
  glob: globTool,
  web_fetch: webFetchTool,
};

const ok = (content: string): ToolPlan => ({ outcome: { content, is_error: false } });

async function readFileTool(context: ToolContext, input: ToolInput<'read_file'>): Promise<ToolPlan> {
  const target = await resolveInWorkspace(context.workspace, input.path);
  const text = await readTextFile(target, input.path);
  return ok(text.length > 0 ? text : `(${input.path} is empty)`);
}

async function writeFileTool(context: ToolContext, input: ToolInput<'write_file'>): Promise<ToolPlan> {
  const content = Buffer.from(input.content, 'utf8');
  assertWritableSize(content.length, input.path);
  const target = await resolveInWorkspace(context.workspace, input.path, { forWrite: true });
  if (target.exists) await assertRegularFile(target, input.path);
  await assertParentCanBeCreated(target, input.path);
  const verb = target.exists ? 'Overwrote' : 'Created';
  const size = content.length === 1 ? '1 byte' : `${content.length} bytes`;
  return {
    outcome: { content: `${verb} ${input.path} (${size}).`, is_error: false },
    write: { absolute: target.absolute, relative: target.relative, content },
  };
}

interface EditInput extends ToolInput<'edit_file'> {
  replace_all?: boolean;
}

async function editFileTool(context: ToolContext, input: EditInput, writeTool = 'write_file'): Promise<ToolPlan> {
  if (input.old_string.length === 0) {
    throw new WorkspaceError(
      'invalid_input',
      `old_string is empty. Give the exact text to replace; use ${writeTool} to create a file.`,
    );
  }
  if (input.old_string === input.new_string) {
    throw new WorkspaceError(
      'invalid_input',
      'old_string and new_string are identical, so the edit would change nothing.',
    );
  }
  const target = await resolveInWorkspace(context.workspace, input.path);
  const text = await readTextFile(target, input.path);
  const { edited, summary } = input.replace_all
    ? replaceEvery(text, input.old_string, input.new_string, input.path)
    : replaceOnce(text, input.old_string, input.new_string, input.path);
  const content = Buffer.from(edited, 'utf8');
  assertWritableSize(content.length, input.path);
  return {
    outcome: { content: `Edited ${input.path}: ${summary}.`, is_error: false },
    write: { absolute: target.absolute, relative: target.relative, content },
  };
}

interface Replacement {
  edited: string;
  summary: string;
}

function replaceOnce(text: string, oldString: string, newString: string, displayPath: string): Replacement {
  const index = uniqueOccurrence(text, oldString, displayPath);
  // Slicing, not String.replace: new_string may contain `$&`, `$1`... which replace() would expand.
  const edited = text.slice(0, index) + newString + text.slice(index + oldString.length);
  return { edited, summary: `replaced 1 occurrence at line ${lineNumberAt(text, index)}` };
}

/** Every non-overlapping occurrence, left to right, as the API's `replace_all`. */
function replaceEvery(text: string, oldString: string, newString: string, displayPath: string): Replacement {
  const parts = text.split(oldString);
  if (parts.length === 1) throw noMatch(displayPath);
  const count = parts.length - 1;
  return { edited: parts.join(newString), summary: `replaced ${count} occurrence${count === 1 ? '' : 's'}` };
}

async function listFilesTool(context: ToolContext, input: ToolInput<'list_files'>): Promise<ToolPlan> {
  const found = await matchingFiles(context, checkGlob(withoutWorkspaceMount(input.pattern)));
  return listing(found, found.files.map((file) => file.display).sort(compareCodeUnits));
}

/** list_files' search, shown newest first by modification time (ties by path), as the API's glob. */
async function globTool(context: ToolContext, input: ToolInput<'glob'>): Promise<ToolPlan> {
  const found = await matchingFiles(context, globPatternUnder(input.pattern, input.path));
  const dated: { file: WalkedFile; mtime: number }[] = [];
  // In batches: a match list can hold up to MAX_WALK_ENTRIES files, too many lstat calls to queue at once.
  for (let start = 0; start < found.files.length; start += MTIME_BATCH) {
    context.signal?.throwIfAborted();
    const batch = found.files.slice(start, start + MTIME_BATCH);
    dated.push(...(await Promise.all(batch.map(async (file) => ({ file, mtime: await modifiedAt(file.absolute) })))));
  }
  dated.sort((a, b) => b.mtime - a.mtime || compareCodeUnits(a.file.display, b.file.display));
  return listing(
    found,
    dated.map(({ file }) => file.display),
  );
}

const MTIME_BATCH = 256;

/** glob's pattern joined to its path, both checked like list_files' pattern. */
function globPatternUnder(pattern: string, under: string | undefined): string {
  const absolute = pattern.startsWith('/');
  if (absolute && under !== undefined) {
    throw new WorkspaceError('invalid_input', 'Give either an absolute pattern or path, not both.');
  }
  const relative = checkGlob(withoutWorkspaceMount(pattern));
  if (under === undefined) return relative;
  const base = normalizeRelativePath(under);
  return base ? `${base}/${relative}` : relative;
}

interface FoundFiles {
  pattern: string;
  files: WalkedFile[];
  walk?: WalkResult;
  budget?: WorkBudget;
}

/** Files (and symlinks) whose workspace-relative path matches a checked glob. */
async function matchingFiles(context: ToolContext, pattern: string): Promise<FoundFiles> {
  const glob = compileGlob(pattern);
  const base = normalizeRelativePath(glob.base || '.');
  const start = await resolveOrNull(context.workspace, base || '.');
  if (!start) return { pattern, files: [] };
  const budget = new WorkBudget(context.signal);
  const walk = await walkFrom(start, base, {
    skipDirs: skippedDirsFor(pattern),
    includeSymlinks: true,
    budget,
    signal: context.signal,
  });
  const files: WalkedFile[] = [];
  for (const file of walk.files) {
    if (budget.due() && !(await budget.pause())) break;
    // A plain directory name ("src", ".") lists everything under it, as a model asking that would expect.
    if (!glob.isGlob || glob.matches(file.display)) files.push(file);
  }
  return { pattern, files, walk, budget };
}

function listing(found: FoundFiles, paths: string[]): ToolPlan {
  const notices = (found.walk ? walkNotice(found.walk) : '') + (found.budget ? timeNotice(found.budget) : '');
  if (paths.length === 0) return ok(`No files match "${found.pattern}".${notices}`);
  const shown = paths.slice(0, MAX_LIST_RESULTS);
  const capped =
    paths.length > shown.length
      ? `\n[showing the first ${shown.length} of ${paths.length} matching files; use a narrower pattern]`
      : '';
  return ok(shown.join('\n') + capped + notices);
}

/** lstat's mtime (a symlink's own, as it is never followed); 0 for a file that vanished meanwhile. */
async function modifiedAt(absolute: string): Promise<number> {
  try {
    return (await fs.lstat(absolute)).mtimeMs;
  } catch (error) {
    if (fsErrorToWorkspaceError(error, absolute)) return 0;
    throw error;
  }
}

async function readTool(context: ToolContext, input: ToolInput<'read'>): Promise<ToolPlan> {
  const target = await resolveInWorkspace(context.workspace, input.file_path);
  const text = await readTextFile(target, input.file_path);
  if (text.length === 0) return ok(`(${input.file_path} is empty)`);
  return ok(selectLines(text, input.view_range, input.file_path));
}

function bashTool(): Promise<ToolPlan> {
  // The workflow routes bash to the shell activity; reaching this is a routing bug, reported to the model.
  return Promise.reject(
    new WorkspaceError('invalid_input', 'bash runs in the shell activity, not as a workspace tool.'),
  );
}

async function webFetchTool(context: ToolContext, input: ToolInput<'web_fetch'>): Promise<ToolPlan> {
  const allowlist = networkAllowlist(context.env);
  if (allowlist.length === 0) {
    throw new WorkspaceError('invalid_input', 'web_fetch is not configured on this worker (no allowed hosts).');
  }
  return ok(await fetchWebPage(input.url, { allowlist, signal: context.signal }));
}

async function grepTool(context: ToolContext, input: ToolInput<'grep'>): Promise<ToolPlan> {
  const pattern = compileGrepPattern(input.pattern);
  const spelled = normalizeRelativePath(input.path ?? '.');
  const start = await resolveInWorkspace(context.workspace, input.path ?? '.');
  const budget = new WorkBudget(context.signal);
  const walk = await walkFrom(start, spelled, {
    skipDirs: SKIPPED_DIR_NAMES,
    includeSymlinks: false,
    budget,
    signal: context.signal,
  });
  const files = walk.files.sort((a, b) => compareCodeUnits(a.display, b.display));
  const search = await searchFiles(files, pattern, budget, context.signal);
  const where = input.path ?? 'the workspace';
  const notices = search.notice + walkNotice(walk) + timeNotice(budget);
  if (search.lines.length === 0) return ok(`No matches for /${input.pattern}/ in ${where}.${notices}`);
  return ok(search.lines.join('\n') + notices);
}

// ---------------------------------------------------------------------------------------------------------
// Reading and checking files

/** Reads a regular file as UTF-8, refusing non-files, oversized files and binary or non-UTF-8 content. */
async function readTextFile(target: ResolvedPath, displayPath: string): Promise<string> {
  assertIsFile(await fs.stat(target.absolute), displayPath); // a directory or FIFO gets its own message first
  const handle = await openChecked(target.absolute, displayPath);
  let bytes: Buffer;
  try {
    const stat = await handle.stat();
    assertIsFile(stat, displayPath);
    if (stat.size > MAX_FILE_BYTES) {
      throw new WorkspaceError(
        'too_large',
        `${displayPath} is ${formatBytes(stat.size)}, over the ${formatBytes(MAX_FILE_BYTES)} limit. ` +
          'Use grep to find the lines you need.',
      );
    }
    bytes = await handle.readFile();
  } finally {
    await handle.close();
  }
  if (looksBinary(bytes)) {
    throw new WorkspaceError('binary_file', `${displayPath} is a binary file; only text files can be read or edited.`);
  }
  try {
    // ignoreBOM keeps a byte-order mark in the text, so an edit writes it back unchanged.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const message = `${displayPath} is not valid UTF-8 text; only UTF-8 text files can be read or edited.`;
    throw new WorkspaceError('binary_file', message);
  }
}

function assertIsFile(stat: Stats, displayPath: string): void {
  if (stat.isDirectory()) {
    throw new WorkspaceError(
      'not_a_file',
      `${displayPath} is a directory, not a file. Use list_files (or glob) to see what it contains.`,
    );
  }
  // FIFOs, sockets and devices: reading one could block forever or never end.
  if (!stat.isFile()) throw new WorkspaceError('not_a_file', `${displayPath} is not a regular file.`);
}

async function assertRegularFile(target: ResolvedPath, displayPath: string): Promise<void> {
  if (target.relative === '.')
    throw new WorkspaceError('not_a_file', `"${displayPath}" is the workspace root, not a file.`);
  assertIsFile(await fs.stat(target.absolute), displayPath);
}

/** Fails early, with a clear message, if a missing parent directory cannot be created because a file is in the way. */
async function assertParentCanBeCreated(target: ResolvedPath, displayPath: string): Promise<void> {
  for (let dir = path.dirname(target.absolute); dir.length >= target.root.length; dir = path.dirname(dir)) {
    const stat = await fs.stat(dir).catch((error: unknown) => {
      if (errnoCode(error) === 'ENOENT') return null;
      throw error;
    });
    if (!stat) continue;
    if (stat.isDirectory()) return;
    const blocking = path.relative(target.root, dir).split(path.sep).join('/');
    throw new WorkspaceError('not_a_file', `Cannot write ${displayPath}: "${blocking}" is a file, not a directory.`);
  }
}

function assertWritableSize(bytes: number, displayPath: string): void {
  if (bytes > MAX_FILE_BYTES) {
    throw new WorkspaceError(
      'too_large',
      `Content for ${displayPath} is ${formatBytes(bytes)}, over the ${formatBytes(MAX_FILE_BYTES)} limit; nothing was written.`,
    );
  }
}

function looksBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}

/** Index of the only occurrence of `needle`; overlapping occurrences count, since either could be meant. */
function uniqueOccurrence(text: string, needle: string, displayPath: string): number {
  const found: number[] = [];
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) found.push(at);
  if (found.length === 1) return found[0];
  if (found.length === 0) throw noMatch(displayPath);
  const lines = [...new Set(found.map((at) => lineNumberAt(text, at)))];
  const shownLines = lines.slice(0, 20).join(', ') + (lines.length > 20 ? ', ...' : '');
  throw new WorkspaceError(
    'ambiguous_match',
    `old_string occurs ${found.length} times in ${displayPath} (at lines ${shownLines}); it must occur exactly once. ` +
      'Include more surrounding text so it matches only the place you mean.',
  );
}

function noMatch(displayPath: string): WorkspaceError {
  return new WorkspaceError(
    'no_match',
    `old_string was not found in ${displayPath}. It must match the file exactly, including whitespace, ` +
      'indentation and line endings; read the file again and copy the text exactly.',
  );
}

function lineNumberAt(text: string, index: number): number {
  let line = 1;
  for (let at = text.indexOf('\n'); at !== -1 && at < index; at = text.indexOf('\n', at + 1)) line++;
  return line;
}

// ---------------------------------------------------------------------------------------------------------
// list_files and grep: globs, regexes and walking the tree

function checkGlob(pattern: string): string {
  const invalid = (why: string) => new WorkspaceError('invalid_input', `Invalid pattern "${pattern}": ${why}`);
  const outside = (why: string) => new WorkspaceError('path_outside_workspace', `Invalid pattern "${pattern}": ${why}`);
  if (pattern.trim().length === 0) throw invalid('it is empty. Use "**/*" to list everything.');
  if (pattern.includes('\0')) throw invalid('it contains a NUL byte.');
  if (pattern.startsWith('/') || /^[A-Za-z]:/.test(pattern) || pattern.startsWith('\\\\')) {
    throw outside(`patterns are relative to the workspace root or under ${WORKSPACE_MOUNT}.`);
  }
  if (pattern.split('/').includes('..')) {
    throw outside('".." is not allowed; patterns stay inside the workspace.');
  }
  if (pattern.startsWith('!')) throw invalid('negated patterns are not supported.');
  return pattern.replace(/^(\.\/)+/, '');
}

/** The default skipped directories, less any the pattern names as a segment (so "node_modules/x/**" works). */
function skippedDirsFor(pattern: string): string[] {
  const segments = pattern.split('/');
  return SKIPPED_DIR_NAMES.filter((name) => !segments.includes(name));
}

async function resolveOrNull(workspace: string, relPath: string): Promise<ResolvedPath | null> {
  try {
    return await resolveInWorkspace(workspace, relPath);
  } catch (error) {
    if (error instanceof WorkspaceError && error.code === 'not_found') return null;
    throw error;
  }
}

interface WalkOptions {
  /** Directory names not descended into. */
  skipDirs: readonly string[];
  /** Report symlinks (never followed) alongside regular files. */
  includeSymlinks: boolean;
  budget: WorkBudget;
  signal?: AbortSignal;
}

interface WalkedFile {
  absolute: string;
  /** Workspace-relative path spelled from the model's own prefix, so a symlinked start directory keeps its name. */
  display: string;
}

interface WalkResult {
  files: WalkedFile[];
  /** Whether MAX_WALK_ENTRIES stopped the walk early. */
  stoppedEarly: boolean;
}

/**
 * Files under `start` (or `start` itself if it is a file). Symlinks are never followed, so the walk cannot
 * leave the workspace; `start` itself was already resolved and checked by the sandbox. Unreadable
 * directories are skipped.
 */
async function walkFrom(start: ResolvedPath, prefix: string, options: WalkOptions): Promise<WalkResult> {
  const startStat = await fs.stat(start.absolute);
  if (!startStat.isDirectory()) {
    return { files: startStat.isFile() ? [{ absolute: start.absolute, display: prefix }] : [], stoppedEarly: false };
  }
  const files: WalkedFile[] = [];
  const pending: WalkedFile[] = [{ absolute: start.absolute, display: prefix }];
  let visited = 0;
  while (pending.length > 0) {
    options.signal?.throwIfAborted();
    if (options.budget.due() && !(await options.budget.pause())) break;
    const dir = pending.pop()!;
    for (const entry of await readDirSorted(dir.absolute)) {
      if (++visited > MAX_WALK_ENTRIES) return { files, stoppedEarly: true };
      const child = {
        absolute: path.join(dir.absolute, entry.name),
        display: dir.display ? `${dir.display}/${entry.name}` : entry.name,
      };
      if (entry.isDirectory()) {
        if (!options.skipDirs.includes(entry.name)) pending.push(child);
      } else if (entry.isFile() || (options.includeSymlinks && entry.isSymbolicLink())) {
        files.push(child);
      }
    }
  }
  return { files, stoppedEarly: false };
}

async function readDirSorted(dir: string): Promise<Dirent[]> {
  try {
    // Reversed so that popping from the pending stack visits directories in name order.
    return (await readDirectoryChecked(dir, dir)).sort((a, b) => compareCodeUnits(b.name, a.name));
  } catch (error) {
    if (fsErrorToWorkspaceError(error, dir)) return []; // vanished or unreadable: skip it
    throw error;
  }
}

/** Says so when the search ran out of time, so the model knows the answer may be incomplete. */
function timeNotice(budget: WorkBudget): string {
  return budget.exhausted
    ? `\n[search stopped after ${MAX_SEARCH_MS / 1000} seconds; results may be incomplete; narrow the pattern or path]`
    : '';
}

function walkNotice(walk: WalkResult): string {
  return walk.stoppedEarly
    ? `\n[search stopped after visiting ${MAX_WALK_ENTRIES} entries; narrow the pattern or path]`
    : '';
}

interface SearchResult {
  lines: string[];
  notice: string;
}

/** What grep has done so far; shared by the files of one call. */
interface Scan {
  pattern: GrepPattern;
  budget: WorkBudget;
  lines: string[];
  scannedLines: number;
  /** Lines longer than the pattern's maxLineChars, searched in their first maxLineChars characters only. */
  clippedLines: number;
}

async function searchFiles(
  files: WalkedFile[],
  pattern: GrepPattern,
  budget: WorkBudget,
  signal?: AbortSignal,
): Promise<SearchResult> {
  const scan: Scan = { pattern, budget, lines: [], scannedLines: 0, clippedLines: 0 };
  let skippedLarge = 0;
  let stopped = '';
  for (const file of files) {
    signal?.throwIfAborted();
    if (budget.exhausted || (budget.due() && !(await budget.pause()))) break;
    const text = await readSearchableText(file.absolute);
    if (text === 'too_large') skippedLarge++;
    if (text === null || text === 'too_large') continue;
    stopped = await collectMatches(file.display, text, scan);
    if (stopped) break;
  }
  const notices = [
    stopped,
    skippedLarge ? `[skipped ${skippedLarge} file(s) larger than ${formatBytes(MAX_FILE_BYTES)}]` : '',
    scan.clippedLines
      ? `[${scan.clippedLines} line(s) longer than ${pattern.maxLineChars} characters were searched in their ` +
        `first ${pattern.maxLineChars} characters only]`
      : '',
  ];
  return {
    lines: scan.lines,
    notice: notices
      .filter(Boolean)
      .map((notice) => `\n${notice}`)
      .join(''),
  };
}

/** Text of a file for grep; null for binary or vanished files, 'too_large' for files over the limit. */
async function readSearchableText(absolute: string): Promise<string | null | 'too_large'> {
  try {
    if (!(await fs.stat(absolute)).isFile()) return null;
    const handle = await openChecked(absolute, absolute);
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) return null;
      if (stat.size > MAX_FILE_BYTES) return 'too_large';
      const bytes = await handle.readFile();
      return looksBinary(bytes) ? null : bytes.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof WorkspaceError) return null; // swapped while opened: skipped, like a vanished file
    if (fsErrorToWorkspaceError(error, absolute)) return null;
    throw error;
  }
}

/**
 * Appends `file:line:text` for each matching line, pacing itself between lines (one line costs at most about a
 * second, see grep-pattern.ts). Returns why the whole search must stop ('' to go on to the next file).
 */
async function collectMatches(file: string, text: string, scan: Scan): Promise<string> {
  const { pattern, budget, lines: out } = scan;
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop(); // a final line break ends the last line; it does not start another
  for (let index = 0; index < lines.length; index++) {
    if (budget.due() && !(await budget.pause())) return '';
    if (++scan.scannedLines > MAX_GREP_SCANNED_LINES) {
      return `[stopped after searching ${MAX_GREP_SCANNED_LINES} lines; narrow the pattern or path]`;
    }
    const line = lines[index].endsWith('\r') ? lines[index].slice(0, -1) : lines[index];
    if (line.length > pattern.maxLineChars) scan.clippedLines++;
    if (!pattern.test(line.length > pattern.maxLineChars ? line.slice(0, pattern.maxLineChars) : line)) continue;
    out.push(`${file}:${index + 1}:${clipLine(line)}`);
    if (out.length >= MAX_GREP_MATCHES)
      return `[stopped after ${MAX_GREP_MATCHES} matches; narrow the pattern or path]`;
  }
  return '';
}

function clipLine(line: string): string {
  if (line.length <= MAX_GREP_LINE_CHARS) return line;
  return `${line.slice(0, MAX_GREP_LINE_CHARS)} [line truncated: ${line.length} characters]`;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1).replace(/\.0$/, '')} KB`;
  return `${bytes} bytes`;
}
