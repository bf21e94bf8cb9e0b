/**
 * What the chaos workload's agents do, and what they must have left behind when the run is over. The scripted
 * model plays every agent, the grader and the dreamer; it tells them apart by system prompt or tool, and tells
 * the steps of a session apart by what its request already contains, so any session can be at any step.
 */
import type { AgentDefinition } from '../../../src/domain/agent-definition';
import type { OutcomeDefinitionInput } from '../../../src/domain/outcome';
import type { FaultOptions } from '../../../src/scripted-model/faults';
import type { Rule, Scenario } from '../../../src/scripted-model/scenario';

/** The kinds of session the workload starts. */
export type SessionKind = 'writer' | 'reporter' | 'lead';

const MODEL = 'chaos-model';
const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });
const toolUse = (name: string, input: Record<string, unknown>) => ({
  content: [{ type: 'tool_use' as const, name, input }],
});

// -- The writer: one write_file, then one edit_file per journal entry -------------------------------------------

/**
 * Each entry replaces the `<END>` marker with a line and the marker, so an edit applied twice leaves its line
 * twice, and a repeated write_file would wipe the entries after it: any write not applied exactly once shows.
 */
export const JOURNAL_ENTRIES = 3;
const END = '<END>';
const entryLine = (entry: number) => `[entry ${entry}]`;

export const writerAgent: AgentDefinition = {
  name: 'chaos-writer',
  model: MODEL,
  system: 'CHAOS-WRITER: you keep a journal in the workspace.',
  tools: ['read_file', 'write_file', 'edit_file'],
  max_turns: 10,
  max_tokens: 256,
};
export const WRITER_MESSAGE = 'Start the journal and add the entries.';
export const WRITER_FINAL = `The journal has ${JOURNAL_ENTRIES} entries.`;
export const JOURNAL_FILE = 'journal.md';
export const JOURNAL_CONTENT = [
  '# journal',
  ...Array.from({ length: JOURNAL_ENTRIES }, (_, index) => entryLine(index + 1)),
  END,
  '',
].join('\n');

function writerRules(): Rule[] {
  const system = 'CHAOS-WRITER';
  const rules: Rule[] = [
    { name: 'writer: done', match: { system, request: entryLine(JOURNAL_ENTRIES) }, reply: text(WRITER_FINAL) },
  ];
  for (let entry = JOURNAL_ENTRIES - 1; entry >= 0; entry--) {
    const edit = { path: JOURNAL_FILE, old_string: END, new_string: `${entryLine(entry + 1)}\n${END}` };
    rules.push({
      name: `writer: entry ${entry + 1}`,
      match: { system, request: entry ? entryLine(entry) : '# journal' },
      reply: toolUse('edit_file', edit),
    });
  }
  rules.push({
    name: 'writer: start',
    match: { system },
    reply: toolUse('write_file', { path: JOURNAL_FILE, content: `# journal\n${END}\n` }),
  });
  return rules;
}

// -- The reporter: an outcome that needs one revision -----------------------------------------------------------

export const reporterAgent: AgentDefinition = {
  name: 'chaos-reporter',
  model: MODEL,
  system: 'CHAOS-REPORTER: you write reports.',
  tools: ['read_file', 'write_file', 'edit_file'],
  max_turns: 10,
  max_tokens: 256,
};
export const REPORTER_MESSAGE = 'Write the report.';
const CRITERION = 'The report is marked final';
export const reporterOutcome: OutcomeDefinitionInput = {
  description: 'A report that is marked final',
  rubric: { type: 'text', content: `- ${CRITERION}` },
  max_iterations: 3,
};
export const REPORTER_FINAL = 'Report revised to final.';
export const REPORT_FILE = 'report.md';
export const REPORT_CONTENT = '# Report\nstatus: final-v2\n';
const FEEDBACK = 'CHAOS-FEEDBACK: the report is still a draft.';

function verdict(met: boolean): Rule['reply'] {
  const result = met ? 'satisfied' : 'needs_revision';
  const explanation = met ? 'The report is final.' : FEEDBACK;
  return toolUse('submit_verdict', { result, explanation, criteria: [{ criterion: CRITERION, met, explanation }] });
}

function reporterRules(): Rule[] {
  const system = 'CHAOS-REPORTER';
  return [
    {
      name: 'grader: satisfied',
      match: { tools_include: 'submit_verdict', request: REPORTER_FINAL },
      reply: verdict(true),
    },
    { name: 'grader: needs revision', match: { tools_include: 'submit_verdict' }, reply: verdict(false) },
    { name: 'reporter: revised', match: { system, request: 'final-v2' }, reply: text(REPORTER_FINAL) },
    {
      name: 'reporter: revise',
      match: { system, last_user_text: 'CHAOS-FEEDBACK' },
      reply: toolUse('edit_file', { path: REPORT_FILE, old_string: 'draft-v1', new_string: 'final-v2' }),
    },
    { name: 'reporter: drafted', match: { system, request: 'draft-v1' }, reply: text('Draft written.') },
    {
      name: 'reporter: draft',
      match: { system },
      reply: toolUse('write_file', { path: REPORT_FILE, content: '# Report\nstatus: draft-v1\n' }),
    },
  ];
}

// -- The lead: two scouts in parallel threads, each writing its own file ----------------------------------------

export const SCOUT_DIRECTIONS = ['north', 'south'] as const;
const scoutAgent: AgentDefinition = {
  name: 'chaos-scout',
  description: 'Scouts one direction and writes notes',
  model: MODEL,
  system: 'CHAOS-SCOUT: you scout and take notes.',
  tools: ['write_file'],
  max_turns: 5,
  max_tokens: 256,
};
export const leadAgent: AgentDefinition = {
  name: 'chaos-lead',
  model: MODEL,
  system: 'CHAOS-LEAD: you send scouts out.',
  tools: ['read_file'],
  max_turns: 6,
  max_tokens: 256,
  subagents: [scoutAgent],
};
export const LEAD_MESSAGE = 'Send the scouts out.';
export const LEAD_FINAL = 'Both scouts reported.';
export const scoutFile = (direction: string) => `${direction}.md`;
export const scoutContent = (direction: string) => `notes about ${direction}\n`;

function leadRules(): Rule[] {
  const direction = '{{capture:north|south}}';
  const delegations = SCOUT_DIRECTIONS.map((where) => ({
    type: 'tool_use' as const,
    name: 'delegate',
    input: { agent: scoutAgent.name, task: `Scout the ${where}.` },
  }));
  return [
    {
      name: 'lead: done',
      match: { system: 'CHAOS-LEAD', last_tool_result: 'Scout notes written' },
      reply: text(LEAD_FINAL),
    },
    { name: 'lead: delegate', match: { system: 'CHAOS-LEAD' }, reply: { content: delegations } },
    {
      name: 'scout: done',
      match: { system: 'CHAOS-SCOUT', request: 'notes about' },
      reply: text(`Scout notes written to ${direction}.md.`),
    },
    {
      name: 'scout: write',
      match: { system: 'CHAOS-SCOUT' },
      reply: toolUse('write_file', { path: `${direction}.md`, content: `notes about ${direction}\n` }),
    },
  ];
}

// -- The dream: one lesson, one change that waits for a human ---------------------------------------------------

export const DREAM_MEMORY_PATH = '/chaos/journal.md';
export const DREAM_MEMORY_CONTENT = 'Add one journal entry per turn.';

function dreamRules(): Rule[] {
  const lessons = [{ text: DREAM_MEMORY_CONTENT, kind: 'success_pattern', evidence_seqs: [1] }];
  const changes = [
    {
      op: 'add',
      path: DREAM_MEMORY_PATH,
      content: DREAM_MEMORY_CONTENT,
      rationale: 'Every writer did this.',
      lesson_numbers: [1],
    },
  ];
  return [
    {
      name: 'dream: lessons',
      match: { tools_include: 'record_lessons' },
      reply: toolUse('record_lessons', { lessons }),
    },
    {
      name: 'dream: changes',
      match: { tools_include: 'propose_changes' },
      reply: toolUse('propose_changes', { changes }),
    },
  ];
}

/** The whole script, with the run's faults. */
export function chaosScenario(faults: FaultOptions): Scenario {
  return {
    description: 'Lucid chaos run: writers, reporters with an outcome, leads with threads, and a dream',
    rules: [...dreamRules(), ...reporterRules(), ...leadRules(), ...writerRules()],
    faults,
  };
}
