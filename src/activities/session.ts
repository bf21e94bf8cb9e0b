import { ApplicationFailure } from '@temporalio/common';
import fs from 'node:fs/promises';
import path from 'node:path';
import { sessionDirName } from '../storage/fs-session-store';
import { AgentDefinitionSchema, type AgentDefinition } from '../domain/agent-definition';
import type { SessionEvent, SessionSnapshot } from '../domain/events';
import { describeIssues } from '../domain/session-input';
import type { SessionStore } from '../storage/session-store';

/** Activities for a session's life around the loop: agent lookup, workspace, event log, snapshot. */
export function createSessionActivities({
  store,
  dataDir,
  agentsDir,
}: {
  store: SessionStore;
  dataDir: string;
  agentsDir: string;
}) {
  /** Reads `<agentsDir>/<name>.json`. A missing or invalid definition fails the session at once. */
  async function loadAgentDefinition(name: string): Promise<AgentDefinition> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
      throw ApplicationFailure.nonRetryable(`invalid agent name "${name}"`, 'InvalidAgent');
    }
    const file = path.join(agentsDir, `${name}.json`);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        const known = (await fs.readdir(agentsDir).catch(() => [] as string[])).filter((n) => n.endsWith('.json'));
        const list = known.map((n) => n.slice(0, -5)).join(', ') || 'none';
        throw ApplicationFailure.nonRetryable(`agent "${name}" not found in ${agentsDir} (known: ${list})`, 'InvalidAgent');
      }
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw ApplicationFailure.nonRetryable(`${file} is not valid JSON: ${(error as Error).message}`, 'InvalidAgent');
    }
    const parsed = AgentDefinitionSchema.safeParse(json);
    if (!parsed.success) {
      throw ApplicationFailure.nonRetryable(`invalid agent definition ${file}: ${describeIssues(parsed.error)}`, 'InvalidAgent');
    }
    return parsed.data;
  }

  /** Creates the session's workspace (by default a fresh folder under the data directory); idempotent. */
  async function prepareWorkspace({ sessionId, workspace }: { sessionId: string; workspace?: string }): Promise<string> {
    const dir = path.resolve(workspace ?? path.join(dataDir, 'workspaces', sessionDirName(sessionId)));
    await fs.mkdir(dir, { recursive: true });
    return fs.realpath(dir);
  }

  async function persistEvents({ sessionId, events }: { sessionId: string; events: SessionEvent[] }): Promise<void> {
    await store.appendEvents(sessionId, events);
  }

  async function saveSnapshot(snapshot: SessionSnapshot): Promise<void> {
    await store.saveSnapshot(snapshot);
  }

  return { loadAgentDefinition, prepareWorkspace, persistEvents, saveSnapshot };
}
