/**
 * Multiagent threads: a lead agent delegates a task to a roster sub-agent, which runs as a child session (a
 * thread) on the lead's workspace. Pure types and rules shared by the workflows and the model activity.
 */
import { z } from 'zod';
import type { StopReason } from './events';
import type { Usage } from './usage';

export const DELEGATE_TOOL_NAME = 'delegate';

/** Input of the lead's `delegate` tool, validated before anything starts. */
export const DelegateInputSchema = z
  .object({
    agent: z.string().min(1).max(255).describe('Name of the roster agent to hand the task to'),
    task: z.string().min(1).max(100_000).describe('What the sub-agent should do, self-contained'),
    thread: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .describe('Id of an existing thread (sthr_...) to send a follow-up to; it remembers its earlier turns'),
  })
  .strict();
export type DelegateInput = z.infer<typeof DelegateInputSchema>;

/** What a roster agent looks like to the lead (in the delegate tool's description). */
export interface RosterEntry {
  name: string;
  description: string;
  model: string;
}

/** Where a thread sits: set by the lead in its child session's input (not for users to set). */
export const ThreadContextSchema = z
  .object({
    parent_session_id: z.string().min(1),
    thread_id: z.string().min(1),
    /** 1 for the lead's sub-agents. */
    depth: z.number().int().min(1),
    max_depth: z.number().int().min(1),
  })
  .strict();
export type ThreadContext = z.infer<typeof ThreadContextSchema>;

/** A child's report to its lead each time it goes idle or ends (sent by signal). */
export interface ThreadReport {
  thread_id: string;
  /** Agent turns the thread has completed; the lead waits for the one answering its latest message. */
  completed_turns: number;
  status: 'idle' | 'terminated';
  stop_reason: StopReason | null;
  final_message: string | null;
  usage: Usage;
  model_requests: number;
}

export type ThreadStatus = 'running' | 'idle' | 'terminated';

/** One thread as the lead's snapshot and `lucid` show it. */
export interface ThreadSummary {
  thread_id: string;
  session_id: string;
  agent_name: string;
  status: ThreadStatus;
  turns: number;
  usage: Usage;
}

/** Appended to every sub-agent's system prompt: the lead reads only a short final message. */
export const SUBAGENT_NOTE =
  'You are a sub-agent working on a task delegated by a lead agent, in a workspace shared with other agents. ' +
  'Put detailed output in workspace files. End with a short final message (at most a few sentences) that says ' +
  'what you did and which files hold the details; the lead reads only that message.';

/** The lead receives at most this much of a thread's final message. */
export const MAX_THREAD_RESULT_CHARS = 2_000;

export function shortThreadResult(message: string | null): string {
  if (!message) return '(the sub-agent ended without a final message)';
  if (message.length <= MAX_THREAD_RESULT_CHARS) return message;
  return `${message.slice(0, MAX_THREAD_RESULT_CHARS)}\n[truncated: ${message.length} characters; ask the sub-agent to write details to a file]`;
}

/** The child session's workflow id: derived from the lead's, so the tree is readable in the Temporal UI. */
export function threadSessionId(parentSessionId: string, threadId: string): string {
  return `${parentSessionId}/${threadId}`;
}
