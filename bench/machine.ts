// What the machine and its processes were doing while a figure was taken: the load average, and (Linux
// only) another process's CPU seconds and peak memory, read from /proc.

import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** The 1, 5 and 15 minute load averages: other work the figures may have shared the cores with. */
export function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** The CPU seconds process `pid` has used (user + system), or undefined where /proc cannot tell. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Process `pid`'s peak resident set (VmHWM) in KiB, or undefined where /proc cannot tell. */
export function highWaterMarkKiB(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** This process's CPU time (user + system) in microseconds, since `since` when given. */
export function cpuInMicroseconds(since?: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(since);
  return user + system;
}
