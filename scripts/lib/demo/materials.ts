/**
 * The words of the demo's story (scripts/demo.ts): the meeting notes the agents work on, what they are asked, and
 * the outcome the grader holds them to. The scripted model's answers (scenarios/demo.json) follow these texts;
 * with ANTHROPIC_API_KEY set, Claude reads the same ones.
 *
 * The rubric is hidden from the agents (`hide_rubric`): it holds the team's convention for due dates, which the
 * task does not spell out. So the first draft is likely to miss it, the grader's feedback teaches it, a dream turns
 * that feedback into a memory, and the last session, which has the memory, gets it right at once.
 */
import type { OutcomeDefinitionInput } from '../../../src/domain/outcome';

/** This week's meetings: the team's workspace in acts 1 and 2. The planning notes have a typo for the checker. */
export const WEEK_NOTES: Readonly<Record<string, string>> = {
  'notes/standup-2024-06-03.md': `# Standup, Monday 3 June

- Ana: finishing the export feature; needs a review from Ben by Wednesday.
- Ben: on call this week; will look into the flaky login test.
- Chris: blocked on the staging database credentials.

Action: Ana sends the export pull request for review today.
Action: Chris asks ops for the staging credentials.
`,
  'notes/planning-2024-06-05.md': `# Planning, Wednesday 5 June

We agreed to ship the export feature in the next release and to recieve feedback from the beta group first.

## Decisions
- Release date: Friday 14 June.
- Ben owns the release checklist.

## Follow-ups
- Ana writes the release notes.
- Chris sets up the beta feedback form.
`,
};

/** The next meeting: the workspace of act 4, after the dream. */
export const RETRO_NOTES: Readonly<Record<string, string>> = {
  'notes/retro-2024-06-07.md': `# Retro, Friday 7 June

Went well: the export feature reached the beta group on time.
To improve: the flaky login test slowed reviews down.

- Ben will quarantine the flaky login test by Tuesday 11 June.
- Ana: add a test for the export edge cases.
- Chris collects the beta feedback and presents it at the planning meeting on Wednesday 12 June.
`,
};

/** The file both outcomes are about. */
export const DELIVERABLE = 'actions.md';

/** Acts 1 and 2: the lead's job, which splits into two independent pieces. */
export const TEAM_TASK =
  "This week's meeting notes are notes/standup-2024-06-03.md and notes/planning-2024-06-05.md. Prepare the team's " +
  'digest: actions.md with every action item (who does what, by when), and the notes proofread.';

/** Act 4: one agent, a new meeting, the same kind of deliverable. */
export const RETRO_TASK =
  'Write actions.md with every action item of notes/retro-2024-06-07.md: who does what, by when.';

const LIST_CRITERION = '- actions.md lists every action item from the notes, each with its owner';
const DATES_CRITERION =
  '- Every action item ends with its due date as YYYY-MM-DD, or "no date" when the notes give none';
const SPELLING_CRITERION = '- The meeting notes have no spelling mistakes';

/** Acts 1 and 2: graded on the digest and the proofreading. */
export const TEAM_OUTCOME: OutcomeDefinitionInput = {
  description: "actions.md with every action item of this week's meetings, and the meeting notes proofread",
  rubric: { type: 'text', content: [LIST_CRITERION, DATES_CRITERION, SPELLING_CRITERION].join('\n') },
  max_iterations: 3,
  hide_rubric: true,
};

/** Act 4: the same convention, on the retro's action items. */
export const RETRO_OUTCOME: OutcomeDefinitionInput = {
  description: 'actions.md with every action item of the retro',
  rubric: { type: 'text', content: [LIST_CRITERION, DATES_CRITERION].join('\n') },
  max_iterations: 3,
  hide_rubric: true,
};

/** What the dream is asked to look for (free text; it must not quote the scripted model's match texts). */
export const DREAM_INSTRUCTIONS =
  'Look for what the grader sent back and what made the revision pass: the team wants that right the first time.';

/** The memory store the dream writes to and the last session reads. */
export const MEMORY_STORE = {
  name: 'Team conventions',
  description: 'How the team wants its digests written; learned from graded sessions by dreaming',
  instructions: 'Conventions learned from earlier sessions: follow them.',
};

/**
 * Act 5's data: five months of sales in four regions, one row per region and month. Generated rather than
 * written out so the numbers look irregular without being random: every run (and the test) sees the same file.
 * Prices are in whole cents, so the test can check the report's sums exactly.
 */
export function salesCsv(): string {
  const regions = ['North', 'South', 'East', 'West'];
  const basePriceCents = [1250, 1475, 1120, 1390];
  const months = ['2024-01', '2024-02', '2024-03', '2024-04', '2024-05'];
  const rows = months.flatMap((month, m) =>
    regions.map((region, r) => {
      const units = 30 + (((m * regions.length + r) * 37 + 11) % 53);
      const priceCents = basePriceCents[r] + 25 * m; // prices creep up month by month
      return `${region},${month},${units},${(priceCents / 100).toFixed(2)}`;
    }),
  );
  return ['region,month,units,price', ...rows].join('\n') + '\n';
}

/** Act 5: the analyst's workspace. */
export const SALES_FILES: Readonly<Record<string, string>> = { 'sales.csv': salesCsv() };

/** The files act 5 asks for. */
export const REPORT_FILES = { markdown: 'report.md', word: 'report.docx' } as const;

/** Act 5: work a text editor cannot do; the analyst has a sandboxed shell with Python 3 and no network. */
export const REPORT_TASK =
  'sales.csv has the sales of January to May 2024 (region, month, units, price). Work out the total revenue, the revenue of each ' +
  'region and the best month, and write them to report.md and to a Word document, report.docx, with a table of ' +
  'the regions. Nothing can be installed, so use Python 3 and its standard library.';

/** Act 6: an agent created over HTTP, with the official SDK, to answer from the memory the dream wrote. */
export const CONCIERGE = {
  name: 'Concierge',
  model: 'claude-sonnet-4-6',
  system:
    'You are Concierge. You answer questions about how the team works from your memory, in one or two ' +
    'sentences, naming the memory you used.',
};

/** Act 6: what the SDK client asks. */
export const CONCIERGE_QUESTION = 'How does the team want the due dates of action items written?';
