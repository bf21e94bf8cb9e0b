/**
 * Model-supplied patterns run in bounded time whatever they are. Each pattern here makes a backtracking engine
 * (V8's RegExp, picomatch's regex output) run for hours over these inputs; through the real tools they come back as
 * a result or a tool error, and a second session on the same worker finishes meanwhile.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { SessionEvent } from '../../src/domain/events';
import { runWorkspaceTool } from '../../src/workspace/tools';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { tempDir } from '../helpers/temporal';

/** 100 kB of 'a' and then '!': every nested quantifier below backtracks exponentially before failing on the '!'. */
const POISON_LINE = `${'a'.repeat(100 * 1024)}!`;
const CATASTROPHIC_REGEXES = [
  '(a+)+$',
  '(a|aa)+$',
  '(.*a){20}',
  '^(\\w+\\s?)*$',
  '(x+x+)+y',
  '^(a|a?)+$',
  '(\\w*)*\\d',
];

/** Short lines next to the poison, on which V8's RegExp is safe: what grep must report is what V8 says. */
const NOTES = ['first line', '', 'aaaa', 'a1', 'xxy', 'last line'];

function poisonedWorkspace(files = 1): string {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-redos-'));
  fs.writeFileSync(path.join(workspace, 'notes.txt'), `${NOTES.join('\n')}\n`);
  for (let n = 0; n < files; n++) fs.writeFileSync(path.join(workspace, `poison-${n}.txt`), `${POISON_LINE}\n`);
  return workspace;
}

/** grep's answer when only the short notes can match: the lines V8's own RegExp matches there. */
function expectedForNotes(pattern: string): string {
  const regex = new RegExp(pattern);
  const hits = NOTES.flatMap((line, index) => (regex.test(line) ? [`notes.txt:${index + 1}:${line}`] : []));
  return hits.length > 0 ? hits.join('\n') : `No matches for /${pattern}/ in the workspace.`;
}

const grep = (workspace: string, pattern: string) => runWorkspaceTool({ workspace, name: 'grep', input: { pattern } });
const listFiles = (workspace: string, pattern: string) =>
  runWorkspaceTool({ workspace, name: 'list_files', input: { pattern } });

describe('grep with catastrophic regular expressions', () => {
  let workspace: string;
  beforeAll(() => {
    workspace = poisonedWorkspace();
  });
  afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

  test.each(CATASTROPHIC_REGEXES.filter((pattern) => pattern !== '(.*a){20}'))(
    '%s finds no match in the 100 kB line, and the same matches as JavaScript in short ones',
    async (pattern) => {
      expect(await grep(workspace, pattern)).toEqual({ is_error: false, content: expectedForNotes(pattern) });
    },
  );

  test('(.*a){20} matches the long line, shown clipped', async () => {
    const outcome = await grep(workspace, '(.*a){20}');
    expect(outcome.is_error).toBe(false);
    expect(outcome.content).toBe(`poison-0.txt:1:${'a'.repeat(500)} [line truncated: 102401 characters]`);
  });

  test('ordinary patterns still match as JavaScript would', async () => {
    expect(await grep(workspace, '^(first|last) line$')).toEqual({
      is_error: false,
      content: 'notes.txt:1:first line\nnotes.txt:6:last line',
    });
    expect((await grep(workspace, 'a!$')).content).toMatch(/^poison-0\.txt:1:a{500} \[line truncated/);
  });

  test.each([
    ['(a+)+\\1', /backreferences such as \\1 are not supported/],
    ['(?<x>a+)\\k<x>', /named backreferences \(\\k<name>\) are not supported/],
    ['(?=(a+))+b', /lookahead assertions such as "\(\?=" are not supported/],
    ['a(?!b)', /lookahead assertions such as "\(\?!" are not supported/],
    ['(?<=(a+))b', /capturing groups inside a lookbehind are not supported/],
    ['((a{100}){100}){100}', /too large to match in linear time/],
    ['x'.repeat(1001), /at most 1000 are accepted/],
  ])('%s is a tool error naming the problem', async (pattern, message) => {
    const outcome = await grep(workspace, pattern);
    expect(outcome.is_error).toBe(true);
    expect(outcome.content).toMatch(message);
  });

  test('a lookbehind without captures runs', async () => {
    expect((await grep(workspace, '(?<=first )line')).content).toBe('notes.txt:1:first line');
  });
});

describe('list_files with catastrophic globs', () => {
  let workspace: string;
  beforeAll(() => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-redos-glob-'));
    fs.writeFileSync(path.join(workspace, `${'a'.repeat(200)}.txt`), '');
    fs.mkdirSync(path.join(workspace, 'a/a/a/a/a/a/a/a/a/a/a/a'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'a/a/a/a/a/a/a/a/a/a/a/a/c'), '');
  });
  afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

  test.each([
    '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b',
    '{a,aa,aaa}*{a,aa,aaa}*{a,aa,aaa}*{a,aa,aaa}*{a,aa,aaa}*b',
    '**/**/**/**/**/**/**/**/**/**/**/**/**/b',
    '**/*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*?*b',
  ])('%s lists nothing, promptly', async (pattern) => {
    expect(await listFiles(workspace, pattern)).toEqual({ is_error: false, content: `No files match "${pattern}".` });
  });

  test('the same shapes still match what they should', async () => {
    expect((await listFiles(workspace, '*a*a*a*a*a*a*a*a*a*a*.txt')).content).toBe(`${'a'.repeat(200)}.txt`);
    expect((await listFiles(workspace, '**/**/**/**/**/c')).content).toBe('a/a/a/a/a/a/a/a/a/a/a/a/c');
  });
});

describe('a catastrophic grep on a shared worker', () => {
  const researcher = (name: string): AgentDefinition => ({
    name,
    model: 'scripted-small',
    system: `${name.toUpperCase()}-SYSTEM`,
    tools: ['grep', 'list_files'],
    max_turns: 3,
    max_tokens: 256,
  });
  const toolUse = (name: string, input: Record<string, string>) => ({ type: 'tool_use' as const, name, input });

  let harness: SessionHarness;
  beforeAll(async () => {
    harness = await startSessionHarness({
      rules: [
        {
          match: { system: 'ATTACKER-SYSTEM', last_user_text: 'Search' },
          times: 1,
          reply: {
            content: [
              ...CATASTROPHIC_REGEXES.map((pattern) => toolUse('grep', { pattern })),
              toolUse('list_files', { pattern: '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b' }),
            ],
          },
        },
        { match: { system: 'ATTACKER-SYSTEM' }, reply: { content: [{ type: 'text', text: 'Searched.' }] } },
        {
          match: { system: 'BYSTANDER-SYSTEM', last_user_text: 'Find' },
          times: 1,
          reply: { content: [toolUse('grep', { pattern: 'needle' })] },
        },
        { match: { system: 'BYSTANDER-SYSTEM' }, reply: { content: [{ type: 'text', text: 'Found it.' }] } },
      ],
    });
  });
  afterAll(async () => harness?.close());

  const toolResults = async (sessionId: string) =>
    (await harness.store.readEvents(sessionId)).filter(
      (event): event is Extract<SessionEvent, { type: 'agent.tool_result' }> => event.type === 'agent.tool_result',
    );

  it('answers every catastrophic call, and the other session finishes meanwhile', async () => {
    const attackerWorkspace = poisonedWorkspace(20);
    const bystanderWorkspace = tempDir('lucid-bystander-');
    fs.writeFileSync(path.join(bystanderWorkspace, 'hay.txt'), 'hay\nneedle in the hay\nhay\n');

    const attacker = await harness.lucid.startSession({
      agent: researcher('attacker'),
      message: 'Search the logs',
      workspace: attackerWorkspace,
    });
    const bystander = await harness.lucid.startSession({
      agent: researcher('bystander'),
      message: 'Find the needle',
      workspace: bystanderWorkspace,
    });

    const [attackerEnd, bystanderEnd] = await Promise.all([
      harness.lucid.result(attacker),
      harness.lucid.result(bystander),
    ]);
    expect(bystanderEnd.final_message).toBe('Found it.');
    expect(await toolResults(bystander)).toEqual([
      expect.objectContaining({
        is_error: false,
        content: [expect.objectContaining({ text: 'hay.txt:2:needle in the hay' })],
      }),
    ]);

    expect(attackerEnd.final_message).toBe('Searched.');
    const results = await toolResults(attacker);
    expect(results).toHaveLength(CATASTROPHIC_REGEXES.length + 1);
    const texts = results.map((result) => result.content[0].text);
    for (const [index, pattern] of CATASTROPHIC_REGEXES.entries()) {
      if (pattern === '(.*a){20}')
        expect(texts[index].split('\n')).toHaveLength(20); // the 20 poison lines
      else expect(texts[index]).toBe(expectedForNotes(pattern));
    }
    expect(texts.at(-1)).toMatch(/^No files match/);
    expect(results.every((result) => !result.is_error)).toBe(true);
  });
});
