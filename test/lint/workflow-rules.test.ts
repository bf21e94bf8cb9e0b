/**
 * Workflow code must stay deterministic and bundle-safe. The lint override on src/workflows/** (eslint.config.mjs)
 * enforces it; these tests prove the rule fires on planted violations, lets type-only imports through, and finds
 * nothing in the real workflow modules.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const RULE = '@typescript-eslint/no-restricted-imports';

interface LintResult {
  filePath: string;
  messages: Array<{ ruleId: string | null; message: string; line: number }>;
}

const violations: Array<[string, string]> = [
  ["import fs from 'node:fs';\nexport const x = fs;\n", 'no Node built-ins'],
  ["import path from 'path';\nexport const x = path;\n", 'no Node built-ins'],
  ["import Anthropic from '@anthropic-ai/sdk';\nexport const x = Anthropic;\n", 'never import the SDK'],
  ["import { createActivities } from '../activities';\nexport const x = createActivities;\n", 'does I/O'],
  ["import { FsSessionStore } from '../storage/fs-session-store';\nexport const x = FsSessionStore;\n", 'does I/O'],
  ["import { FsMemoryStore } from '../memory/fs-memory-store';\nexport const x = FsMemoryStore;\n", 'does I/O'],
  ["import { gradeOutcome } from '../outcomes/grader';\nexport const x = gradeOutcome;\n", 'does I/O'],
];
const allowed = [
  "import type { Activities } from '../activities';",
  "import { textBlocks } from '../domain/events';",
  'export type A = Activities;',
  'export const b = textBlocks;',
  '',
].join('\n');

/** Every planted snippet gets its own (never existing) file in src/workflows; one ESLint run lints them all. */
function plantedPath(index: number): string {
  return path.join(root, 'src', 'workflows', `planted-${index}.ts`);
}

let setting: unknown;
let results: LintResult[];
beforeAll(() => {
  const snippets = [...violations.map(([code]) => code), allowed].map((code, index) => ({
    code,
    filePath: plantedPath(index),
  }));
  const output = execFileSync(process.execPath, [path.join(__dirname, '..', 'helpers', 'lint-snippets.mjs')], {
    cwd: root,
    input: JSON.stringify({
      cwd: root,
      rule: RULE,
      at: path.join(root, 'src', 'workflows', 'planted.ts'),
      snippets,
      files: ['src/workflows/**/*.ts'],
    }),
    maxBuffer: 64 * 1024 * 1024,
  });
  ({ setting, results } = JSON.parse(output.toString('utf8')) as { setting: unknown; results: LintResult[] });
}, 120_000);

function ruleMessages(filePath: string): string[] {
  const result = results.find((candidate) => candidate.filePath === filePath);
  if (!result) throw new Error(`no lint result for ${filePath}`);
  return result.messages.filter((message) => message.ruleId === RULE).map((message) => message.message);
}

describe('the workflow import rule', () => {
  it('is an error in the project config for src/workflows', () => {
    expect([2, 'error']).toContain(Array.isArray(setting) ? setting[0] : setting);
  });

  it.each(violations.map(([code, reason], index) => [code, reason, index] as const))(
    'rejects %j',
    (_code, reason, index) => {
      const messages = ruleMessages(plantedPath(index));
      expect(messages).toHaveLength(1);
      expect(messages[0]).toContain(reason);
    },
  );

  it('allows type-only imports from I/O modules and value imports from pure modules', () => {
    expect(ruleMessages(plantedPath(violations.length))).toEqual([]);
  });

  it('finds no violation in the real workflow modules', () => {
    const real = results.filter((result) => !path.basename(result.filePath).startsWith('planted-'));
    expect(real.length).toBeGreaterThanOrEqual(5);
    const problems = real.flatMap((result) =>
      result.messages
        .filter((message) => message.ruleId === RULE)
        .map((message) => `${path.relative(root, result.filePath)}:${message.line} ${message.message}`),
    );
    expect(problems).toEqual([]);
  });
});
