// Bench: next occurrence with a time zone, ours against cron-parser and croner, same expressions, same run.
// Each library steps through consecutive occurrences from a fixed instant; we report the median ns/op.

import { CronExpressionParser } from 'cron-parser';
import { Cron } from 'croner';
import { compileEntry } from '../src/schedule/compile.js';
import { validateEntry } from '../src/schedule/index.js';
import { median } from './stats.js';

const CASES: [expression: string, zone: string][] = [
  ['0 18 * * 1-5', 'America/Los_Angeles'],
  ['*/5 * * * 1-5', 'America/Los_Angeles'],
  ['30 8 1,15 * *', 'Europe/Berlin'],
  ['0 9 * * MON#2', 'Australia/Sydney'],
];
const FROM = Date.parse('2026-01-01T00:00:00Z');

/** Makes a fresh stepper; each call of a stepper moves to the next occurrence. */
type StepperFactory = () => () => void;

export interface NextOccurrenceRow {
  expression: string;
  zone: string;
  ours: number;
  cronParser: number;
  croner: number;
}

/** Median ns per step over 9 rounds of `steps` steps, each round from a fresh stepper. */
function measure(steps: number, makeStepper: StepperFactory): number {
  const samples: number[] = [];
  for (let round = 0; round < 9; round++) {
    const step = makeStepper();
    const started = process.hrtime.bigint();
    for (let i = 0; i < steps; i++) step();
    samples.push(Number(process.hrtime.bigint() - started) / steps);
  }
  return median(samples);
}

function ours(expression: string, timeZone: string): StepperFactory {
  const compiled = compileEntry(
    validateEntry({ triggerType: 'Cron', action: 'Stop', cron: { expression, timeZone } }),
  );
  compiled.next(FROM, FROM); // warm the zone's transition table once, as a long-lived host would
  return () => {
    let at: number | undefined = FROM;
    return () => {
      at = compiled.next(at ?? FROM, FROM);
    };
  };
}

function cronParser(expression: string, timeZone: string): StepperFactory {
  return () => {
    const it = CronExpressionParser.parse(expression, { currentDate: new Date(FROM), tz: timeZone });
    return () => void it.next();
  };
}

function croner(expression: string, timeZone: string): StepperFactory {
  return () => {
    const job = new Cron(expression, { timezone: timeZone, paused: true });
    let at: Date | null = new Date(FROM);
    return () => {
      at = job.nextRun(at ?? new Date(FROM));
    };
  };
}

export function runNextOccurrenceBench(): NextOccurrenceRow[] {
  return CASES.map(([expression, zone]) => ({
    expression,
    zone,
    ours: measure(20_000, ours(expression, zone)),
    cronParser: measure(300, cronParser(expression, zone)),
    croner: measure(2_000, croner(expression, zone)),
  }));
}

export function printNextOccurrenceBench(rows: NextOccurrenceRow[]): void {
  const fmt = (ns: number) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
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
  console.log(`\nmedian across expressions: ${fmt(median(rows.map((r) => r.ours)))} per next occurrence`);
}
