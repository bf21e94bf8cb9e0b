/**
 * Checkers: code, not a model, decides whether a task run passed. A declarative check list runs against the final
 * workspace and the final message; a checker script (node, bounded time and output) may add checks of its own.
 */
import { execFile, type ExecFileException } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { Check, Suite, Task } from './suite';

export interface CheckResult {
  name: string;
  pass: boolean;
  detail?: string;
}

/** The longest a checker script may run; its output is cut at this many bytes. */
export const SCRIPT_TIMEOUT_MS = 20_000;
const SCRIPT_MAX_OUTPUT_BYTES = 1_000_000;

/** Every check of the task, in order: the declarative list, then the script's. */
export async function runChecks(suite: Suite, task: Task, workspace: string, message: string): Promise<CheckResult[]> {
  const results = task.checks.map((check) => runCheck(check, workspace, message));
  if (task.script) results.push(...(await runScript(path.join(suite.dir, task.script), workspace, message)));
  return results;
}

export function checkName(check: Check): string {
  if (check.name) return check.name;
  const target = 'path' in check ? ` ${check.path}` : '';
  const pattern = 'pattern' in check ? ` /${check.pattern}/` : '';
  return `${check.type}${target}${pattern}`;
}

export function runCheck(check: Check, workspace: string, message: string): CheckResult {
  const name = checkName(check);
  switch (check.type) {
    case 'message_matches':
      return { name, pass: new RegExp(check.pattern, 'm').test(message) };
    case 'message_not_matches':
      return { name, pass: !new RegExp(check.pattern, 'm').test(message) };
    case 'file_exists':
      return { name, pass: readWorkspaceFile(workspace, check.path) !== null };
    case 'file_absent':
      return { name, pass: readWorkspaceFile(workspace, check.path) === null };
    case 'file_matches':
    case 'file_not_matches': {
      const content = readWorkspaceFile(workspace, check.path);
      if (content === null) return { name, pass: false, detail: `${check.path} does not exist` };
      const found = new RegExp(check.pattern, 'm').test(content);
      return { name, pass: check.type === 'file_matches' ? found : !found };
    }
  }
}

/** A file's text, or null when it is missing (or not a regular file inside the workspace). */
function readWorkspaceFile(workspace: string, relative: string): string | null {
  const file = path.resolve(workspace, relative);
  if (!file.startsWith(path.resolve(workspace) + path.sep)) return null;
  try {
    const real = fs.realpathSync(file);
    if (!real.startsWith(fs.realpathSync(workspace) + path.sep) || !fs.statSync(real).isFile()) return null;
    return fs.readFileSync(real, 'utf8');
  } catch {
    return null;
  }
}

const ScriptOutputSchema = z.strictObject({
  checks: z.array(
    z.strictObject({ name: z.string().min(1).max(200), pass: z.boolean(), detail: z.string().optional() }),
  ),
});

/**
 * Runs `node SCRIPT WORKSPACE MESSAGE_FILE`; it prints `{"checks": [{name, pass, detail?}]}`. A script that fails,
 * times out or prints anything else is one failed check naming why, so a broken checker never passes a run.
 * `timeoutMs` is the bound (tests shorten it; the harness uses SCRIPT_TIMEOUT_MS).
 */
export async function runScript(
  script: string,
  workspace: string,
  message: string,
  timeoutMs = SCRIPT_TIMEOUT_MS,
): Promise<CheckResult[]> {
  const name = `script ${path.basename(script)}`;
  const messageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-eval-message-'));
  const messageFile = path.join(messageDir, 'message.txt');
  fs.writeFileSync(messageFile, message);
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [script, workspace, messageFile],
        { timeout: timeoutMs, maxBuffer: SCRIPT_MAX_OUTPUT_BYTES, cwd: path.dirname(script) },
        (error, out, err) => (error ? reject(new Error(scriptFailure(error, err, timeoutMs))) : resolve(out)),
      );
    });
    const parsed = ScriptOutputSchema.safeParse(JSON.parse(stdout));
    if (!parsed.success) return [{ name, pass: false, detail: 'the script printed no {"checks": [...]} object' }];
    return parsed.data.checks;
  } catch (error) {
    return [{ name, pass: false, detail: (error as Error).message.slice(0, 500) }];
  } finally {
    fs.rmSync(messageDir, { recursive: true, force: true });
  }
}

/** Why a script failed, in words: node's own message only says "Command failed" when the bound killed it. */
function scriptFailure(error: ExecFileException, stderr: string, timeoutMs: number): string {
  if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return `printed more than ${SCRIPT_MAX_OUTPUT_BYTES} bytes`;
  if (error.killed) return `timed out after ${timeoutMs} ms (killed with ${error.signal ?? 'a signal'})`;
  return `${error.message.split('\n')[0]} ${stderr}`.trim();
}
