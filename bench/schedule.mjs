// Bench: next occurrence with a time zone, ours against cron-parser and croner, same expressions, same run.
// Each library steps through consecutive occurrences from a fixed instant; we report the median ns/op.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CronExpressionParser } from 'cron-parser';
import { Cron } from 'croner';
import { compileEntry } from '../dist/schedule/compile.js';
import { validateEntry, validateSchedules } from '../dist/schedule/index.js';

const CASES = [
  ['0 18 * * 1-5', 'America/Los_Angeles'],
  ['*/5 * * * 1-5', 'America/Los_Angeles'],
  ['30 8 1,15 * *', 'Europe/Berlin'],
  ['0 9 * * MON#2', 'Australia/Sydney'],
];
const FROM = Date.parse('2026-01-01T00:00:00Z');

function measure(label, steps, makeStepper) {
  const samples = [];
  for (let round = 0; round < 9; round++) {
    const step = makeStepper();
    const started = process.hrtime.bigint();
    for (let i = 0; i < steps; i++) step();
    samples.push(Number(process.hrtime.bigint() - started) / steps);
  }
  samples.sort((a, b) => a - b);
  return { label, nsPerOp: samples[Math.floor(samples.length / 2)] };
}

function ours(expression, timeZone) {
  const compiled = compileEntry(
    validateEntry({ triggerType: 'Cron', action: 'Stop', cron: { expression, timeZone } }),
  );
  compiled.next(FROM, FROM); // warm the zone's transition table once, as a long-lived host would
  return () => {
    let at = FROM;
    return () => {
      at = compiled.next(at, FROM);
    };
  };
}

function cronParser(expression, timeZone) {
  return () => {
    const it = CronExpressionParser.parse(expression, { currentDate: new Date(FROM), tz: timeZone });
    return () => it.next();
  };
}

function croner(expression, timeZone) {
  return () => {
    const job = new Cron(expression, { timezone: timeZone, paused: true });
    let at = new Date(FROM);
    return () => {
      at = job.nextRun(at);
    };
  };
}

export function runScheduleBench() {
  const rows = [];
  for (const [expression, zone] of CASES) {
    const mine = measure('compute-scheduler', 20_000, ours(expression, zone));
    const parser = measure('cron-parser', 300, cronParser(expression, zone));
    const cr = measure('croner', 2_000, croner(expression, zone));
    rows.push({ expression, zone, ours: mine.nsPerOp, cronParser: parser.nsPerOp, croner: cr.nsPerOp });
  }
  return rows;
}

export function printScheduleBench(rows) {
  const fmt = (ns) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
  console.log('\n## Next occurrence with a time zone (median of 9 rounds, consecutive occurrences)\n');
  console.log(
    '| expression | zone | compute-scheduler | croner | cron-parser | × vs croner | × vs cron-parser |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| \`${r.expression}\` | ${r.zone} | ${fmt(r.ours)} | ${fmt(r.croner)} | ${fmt(r.cronParser)} | ${(r.croner / r.ours).toFixed(1)}× | ${(r.cronParser / r.ours).toFixed(1)}× |`,
    );
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const m = median(rows.map((r) => r.ours));
  console.log(`\nmedian across expressions: ${fmt(m)} per next occurrence`);
}

// Whole-process time of `preview --count 300000` of every five minutes on weekdays, Pacific Standard Time.
export function runPreviewProcessBench() {
  const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  const schedule = JSON.stringify({
    triggerType: 'Cron',
    action: 'Stop',
    cron: { expression: '*/5 * * * 1-5', timeZone: 'Pacific Standard Time' },
  });
  const args = [
    cli,
    'preview',
    '--schedule',
    schedule,
    '--from',
    '2026-11-25T00:00:00Z',
    '--count',
    '300000',
  ];
  const times = [];
  let lines = 0;
  for (let i = 0; i < 5; i++) {
    const started = process.hrtime.bigint();
    const out = execFileSync(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    lines = out.toString().split('\n').length - 1;
  }
  times.sort((a, b) => a - b);
  const baseline = [];
  for (let i = 0; i < 5; i++) {
    const started = process.hrtime.bigint();
    execFileSync(process.execPath, ['-e', '0']);
    baseline.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  baseline.sort((a, b) => a - b);
  return { medianMs: times[2], lines, nodeStartupMs: baseline[2] };
}

export function printPreviewProcessBench(result) {
  console.log(
    '\n## `compute-scheduler preview --count 300000` (`*/5 * * * 1-5`, Pacific Standard Time), whole process\n',
  );
  console.log('| median of 5 | lines printed | bare `node -e 0` start-up |');
  console.log('|---|---|---|');
  console.log(
    `| ${result.medianMs.toFixed(0)} ms | ${result.lines} | ${result.nodeStartupMs.toFixed(0)} ms |`,
  );
}

// The registration check of a whole document (fields, never-fires, Start/Stop clashes), which every PUT and
// preview runs: in-process median once warm, and the CPU of the first check in a fresh process (the zones'
// offsets are worked out then).
const NOW = Date.parse('2026-03-01T00:00:00Z');
const minuteRecurrence = (action, interval, timeZone, startTime) => ({
  triggerType: 'Recurrence',
  action,
  recurrence: { frequency: 'Minute', interval, timeZone, startTime },
});
const cronEntry = (action, expression, timeZone) => ({
  triggerType: 'Cron',
  action,
  cron: { expression, timeZone },
});
const CHECK_DOCUMENTS = [
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

function checkOnce(entries) {
  try {
    validateSchedules({ computeStartStop: entries }, { now: NOW });
    return 'accepted';
  } catch (error) {
    if (!error.errors) throw error;
    return 'refused';
  }
}

export function runConflictCheckBench() {
  const index = fileURLToPath(new URL('../dist/schedule/index.js', import.meta.url));
  return CHECK_DOCUMENTS.map(([label, entries]) => {
    const outcome = checkOnce(entries);
    const samples = [];
    for (let round = 0; round < 9; round++) {
      const started = process.hrtime.bigint();
      checkOnce(entries);
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    samples.sort((a, b) => a - b);
    const cold = [];
    for (let round = 0; round < 3; round++) {
      const script = `import(${JSON.stringify(index)}).then((m) => { const before = process.cpuUsage();
        try { m.validateSchedules({ computeStartStop: ${JSON.stringify(entries)} }, { now: ${NOW} }); } catch {}
        const used = process.cpuUsage(before); console.log((used.user + used.system) / 1000); });`;
      cold.push(Number(execFileSync(process.execPath, ['--input-type=module', '-e', script]).toString()));
    }
    cold.sort((a, b) => a - b);
    return { label, outcome, warmMs: samples[4], coldCpuMs: cold[1] };
  });
}

export function printConflictCheckBench(rows) {
  console.log('\n## Registration check of a whole document (`validateSchedules`, clashes included)\n');
  console.log('| document | outcome | warm, median of 9 | first in a fresh process, CPU (median of 3) |');
  console.log('|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.label} | ${r.outcome} | ${r.warmMs.toFixed(2)} ms | ${r.coldCpuMs.toFixed(1)} ms |`);
  }
}
