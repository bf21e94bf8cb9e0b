/**
 * `lucid memory <subcommand>`: versioned memory stores, read and written through the workers' storage (openStorage
 * on LUCID_DATA_DIR, as the worker does), so these commands need no Temporal server. Memory errors keep their own
 * messages and map to exit codes in ../errors.ts: bad paths or content 2, unknown ids 4, refused changes 1.
 */
import fs from 'node:fs/promises';
import { unifiedDiff } from '../../memory/diff';
import { isMemoryError } from '../../memory/errors';
import type { Memory, MemoryStore, MemoryStoreRepository, MemoryVersion } from '../../memory/memory-store';
import { CommandUsageError, parseCommandArguments, parseIntegerOption } from '../args';
import type { Command, CommandContext } from '../command';
import { CliError, ExitCode } from '../errors';
import { describeActor, openMemory, resolveStore, userActor } from '../memory-access';
import { commandGroup } from '../subcommands';
import { formatColumns, formatCount, oneLine } from '../text';
import { formatLocalTime } from './sessions';

/** Hashes are shown by this many leading hex digits: enough to tell versions apart at a glance. */
const SHA_PREFIX_LENGTH = 12;
/** Most versions `history` lists unless `--limit` says otherwise. */
const DEFAULT_HISTORY_LIMIT = 50;

const createCommand: Command = async (args, { stdout }) => {
  const { positionals, options } = parseCommandArguments('memory create', args, { description: { type: 'string' } }, [
    'name',
  ]);
  const store = await openMemory().createStore({ name: positionals[0], description: options.description });
  stdout.write(`${store.id}\n`);
  return ExitCode.ok;
};

const listCommand: Command = async (args, { stdout }) => {
  const { options } = parseCommandArguments('memory list', args, { json: { type: 'boolean' } });
  const memory = openMemory();
  const stores = await memory.listStores();
  if (options.json) return writeJson(stdout, stores);
  if (stores.length === 0) {
    stdout.write('no memory stores (create one: lucid memory create <name>)\n');
    return ExitCode.ok;
  }
  const counts = await Promise.all(stores.map(async (store) => (await memory.listMemories(store.id)).length));
  const rows = stores.map((store, index) => storeRow(store, counts[index]));
  stdout.write(lines(formatColumns([['ID', 'NAME', 'MEMORIES', 'CREATED', 'DESCRIPTION'], ...rows], new Set([2]))));
  return ExitCode.ok;
};

function storeRow(store: MemoryStore, memoryCount: number): string[] {
  return [
    store.id,
    store.name,
    formatCount(memoryCount),
    formatLocalTime(new Date(store.created_at)),
    oneLine(store.description, 60),
  ];
}

const lsCommand: Command = async (args, { stdout }) => {
  const { positionals, options } = parseCommandArguments(
    'memory ls',
    args,
    { prefix: { type: 'string' }, json: { type: 'boolean' } },
    ['store'],
  );
  const memory = openMemory();
  const store = await resolveStore(memory, positionals[0]);
  const memories = await memory.listMemories(store.id, { path_prefix: options.prefix });
  if (options.json) return writeJson(stdout, memories);
  if (memories.length === 0) {
    stdout.write(`no memories in ${store.id}${options.prefix ? ` under ${options.prefix}` : ''}\n`);
    return ExitCode.ok;
  }
  const rows = memories.map((item) => [
    item.path,
    formatCount(item.content_size_bytes),
    item.content_sha256.slice(0, SHA_PREFIX_LENGTH),
    item.memory_version_id,
    formatLocalTime(new Date(item.updated_at)),
  ]);
  stdout.write(lines(formatColumns([['PATH', 'BYTES', 'SHA256', 'VERSION', 'UPDATED'], ...rows], new Set([1]))));
  return ExitCode.ok;
};

/**
 * The content alone goes to stdout, so `lucid memory show s /a.md > a.md` round-trips; the details to stderr, on
 * a line of their own even when the content does not end with a newline (both reach the same terminal).
 */
const showCommand: Command = async (args, { stdout, stderr }) => {
  const { positionals, options } = parseCommandArguments('memory show', args, { json: { type: 'boolean' } }, [
    'store',
    'path',
  ]);
  const memory = openMemory();
  const store = await resolveStore(memory, positionals[0]);
  const item = await memory.getMemoryByPath(store.id, positionals[1]);
  if (options.json) return writeJson(stdout, item);
  const content = item.content ?? '';
  stdout.write(content);
  const separator = content === '' || content.endsWith('\n') ? '' : '\n';
  stderr.write(`${separator}${describeMemory(item)}\n`);
  return ExitCode.ok;
};

const WRITE_OPTIONS = {
  file: { type: 'string' },
  content: { type: 'string' },
  'expect-sha': { type: 'string' },
  by: { type: 'string' },
} as const;

const writeCommand: Command = async (args, { stdout, stdin }) => {
  const { positionals, options } = parseCommandArguments('memory write', args, WRITE_OPTIONS, ['store', 'path']);
  const [storeArgument, memoryPath] = positionals;
  const actor = userActor(options.by);
  const content = await readContentOption(options, stdin);
  const memory = openMemory();
  const store = await resolveStore(memory, storeArgument);
  const before = await memoryAtPath(memory, store.id, memoryPath);
  const expected = expectedSha(options['expect-sha'], memoryPath, before);
  const written = await memory.writeMemory(
    store.id,
    { path: memoryPath, content, expected_content_sha256: expected },
    actor,
  );
  const what =
    before === null ? 'created' : before.memory_version_id === written.memory_version_id ? 'unchanged' : 'modified';
  stdout.write(`${what} ${describeMemory(written)}\n`);
  return ExitCode.ok;
};

/** Shortest hash prefix `--expect-sha` accepts in place of the whole hash. */
const MIN_SHA_PREFIX_LENGTH = 8;

/**
 * The whole hash for `--expect-sha`. A prefix (as `ls` and `show` print) stands for the current hash when that
 * starts with it; the store then checks the whole hash, so a change between this read and the write is still
 * caught. Anything else goes to the store as given, which explains what a hash must look like.
 */
function expectedSha(option: string | undefined, memoryPath: string, current: Memory | null): string | undefined {
  const isPrefix = option !== undefined && new RegExp(`^[0-9a-f]{${MIN_SHA_PREFIX_LENGTH},63}$`).test(option);
  if (!isPrefix) return option;
  if (current?.content_sha256.startsWith(option)) return current.content_sha256;
  const actual = current === null ? 'no such memory exists' : `its content_sha256 is ${current.content_sha256}`;
  throw new CliError(
    `Precondition failed for memory ${JSON.stringify(memoryPath)}: expected content_sha256 starting with ${option}, ` +
      `but ${actual}. It changed since you read it; read it again and reapply your change.`,
    ExitCode.failed,
  );
}

/** `--content TEXT` or `--file FILE` (`-` for standard input), exactly one. */
async function readContentOption(
  options: { file?: string; content?: string },
  stdin: CommandContext['stdin'],
): Promise<string> {
  if ((options.file === undefined) === (options.content === undefined)) {
    throw new CommandUsageError('give the content with exactly one of --file FILE or --content TEXT', 'memory write');
  }
  if (options.content !== undefined) return options.content;
  const file = options.file as string;
  if (file === '-') return readAll(stdin ?? process.stdin);
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(
      `cannot read --file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      ExitCode.usage,
    );
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

const historyCommand: Command = async (args, { stdout }) => {
  const { positionals, options } = parseCommandArguments(
    'memory history',
    args,
    { limit: { type: 'string' }, json: { type: 'boolean' } },
    ['store', 'path?'],
  );
  const [storeArgument, memoryPath] = positionals;
  const limit =
    options.limit === undefined
      ? DEFAULT_HISTORY_LIMIT
      : parseIntegerOption('memory history', 'limit', options.limit, { min: 1, max: 100_000 });
  const memory = openMemory();
  const store = await resolveStore(memory, storeArgument);
  const versions = (
    memoryPath === undefined ? await memory.listVersions(store.id) : await versionsAtPath(memory, store.id, memoryPath)
  ).slice(0, limit);
  if (options.json) return writeJson(stdout, versions);
  if (versions.length === 0) {
    stdout.write(`no versions in ${store.id}\n`);
    return ExitCode.ok;
  }
  const rows = versions.map((version) => [
    version.id,
    version.operation,
    version.path ?? '(redacted)',
    formatLocalTime(new Date(version.created_at)),
    describeActor(version.created_by),
    version.content_size_bytes === null ? '-' : formatCount(version.content_size_bytes),
    version.content_sha256?.slice(0, SHA_PREFIX_LENGTH) ?? '-',
  ]);
  stdout.write(
    lines(formatColumns([['VERSION', 'OPERATION', 'PATH', 'TIME', 'BY', 'BYTES', 'SHA256'], ...rows], new Set([5]))),
  );
  return ExitCode.ok;
};

/**
 * The versions of the memory at `memoryPath`, newest first. A memory that was deleted or renamed away has no
 * current path, so the versions that had the path name the memories to show.
 */
async function versionsAtPath(
  memory: MemoryStoreRepository,
  storeId: string,
  memoryPath: string,
): Promise<MemoryVersion[]> {
  const current = await memoryAtPath(memory, storeId, memoryPath);
  const all = await memory.listVersions(storeId);
  const memoryIds = new Set(
    current ? [current.id] : all.filter((version) => version.path === memoryPath).map((version) => version.memory_id),
  );
  if (memoryIds.size === 0) {
    throw new CliError(`no memory at ${JSON.stringify(memoryPath)} in ${storeId}, now or before`, ExitCode.notFound);
  }
  return all.filter((version) => memoryIds.has(version.memory_id));
}

const diffCommand: Command = async (args, { stdout, stderr }) => {
  const { positionals } = parseCommandArguments('memory diff', args, {}, ['store', 'version-a', 'version-b']);
  const [storeArgument, firstId, secondId] = positionals;
  const memory = openMemory();
  const store = await resolveStore(memory, storeArgument);
  const [first, second] = await Promise.all([
    memory.getVersion(store.id, firstId),
    memory.getVersion(store.id, secondId),
  ]);
  const diff = unifiedDiff(first.content ?? '', second.content ?? '', {
    oldLabel: versionLabel(first),
    newLabel: versionLabel(second),
  });
  if (diff === '') stderr.write(`${first.id} and ${second.id} have the same content\n`);
  stdout.write(diff);
  return ExitCode.ok;
};

/** `/style.md@memver_…`, or `/dev/null` for a deletion, as diff tools show a file that is not there. */
function versionLabel(version: MemoryVersion): string {
  return version.operation === 'deleted'
    ? `/dev/null (${version.path} deleted in ${version.id})`
    : `${version.path}@${version.id}`;
}

const restoreCommand: Command = async (args, { stdout }) => {
  const { positionals, options } = parseCommandArguments('memory restore', args, { by: { type: 'string' } }, [
    'store',
    'version',
  ]);
  const [storeArgument, versionId] = positionals;
  const actor = userActor(options.by);
  const memory = openMemory();
  const store = await resolveStore(memory, storeArgument);
  const version = await memory.getVersion(store.id, versionId);
  const before = await memory.getMemory(store.id, version.memory_id).catch(nullWhenNotFound);
  const restored = await memory.restoreVersion(store.id, versionId, actor);
  if (before?.memory_version_id === restored.memory_version_id) {
    stdout.write(`unchanged ${describeMemory(restored)}: it already equals ${versionId}\n`);
  } else {
    stdout.write(`restored ${versionId} as ${describeMemory(restored)}\n`);
  }
  return ExitCode.ok;
};

/** `lucid memory <subcommand>`. */
export const memoryCommand: Command = commandGroup('memory', {
  create: createCommand,
  list: listCommand,
  ls: lsCommand,
  show: showCommand,
  write: writeCommand,
  history: historyCommand,
  diff: diffCommand,
  restore: restoreCommand,
});

/** `/style.md (mem_…) · version memver_… · sha256 3f2a… · 12 bytes` */
function describeMemory(item: Memory): string {
  const sha = item.content_sha256.slice(0, SHA_PREFIX_LENGTH);
  return `${item.path} (${item.id}) · version ${item.memory_version_id} · sha256 ${sha} · ${formatCount(item.content_size_bytes)} bytes`;
}

async function memoryAtPath(
  memory: MemoryStoreRepository,
  storeId: string,
  memoryPath: string,
): Promise<Memory | null> {
  return memory.getMemoryByPath(storeId, memoryPath).catch(nullWhenNotFound);
}

function nullWhenNotFound(error: unknown): null {
  if (isMemoryError(error) && error.code === 'not_found_error') return null;
  throw error;
}

function writeJson(stdout: CommandContext['stdout'], value: unknown): typeof ExitCode.ok {
  stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  return ExitCode.ok;
}

function lines(rows: string[]): string {
  return `${rows.join('\n')}\n`;
}
