// Bench: the registration check of a whole document (fields, never-fires, Start/Stop clashes), which every
// PUT and preview runs: in-process median once warm, and the CPU of the first check in a fresh process (the
// zones' offsets are worked out then).

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ScheduleValidationError, validateSchedules } from '../src/schedule/index.js';
import { elapsedInMs, median } from './stats.js';

const NOW = Date.parse('2026-03-01T00:00:00Z');

const minuteRecurrence = (action: string, interval: number, timeZone: string, startTime: string) => ({
  triggerType: 'Recurrence',
  action,
  recurrence: { frequency: 'Minute', interval, timeZone, startTime },
});
const cronEntry = (action: string, expression: string, timeZone: string) => ({
  triggerType: 'Cron',
  action,
  cron: { expression, timeZone },
});

const CHECK_DOCUMENTS: [label: string, entries: unknown[]][] = [
  [
    'four Minute recurrences, Pacific and Berlin, across the March change',
    [
      minuteRecurrence('Stop', 2, 'Pacific Standard Time', '2026-03-01T00:00:00'),
      minuteRecurrence('Start', 2, 'Pacific Standard Time', '2026-03-01T00:01:00'),
      minuteRecurrence('Stop', 4, 'W. Europe Standard Time', '2026-03-01T00:00:00'),
      minuteRecurrence('Start', 4, 'W. Europe Standard Time', '2026-03-01T00:03:00'),
    ],
  ],
  [
    'four minute-level cron blocks, Pacific',
    [
      cronEntry('Stop', '* 0-7 * * *', 'Pacific Standard Time'),
      cronEntry('Start', '* 8-11 * * *', 'Pacific Standard Time'),
      cronEntry('Stop', '* 12-17 * * *', 'Pacific Standard Time'),
      cronEntry('Start', '* 18-23 * * *', 'Pacific Standard Time'),
    ],
  ],
  [
    'Stop 18:00 Pacific weekdays, Start 08:00 Berlin Mon/Fri',
    [
      cronEntry('Stop', '0 18 * * 1-5', 'Pacific Standard Time'),
      cronEntry('Start', '0 8 * * 1,5', 'W. Europe Standard Time'),
    ],
  ],
  [
    'Start 29 February 08:00, Stop February Mondays 08:00 (clash in 2044)',
    [cronEntry('Start', '0 8 29 2 *', 'UTC'), cronEntry('Stop', '0 8 * 2 1', 'UTC')],
  ],
];

export interface ConflictCheckRow {
  label: string;
  outcome: 'accepted' | 'refused';
  warmMs: number;
  coldCpuMs: number;
}

function checkOnce(entries: unknown[]): ConflictCheckRow['outcome'] {
  try {
    validateSchedules({ computeStartStop: entries }, { now: NOW });
    return 'accepted';
  } catch (error) {
    if (!(error instanceof ScheduleValidationError)) throw error;
    return 'refused';
  }
}

/** The CPU milliseconds of the first check in a fresh process, which imports the compiled schedule engine. */
function coldCpuMs(entries: unknown[]): number {
  const index = fileURLToPath(new URL('../src/schedule/index.js', import.meta.url));
  const script = `import(${JSON.stringify(index)}).then((m) => { const before = process.cpuUsage();
    try { m.validateSchedules({ computeStartStop: ${JSON.stringify(entries)} }, { now: ${NOW} }); } catch {}
    const used = process.cpuUsage(before); console.log((used.user + used.system) / 1000); });`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script]).toString());
}

export function runConflictCheckBench(): ConflictCheckRow[] {
  return CHECK_DOCUMENTS.map(([label, entries]) => {
    const outcome = checkOnce(entries);
    const warm = Array.from({ length: 9 }, () => {
      const started = process.hrtime.bigint();
      checkOnce(entries);
      return elapsedInMs(started);
    });
    const cold = Array.from({ length: 3 }, () => coldCpuMs(entries));
    return { label, outcome, warmMs: median(warm), coldCpuMs: median(cold) };
  });
}

export function printConflictCheckBench(rows: ConflictCheckRow[]): void {
  console.log('\n## Registration check of a whole document (`validateSchedules`, clashes included)\n');
  console.log('| document | outcome | warm, median of 9 | first in a fresh process, CPU (median of 3) |');
  console.log('|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.label} | ${r.outcome} | ${r.warmMs.toFixed(2)} ms | ${r.coldCpuMs.toFixed(1)} ms |`);
  }
}
