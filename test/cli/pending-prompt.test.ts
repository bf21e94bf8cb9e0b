/**
 * `lucid run`'s prompt for the calls a session waits on (src/cli/pending-prompt.ts), over real streams: answers
 * typed into a PassThrough as a terminal would deliver them, questions read from what it wrote. The answers go
 * to a recorder standing in for the session, which may refuse one as the session would.
 */
import { PassThrough } from 'node:stream';
import type { PendingCall } from '../../src/client';
import { terminalConversation } from '../../src/cli/conversation';
import type { ConfirmationDecision } from '../../src/cli/pending-answers';
import { promptForPendingCalls, type PendingCallAnswers } from '../../src/cli/pending-prompt';

const SESSION = 'sesn_prompt';
const write: PendingCall = {
  event_id: 'sevt_write',
  kind: 'tool_confirmation',
  name: 'write',
  input: { file_path: '/workspace/a.md', content: 'alpha' },
  evaluation: { type: 'always_ask' },
};
const bash: PendingCall = {
  event_id: 'sevt_bash',
  kind: 'tool_confirmation',
  name: 'bash',
  input: { command: 'rm -rf /workspace/scratch' },
  evaluation: {
    type: 'auto',
    evaluated_permission: { type: 'ask', reason_code: 'indeterminate' },
    reason: 'the judge failed: \u001b[31mtimeout',
  },
};
const lookup: PendingCall = {
  event_id: 'sevt_lookup',
  kind: 'custom_tool_result',
  name: 'lookup',
  input: { id: 'T-1' },
};

/** Types `lines` (null: Ctrl-D) into a conversation over streams and runs the prompt on `calls`. */
async function prompt(calls: PendingCall[], lines: Array<string | null>, refuse: Set<string> = new Set()) {
  const input = new PassThrough();
  let output = '';
  const conversation = terminalConversation(input, { write: (text: string) => (output += text) });
  for (const line of lines) {
    if (line === null) input.end();
    else input.write(`${line}\n`);
  }
  const sent: Array<{ id: string; decision?: ConfirmationDecision; text?: string }> = [];
  const answers: PendingCallAnswers = {
    async confirm(call, decision) {
      if (refuse.has(call.event_id)) return `${call.event_id} has been answered already; nothing was changed`;
      sent.push({ id: call.event_id, decision });
      return null;
    },
    async sendResult(call, text) {
      sent.push({ id: call.event_id, text });
      return null;
    },
  };
  try {
    const outcome = await promptForPendingCalls(SESSION, calls, conversation, answers);
    return { outcome, sent, output };
  } finally {
    conversation.close();
  }
}

describe("lucid run's prompt for pending calls", () => {
  it('allows, denies with a message and sends a result, asking again after an answer it does not know', async () => {
    const { outcome, sent, output } = await prompt(
      [write, bash, lookup],
      ['maybe', 'allow extra', 'a', 'deny   not that   folder ', 'T-1 is open'],
    );
    expect(sent).toEqual([
      { id: 'sevt_write', decision: { result: 'allow' } },
      { id: 'sevt_bash', decision: { result: 'deny', deny_message: 'not that   folder' } },
      { id: 'sevt_lookup', text: 'T-1 is open' },
    ]);
    expect(outcome).toEqual({ answered: ['sevt_write', 'sevt_bash', 'sevt_lookup'], left: [], inputEnded: false });
    expect(output.split('allow, deny [message] or skip? [a/d/s] ')).toHaveLength(5); // asked 3 times, then once
    expect(output.match(/please answer a \(allow\), d \(deny\)/g)).toHaveLength(2);
    expect(output).toContain('[1/3] write (sevt_write) asks for your confirmation (always_ask)\n');
    expect(output).toContain('    "file_path": "/workspace/a.md",\n');
    // The judge's reason is the model's text: its control characters never reach the terminal.
    expect(output).toContain('(auto, the judge asks: the judge failed: ·[31mtimeout)');
    expect(output).toContain('[3/3] lookup (sevt_lookup) is a custom tool: its result is yours to give\n');
    expect(output).toContain('result for lookup (one line; empty to skip): ');
  });

  it('leaves a skipped call pending and says how to answer it', async () => {
    const { outcome, sent, output } = await prompt([lookup, write], ['  ', 's']);
    expect(sent).toEqual([]);
    expect(outcome).toEqual({ answered: [], left: [lookup, write], inputEnded: false });
    expect(output).toContain(
      `left pending; answer it later: lucid tool-result ${SESSION} sevt_lookup --content "..."\n`,
    );
    expect(output).toContain(`left pending; answer it later: lucid approve|deny ${SESSION} sevt_write\n`);
  });

  it('leaves the calls not answered yet pending when the input ends, and lists them', async () => {
    const { outcome, sent, output } = await prompt([write, bash, lookup], ['d', null]);
    expect(sent).toEqual([{ id: 'sevt_write', decision: { result: 'deny' } }]);
    expect(outcome).toEqual({ answered: ['sevt_write'], left: [bash, lookup], inputEnded: true });
    expect(output).toContain(
      `input ended; left pending:\n  sevt_bash  bash command="rm -rf /workspace/scratch"  ·  lucid approve|deny ${SESSION} sevt_bash\n`,
    );
    expect(output).toContain(
      `  sevt_lookup  lookup id="T-1"  ·  lucid tool-result ${SESSION} sevt_lookup --content "..."\n`,
    );
  });

  it('shows a refusal and goes on with the next call', async () => {
    const { outcome, output } = await prompt([write, lookup], ['a', 'closed'], new Set(['sevt_write']));
    expect(outcome).toEqual({ answered: ['sevt_lookup'], left: [], inputEnded: false });
    expect(output).toContain('not answered: sevt_write has been answered already; nothing was changed\n');
    expect(output).toContain('result sent\n');
  });

  it('bounds the preview of a large input', async () => {
    const big: PendingCall = { ...write, input: { file_path: 'big.md', content: 'x'.repeat(5_000) } };
    const { output } = await prompt([big], ['s']);
    const preview = output.split('\n').filter((line) => line.startsWith('    '));
    expect(preview.join('\n').length).toBeLessThan(1_000);
    expect(output).toMatch(/… \d+ more characters of input\n/);
  });
});
