/**
 * The demo's closing summary: what each act showed, in one line each, and the Temporal UI page of every workflow
 * it started (the lead, its threads, the dream, the last session, the analyst and the SDK's session), to explore
 * them afterwards.
 */
import fs from 'node:fs';
import path from 'node:path';
import { plural } from '../../../src/cli/text';
import { evaluationResults, type ActSession, type ReportResult, type Story } from './acts';
import { REPORT_FILES } from './materials';

/** `http://localhost:8233/namespaces/default`: the UI's pages for one namespace. */
export function workflowPage(namespaceUrl: string, workflowId: string): string {
  return `${namespaceUrl}/workflows/${encodeURIComponent(workflowId)}`;
}

export function renderSummary({ team, dream, lesson, report, sdk }: Story, namespaceUrl: string): string[] {
  const threads = team.snapshot?.threads ?? [];
  const changes = dream.dream?.changes ?? [];
  const applied = changes.filter((change) => change.status === 'applied').length;
  const acts = [
    `act 1  ${team.sessionId} (coordinator) delegated to ${threads.length} threads: ${threads.map((thread) => thread.agent_name).join(', ') || 'none'}`,
    `act 2  outcome graded ${describeResults(team)}`,
    `act 3  ${dream.dreamId}: ${plural(changes.length, 'change')} proposed, ${applied} approved and applied to ${dream.store.id}`,
    `act 4  ${lesson.sessionId} (scribe) started with ${lesson.memories.length === 1 ? '1 memory' : `${lesson.memories.length} memories`} attached; outcome graded ${describeResults(lesson)}`,
    `act 5  ${report.sessionId} (analyst) ran ${plural(bashCalls(report), 'bash command')} in its sandbox: ${madeFiles(report) || 'no report'}`,
    `act 6  ${sdk.sessionId} (${sdk.agentId}) driven over HTTP by the official SDK: ${plural(sdk.events.length, 'event')} streamed, ${sdk.session.status} when asked`,
  ];
  const pages: Array<[string, string]> = [
    ['lead', team.sessionId],
    ...threads.map((thread): [string, string] => [`thread (${thread.agent_name})`, thread.session_id]),
    ['dream', dream.dreamId],
    ['last session', lesson.sessionId],
    ['analyst', report.sessionId],
    ['SDK session', sdk.sessionId],
  ];
  const width = Math.max(...pages.map(([label]) => label.length));
  return [
    ...acts,
    '',
    'Temporal UI:',
    ...pages.map(([label, id]) => `  ${label.padEnd(width)}  ${workflowPage(namespaceUrl, id)}`),
  ];
}

/** `needs_revision → satisfied`, from the session's evaluation ends. */
function describeResults(act: ActSession): string {
  return evaluationResults(act.events).join(' → ') || 'never';
}

function bashCalls(act: ActSession): number {
  return act.events.filter((event) => event.type === 'agent.tool_use' && event.name === 'bash').length;
}

/** `report.md, report.docx`: the act's files that exist. */
function madeFiles(report: ReportResult): string {
  return Object.values(REPORT_FILES)
    .filter((file) => fs.existsSync(path.join(report.workspace, file)))
    .join(', ');
}
