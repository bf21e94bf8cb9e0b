/**
 * Workflow code must stay deterministic and bundle-safe: no Node built-ins, and activities (which pull in the
 * SDK and the filesystem) only as types. Temporal's bundler would refuse some of this at start-up; this says so
 * at test time, with the file and line.
 */
import fs from 'node:fs';
import path from 'node:path';

const workflowsDir = path.resolve(__dirname, '..', '..', 'src', 'workflows');

function importsOf(file: string): Array<{ line: number; text: string; source: string; typeOnly: boolean }> {
  const text = fs.readFileSync(file, 'utf8');
  const imports = [...text.matchAll(/^import\s+(type\s+)?[\s\S]*?from\s+'([^']+)';/gm)];
  return imports.map((match) => ({
    line: text.slice(0, match.index).split('\n').length,
    text: match[0],
    source: match[2],
    typeOnly: Boolean(match[1]),
  }));
}

describe('workflow modules', () => {
  const files = fs.readdirSync(workflowsDir).filter((name) => name.endsWith('.ts'));

  it.each(files)('%s imports no Node built-ins and activities only as types', (name) => {
    const problems = importsOf(path.join(workflowsDir, name))
      .filter(
        ({ source, typeOnly }) =>
          source.startsWith('node:') ||
          ['fs', 'path', 'crypto', 'os', 'child_process'].includes(source) ||
          source === '@anthropic-ai/sdk' ||
          (!typeOnly && /\/(activities|storage|memory\/fs-|workspace|dreams|outcomes)\b/.test(source)),
      )
      .map(({ line, source }) => `${name}:${line} imports ${source}`);
    expect(problems).toEqual([]);
  });
});
