// Bench: the whole-process time of `compute-scheduler preview --count 300000` of every five minutes on
// weekdays, Pacific Standard Time, next to a bare `node -e 0`. The CLI is the build's, run as users run it.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { elapsedInMs, median } from './stats.js';

export interface PreviewProcessResult {
  medianMs: number;
  lines: number;
  nodeStartupMs: number;
}

/** Median wall time of 5 runs of `node ...args`, and the last run's output. */
function timeProcess(args: string[]): { medianMs: number; output: string } {
  const times: number[] = [];
  let output = '';
  for (let i = 0; i < 5; i++) {
    const started = process.hrtime.bigint();
    output = execFileSync(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 }).toString();
    times.push(elapsedInMs(started));
  }
  return { medianMs: median(times), output };
}

export function runPreviewProcessBench(): PreviewProcessResult {
  // Compiled with the benches (bench/tsconfig.json): the same tsc output as dist/toolkit/cli/main.js.
  const cli = fileURLToPath(new URL('../toolkit/cli/main.js', import.meta.url));
  const schedule = JSON.stringify({
    triggerType: 'Cron',
    action: 'Stop',
    cron: { expression: '*/5 * * * 1-5', timeZone: 'Pacific Standard Time' },
  });
  const preview = timeProcess([
    cli,
    'preview',
    '--schedule',
    schedule,
    '--from',
    '2026-11-25T00:00:00Z',
    '--count',
    '300000',
  ]);
  const bare = timeProcess(['-e', '0']);
  return {
    medianMs: preview.medianMs,
    lines: preview.output.split('\n').length - 1,
    nodeStartupMs: bare.medianMs,
  };
}

export function printPreviewProcessBench(result: PreviewProcessResult): void {
  console.log(
    '\n## `compute-scheduler preview --count 300000` (`*/5 * * * 1-5`, Pacific Standard Time), whole process\n',
  );
  console.log('| median of 5 | lines printed | bare `node -e 0` start-up |');
  console.log('|---|---|---|');
  console.log(
    `| ${result.medianMs.toFixed(0)} ms | ${result.lines} | ${result.nodeStartupMs.toFixed(0)} ms |`,
  );
}
