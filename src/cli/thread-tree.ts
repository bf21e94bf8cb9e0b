/**
 * A session's thread tree: the session, its threads (sub-agent sessions), their threads when `max_depth` allows
 * more than one level, and so on. Built from snapshots: each session's snapshot lists its threads
 * (`threads[]`, each with the thread's own session id `<lead id>/<sthr_id>`), and each thread's own snapshot gives
 * its freshest status, model requests and tokens, and its own threads.
 *
 * Reading the snapshots is left to the caller (live query or store), so building the tree is testable without
 * Temporal.
 */
import type { SessionSnapshot } from '../domain/events';
import type { ThreadSummary } from '../domain/threads';
import { addUsage, ZERO_USAGE, type Usage } from '../domain/usage';

/** One session in the tree. */
export interface ThreadTreeNode {
  session_id: string;
  /** The `sthr_` id under which its lead knows it; null for the session the tree was asked for. */
  thread_id: string | null;
  agent_name: string;
  /** running, idle or terminated (a session's own status; `rescheduling` is passed on as is). */
  status: string;
  /** Model requests this session made itself (its "turns"). */
  turns: number;
  /** Tokens this session used itself, without those of its threads: the rows of a tree add up to its total. */
  usage: Usage;
  /**
   * `snapshot` when the numbers come from the session's own snapshot; `lead` when it had none yet (a thread
   * still starting) and its lead's summary stands in.
   */
  source: 'snapshot' | 'lead';
  threads: ThreadTreeNode[];
}

/** Reads one session's snapshot (live or stored); null when there is none. */
export type SnapshotReader = (sessionId: string) => Promise<SessionSnapshot | null>;

/**
 * The tree under `root`, reading each thread's snapshot with `read`; threads of one session are read in
 * parallel. A session seen twice (which a well-formed tree never has) is not descended into again.
 */
export async function buildThreadTree(root: SessionSnapshot, read: SnapshotReader): Promise<ThreadTreeNode> {
  return nodeFromSnapshot(root, null, read, new Set([root.session_id]));
}

async function nodeFromSnapshot(
  snapshot: SessionSnapshot,
  summary: ThreadSummary | null,
  read: SnapshotReader,
  seen: Set<string>,
): Promise<ThreadTreeNode> {
  // Snapshots stored before threads existed have no `threads` field.
  const summaries = snapshot.threads ?? [];
  const threads = await Promise.all(summaries.map((child) => childNode(child, read, seen)));
  // Subtracting the summaries of this very snapshot keeps the result consistent, however stale they are.
  const threadsUsage = summaries.reduce((total, child) => addUsage(total, child.usage), ZERO_USAGE);
  return {
    session_id: snapshot.session_id,
    thread_id: summary?.thread_id ?? null,
    // A thread that has not loaded its definition yet reports an empty agent name.
    agent_name: snapshot.agent || summary?.agent_name || '?',
    status: snapshot.status,
    turns: snapshot.turns,
    usage: subtractUsage(snapshot.usage, threadsUsage),
    source: 'snapshot',
    threads,
  };
}

async function childNode(summary: ThreadSummary, read: SnapshotReader, seen: Set<string>): Promise<ThreadTreeNode> {
  if (seen.has(summary.session_id)) return nodeFromSummary(summary);
  seen.add(summary.session_id);
  const snapshot = await read(summary.session_id);
  return snapshot ? nodeFromSnapshot(snapshot, summary, read, seen) : nodeFromSummary(summary);
}

/** A thread known only from its lead's summary; its usage there includes its own threads', unknown here. */
function nodeFromSummary(summary: ThreadSummary): ThreadTreeNode {
  return {
    session_id: summary.session_id,
    thread_id: summary.thread_id,
    agent_name: summary.agent_name,
    status: summary.status,
    turns: summary.turns,
    usage: summary.usage,
    source: 'lead',
    threads: [],
  };
}

/** Field by field, never below zero (summaries and totals are recorded at slightly different moments). */
function subtractUsage(total: Usage, part: Usage): Usage {
  return {
    input_tokens: Math.max(0, total.input_tokens - part.input_tokens),
    output_tokens: Math.max(0, total.output_tokens - part.output_tokens),
    cache_read_input_tokens: Math.max(0, total.cache_read_input_tokens - part.cache_read_input_tokens),
    cache_creation_input_tokens: Math.max(0, total.cache_creation_input_tokens - part.cache_creation_input_tokens),
  };
}

/** Every session below `node`, depth first, in the order their leads created them. */
export function descendants(node: ThreadTreeNode): ThreadTreeNode[] {
  return node.threads.flatMap((thread) => [thread, ...descendants(thread)]);
}
