/**
 * A thread tree as an aligned table, for `lucid threads`. Pure: the same tree always gives the same text.
 *
 * ```
 * SESSION / THREAD                 AGENT       STATUS      TURNS  TOKENS IN  OUT  CACHED
 * sesn_3kX…                        coordinator running         1      1,210   48       0
 * ├─ sthr_Ab1…                     researcher  running         2      2,480   61   1,100
 * │  └─ sthr_Zq9…                  checker     idle            1        700   12       0
 * └─ sthr_Cd2…                     writer      idle            1        830   40       0
 * 3 threads: 1 running, 2 idle, 0 terminated · 5 turns · tokens in 5,220 · out 161 · cached 1,100
 * ```
 * Each row's tokens are that session's own, so the rows add up to the total on the last line.
 */
import { addUsage, ZERO_USAGE } from '../domain/usage';
import { describeUsage, totalInputTokens } from './render-event';
import { formatCount, formatColumns, plural } from './text';
import { descendants, type ThreadTreeNode } from './thread-tree';

const HEADER = ['SESSION / THREAD', 'AGENT', 'STATUS', 'TURNS', 'TOKENS IN', 'OUT', 'CACHED'];
/** TURNS and the token columns: numbers, right-aligned. */
const NUMBER_COLUMNS: ReadonlySet<number> = new Set([3, 4, 5, 6]);
const THREAD_STATUSES = ['running', 'idle', 'terminated'] as const;

/** The table and the totals line, each line without a trailing newline. */
export function renderThreadTree(root: ThreadTreeNode): string[] {
  const rows = [HEADER, nodeRow(root, root.session_id), ...childRows(root, '')];
  return [...formatColumns(rows, NUMBER_COLUMNS), describeTotals(root)];
}

/** The rows below `node`, each thread id drawn under its lead with box-drawing branches. */
function childRows(node: ThreadTreeNode, indent: string): string[][] {
  return node.threads.flatMap((thread, index) => {
    const last = index === node.threads.length - 1;
    const label = `${indent}${last ? '└─ ' : '├─ '}${thread.thread_id ?? thread.session_id}`;
    return [nodeRow(thread, label), ...childRows(thread, `${indent}${last ? '   ' : '│  '}`)];
  });
}

function nodeRow(node: ThreadTreeNode, label: string): string[] {
  return [
    label,
    node.agent_name,
    node.status,
    formatCount(node.turns),
    formatCount(totalInputTokens(node.usage)),
    formatCount(node.usage.output_tokens),
    formatCount(node.usage.cache_read_input_tokens),
  ];
}

/** `2 threads: 1 running, 0 idle, 1 terminated · 5 turns · tokens in 5,220 · out 161 · cached 1,100` */
function describeTotals(root: ThreadTreeNode): string {
  const threads = descendants(root);
  const everyone = [root, ...threads];
  const turns = everyone.reduce((total, node) => total + node.turns, 0);
  const usage = everyone.reduce((total, node) => addUsage(total, node.usage), ZERO_USAGE);
  const totals = `${plural(turns, 'turn')} · tokens ${describeUsage(usage)}`;
  if (threads.length === 0) return `no threads · ${totals}`;
  const counts = THREAD_STATUSES.map(
    (status) => `${threads.filter((thread) => thread.status === status).length} ${status}`,
  );
  return `${plural(threads.length, 'thread')}: ${counts.join(', ')} · ${totals}`;
}
