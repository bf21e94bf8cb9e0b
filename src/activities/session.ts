import fs from 'node:fs/promises';
import path from 'node:path';
import { AgentDefinitionSchema, type AgentDefinition } from '../domain/agent-definition';
import type { SessionEvent, SessionSnapshot } from '../domain/events';
import { describeIssues } from '../domain/session-input';
import type { PromptStore } from '../storage/prompt-store';
import type { SessionStore } from '../storage/session-store';
import { MAX_RUBRIC_CHARS, type Rubric } from '../domain/outcome';
import { resolveInWorkspace, WorkspaceError } from '../workspace/sandbox';
import { mountStoredFile } from '../workspace/mount-file';
import type { FileStore } from '../storage/file-store';
import type { SessionFile } from '../domain/session-input';
import { InvalidAgentError } from '../errors';
import { redactText, secretsFromEnvironment } from '../domain/redact';
import { withActivityBoundary } from './boundary';

export type RubricResolution = { ok: true; text: string } | { ok: false; error: string };

/** Activities for a session's life around the loop: agent lookup, workspace, event log, system prompt, snapshot. */
export function createSessionActivities({
  store,
  prompts,
  files,
  defaultWorkspace,
  agentsDir,
  secrets = secretsFromEnvironment(),
}: {
  store: SessionStore;
  prompts: PromptStore;
  /** Uploaded files, for the `file` resources a session mounts into its workspace. */
  files: FileStore;
  /** The workspace of a session that names none (Storage.defaultWorkspace). */
  defaultWorkspace: (sessionId: string) => string;
  agentsDir: string;
  secrets?: string[];
}) {
  /** Reads `<agentsDir>/<name>.json`. A missing or invalid definition fails the session at once. */
  async function loadAgentDefinition(name: string): Promise<AgentDefinition> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
      throw new InvalidAgentError(`invalid agent name "${name}"`);
    }
    const file = path.join(agentsDir, `${name}.json`);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        const known = (await fs.readdir(agentsDir).catch(() => [] as string[])).filter((n) => n.endsWith('.json'));
        const list = known.map((n) => n.slice(0, -5)).join(', ') || 'none';
        throw new InvalidAgentError(`agent "${name}" not found in ${agentsDir} (known: ${list})`);
      }
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new InvalidAgentError(`${file} is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = AgentDefinitionSchema.safeParse(json);
    if (!parsed.success) {
      throw new InvalidAgentError(`invalid agent definition ${file}: ${describeIssues(parsed.error)}`);
    }
    return parsed.data;
  }

  /**
   * Creates the session's workspace (by default a fresh folder under the data directory) and copies the session's
   * files into it, each at its mount path. Idempotent: a retry makes the same folder and copies the same bytes.
   * A file that cannot be mounted (deleted or expired since the session was created) fails the session's start.
   */
  async function prepareWorkspace({
    sessionId,
    workspace,
    files: mounts = [],
  }: {
    sessionId: string;
    workspace?: string;
    files?: SessionFile[];
  }): Promise<string> {
    const dir = path.resolve(workspace ?? defaultWorkspace(sessionId));
    await fs.mkdir(dir, { recursive: true });
    const root = await fs.realpath(dir);
    for (const mount of mounts) await mountStoredFile(files, mount.file_id, root, mount.mount_path);
    return root;
  }

  async function persistEvents({ sessionId, events }: { sessionId: string; events: SessionEvent[] }): Promise<void> {
    await store.appendEvents(sessionId, events);
  }

  /**
   * Stores the session's system prompt by content and returns its sha-256, which model activities carry instead
   * of the prompt (workflow code cannot hash). Run as a local activity, whose input stays out of history. Redacted
   * first, like everything else Lucid keeps: the model gets the prompt as stored.
   */
  async function storeSystemPrompt({ text }: { text: string }): Promise<string> {
    return prompts.put(redactText(text, secrets));
  }

  async function saveSnapshot(snapshot: SessionSnapshot): Promise<void> {
    await store.saveSnapshot(snapshot);
  }

  /**
   * The rubric text an outcome is graded against. A file rubric is read once, when the outcome is accepted, so
   * the agent cannot change the rubric afterwards by editing the file. Problems come back as a result, not a throw:
   * the outcome then ends as `failed` with the reason.
   */
  async function resolveRubric({
    workspace,
    rubric,
  }: {
    workspace: string;
    rubric: Rubric;
  }): Promise<RubricResolution> {
    if (rubric.type === 'text') return { ok: true, text: rubric.content };
    try {
      const resolved = await resolveInWorkspace(workspace, rubric.path);
      const text = await fs.readFile(resolved.absolute, 'utf8');
      if (text.length > MAX_RUBRIC_CHARS) {
        return {
          ok: false,
          error: `rubric file ${rubric.path} has ${text.length} characters; the limit is ${MAX_RUBRIC_CHARS}`,
        };
      }
      if (text.trim().length === 0) return { ok: false, error: `rubric file ${rubric.path} is empty` };
      return { ok: true, text };
    } catch (error) {
      if (WorkspaceError.isInstance(error) || (error as NodeJS.ErrnoException).code) {
        return { ok: false, error: `rubric file ${rubric.path} cannot be read: ${(error as Error).message}` };
      }
      throw error;
    }
  }

  return withActivityBoundary(
    { loadAgentDefinition, prepareWorkspace, persistEvents, storeSystemPrompt, saveSnapshot, resolveRubric },
    { secrets },
  );
}
