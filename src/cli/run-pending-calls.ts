/**
 * What `lucid run` does when the session it watches goes idle waiting on calls (`requires_action`): on a terminal
 * (stdin and stdout both TTYs) it asks about each call (./pending-prompt.ts) and sends the answers as
 * `lucid approve|deny|tool-result` do, decided by "cli"; elsewhere, or once the input has ended, it prints the
 * calls and the commands that answer them. Each call is shown once per run: the idles the session logs while its
 * answers arrive name calls already dealt with.
 */
import type { PendingCall } from '../client';
import type { InputStream } from './command';
import type { Connected } from './connect';
import { terminalConversation, type Conversation } from './conversation';
import { CliError } from './errors';
import type { PrinterStream } from './event-printer';
import { sendConfirmation, sendToolResult } from './pending-answers';
import { listWaitingCalls, promptForPendingCalls, type PendingCallAnswers } from './pending-prompt';

export interface RunPendingCallsOptions {
  connected: Connected;
  sessionId: string;
  stdout: PrinterStream;
  stderr: PrinterStream;
  /** Where answers are read from; only used when it and stdout are terminals. */
  stdin?: InputStream;
}

export class RunPendingCalls {
  /** Calls this run has shown, by event id. */
  private readonly shown = new Set<string>();
  /** Of those, the ones left for someone else to answer (skipped, or shown without a prompt). */
  private readonly left = new Set<string>();
  private conversation?: Conversation & { close(): void };
  private canAsk: boolean;
  private asking = false;

  constructor(private readonly options: RunPendingCallsOptions) {
    this.canAsk = Boolean(options.stdin?.isTTY && options.stdout.isTTY);
  }

  /** For watchSession's `onRequiresAction`: deals with the calls not shown yet; whether any still waits on others. */
  async onRequiresAction(eventIds: string[]): Promise<boolean> {
    const fresh = new Set(eventIds.filter((id) => !this.shown.has(id)));
    if (fresh.size > 0) {
      const calls = (await this.options.connected.lucid.pendingCalls(this.options.sessionId)).filter((call) =>
        fresh.has(call.event_id),
      );
      for (const call of calls) this.shown.add(call.event_id);
      if (calls.length > 0) await (this.canAsk ? this.ask(calls) : this.list(calls));
    }
    return eventIds.some((id) => this.left.has(id));
  }

  /** What Ctrl-C should add to its message: a prompt it cut short leaves its calls pending. */
  ctrlCNote(): string {
    return this.asking ? `the calls are left pending; list them with lucid pending ${this.options.sessionId}\n` : '';
  }

  close(): void {
    this.conversation?.close();
  }

  private list(calls: PendingCall[]): void {
    const { sessionId, stdout } = this.options;
    stdout.write(`waiting for your answer:\n${listWaitingCalls(sessionId, calls)}`);
    for (const call of calls) this.left.add(call.event_id);
  }

  private async ask(calls: PendingCall[]): Promise<void> {
    const { sessionId, stdin, stdout } = this.options;
    this.conversation ??= terminalConversation(stdin!, stdout);
    this.asking = true;
    try {
      const outcome = await promptForPendingCalls(sessionId, calls, this.conversation, this.answers());
      for (const call of outcome.left) this.left.add(call.event_id);
      if (outcome.inputEnded) this.canAsk = false;
      stdout.write('\n');
    } finally {
      this.asking = false;
    }
  }

  private answers(): PendingCallAnswers {
    const { connected, sessionId, stderr } = this.options;
    const target = { connected, sessionId, stderr };
    return {
      confirm: (call, decision) => refusalOf(() => sendConfirmation(target, call.event_id, decision)),
      sendResult: (call, text) => refusalOf(() => sendToolResult(target, call.event_id, { text })),
    };
  }
}

/** Null when `send` succeeds; the session's reason when it refused (a CliError); anything else is thrown. */
async function refusalOf(send: () => Promise<void>): Promise<string | null> {
  try {
    await send();
    return null;
  } catch (error) {
    if (error instanceof CliError) return error.message;
    throw error;
  }
}
