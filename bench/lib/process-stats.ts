/**
 * What a process uses, read from Linux's /proc: resident memory and CPU time. Benchmarks run the worker as a
 * child process so that these numbers are the worker's own, not shared with the scripted model or the client.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** Resident memory now and at its peak since the process started, in bytes. */
export interface MemoryReading {
  /** VmRSS. */
  rssBytes: number;
  /** VmHWM: the largest VmRSS so far (the kernel keeps it, so no peak between samples is missed). */
  peakRssBytes: number;
}

export function readMemory(pid: number): MemoryReading {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kilobytes = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(match[1]) * 1024;
  };
  return { rssBytes: kilobytes('VmRSS'), peakRssBytes: kilobytes('VmHWM') };
}

let ticksPerSecond: number | undefined;

/** User plus system CPU time the process has used so far, in seconds (all its threads). */
export function readCpuSeconds(pid: number): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const fields = statFields(pid);
  const [utime, stime] = [Number(fields[11]), Number(fields[12])]; // fields 14 and 15 of proc(5)
  return (utime + stime) / ticksPerSecond;
}

/**
 * CPU seconds of a server that forks a process a connection (PostgreSQL): the process, its live children, and
 * the children that already exited (which the kernel adds to the parent's cutime/cstime once reaped).
 */
export function readProcessTreeCpuSeconds(pid: number): number {
  const own = statFields(pid);
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFieldsIfAlive(Number(entry));
    if (fields && Number(fields[1]) === pid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticks / ticksPerSecond;
}

/** The fields of /proc/<pid>/stat after the command name: [0] is proc(5)'s field 3 (state), [1] the ppid. */
function statFields(pid: number): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; the fields after its closing parenthesis do not.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function statFieldsIfAlive(pid: number): string[] | null {
  try {
    return statFields(pid);
  } catch {
    return null; // exited between the listing and the read
  }
}

/** Memory over a stretch of time: resident memory sampled every interval, and the kernel's peak. */
export interface MemoryProfile {
  startBytes: number;
  /** VmHWM at the end: the peak since the process started, so it includes start-up. */
  peakBytes: number;
  endBytes: number;
  /** The mean of the samples taken while sampling (VmRSS). */
  meanBytes: number;
}

/** Samples a process's memory until stopped. */
export class MemorySampler {
  private readonly samples: number[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly start: MemoryReading;

  constructor(
    private readonly pid: number,
    intervalMs = 250,
  ) {
    this.start = readMemory(pid);
    this.samples.push(this.start.rssBytes);
    this.timer = setInterval(() => this.samples.push(readMemory(pid).rssBytes), intervalMs);
    this.timer.unref();
  }

  stop(): MemoryProfile {
    clearInterval(this.timer);
    const end = readMemory(this.pid);
    this.samples.push(end.rssBytes);
    const mean = this.samples.reduce((sum, value) => sum + value, 0) / this.samples.length;
    return { startBytes: this.start.rssBytes, peakBytes: end.peakRssBytes, endBytes: end.rssBytes, meanBytes: mean };
  }
}

/** `123.4 MB` (MiB, as `ps` and `top` count). */
export function formatMegabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
