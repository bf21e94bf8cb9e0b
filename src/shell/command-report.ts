/**
 * What the model is told about a finished command: its output (stdout and stderr interleaved, as the shell
 * printed them), its exit code when it is not 0, and for a command stopped by a limit, which limit it was.
 */
import type { ToolOutcome } from '../workspace/tools';
import { SANDBOX_WORKSPACE } from './bubblewrap';
import type { ShellCallResult } from './shell-pool';
import type { ShellSettings } from './shell-settings';

const SHELL_RESTARTED = `The shell was restarted: the working directory is ${SANDBOX_WORKSPACE} and exported variables are gone.`;

/** Exit statuses of a process the kernel killed for a limit: 128 + SIGXCPU (24) and 128 + SIGXFSZ (25). */
const CPU_LIMIT_STATUS = 152;
const FILE_SIZE_LIMIT_STATUS = 153;

export function describeCommandResult(
  result: ShellCallResult,
  { timeoutMs, settings }: { timeoutMs: number; settings: ShellSettings },
): ToolOutcome {
  const output = result.output.length > 0 ? result.output : '(no output)';
  const report = (is_error: boolean, ...notes: string[]) => ({
    is_error,
    content: [output, ...notes.filter(Boolean)].join('\n\n'),
  });
  switch (result.end) {
    case 'completed':
      if (result.exitCode === 0) return report(false);
      return report(true, `Exit code ${result.exitCode}.`, limitNote(result, settings));
    case 'timeout':
      return report(
        true,
        `The command was killed: it ran past its timeout of ${timeoutMs} ms.`,
        limitNote(result, settings),
        SHELL_RESTARTED,
      );
    case 'output_limit':
      return report(
        true,
        `The command was killed: it printed more than the output limit of ${settings.maxOutputMb} MB. ` +
          'Redirect large output to a file and read parts of it.',
        SHELL_RESTARTED,
      );
    case 'cancelled':
      return report(true, 'The command was interrupted by the user.', SHELL_RESTARTED);
    case 'shell_exited': {
      const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
      return report(true, `The shell ${how}; the next command starts a new one.`, limitNote(result, settings));
    }
  }
}

/**
 * Which sandbox limit a failed command hit: from the sandbox's control group when it has one, else guessed from the
 * exit status or the errors it printed.
 */
function limitNote(result: ShellCallResult, settings: ShellSettings): string {
  if (result.hit.memory)
    return `A process was killed for going over the sandbox's memory limit of ${settings.memoryMb} MB (all its processes together).`;
  if (result.hit.processes)
    return `The sandbox's process limit (${settings.maxProcesses} processes and threads) was reached.`;
  if (result.exitCode === CPU_LIMIT_STATUS || result.signal === 'SIGXCPU')
    return `A process was killed for using more than the CPU time limit of ${settings.cpuSeconds} s.`;
  if (result.exitCode === FILE_SIZE_LIMIT_STATUS || result.signal === 'SIGXFSZ')
    return `A process was killed for writing a file larger than the limit of ${settings.maxFileMb} MB.`;
  if (/Resource temporarily unavailable|fork: retry|Cannot fork/i.test(result.output))
    return `The sandbox's process limit (${settings.maxProcesses} processes and threads) was reached.`;
  if (/MemoryError|Cannot allocate memory|out of memory|bad_alloc/i.test(result.output))
    return `A process ran out of memory: each may use at most ${settings.memoryMb} MB of address space.`;
  if (/No space left on device/i.test(result.output))
    return `A disk filled up: /tmp holds at most ${settings.tmpMb} MB.`;
  return '';
}
