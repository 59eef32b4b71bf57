// Bench: next occurrence with a time zone, ours against cron-parser and croner, same expressions, same run.
// Each library steps through consecutive occurrences from a fixed instant; we report the median ns/op.

import { CronExpressionParser } from 'cron-parser';
import { Cron } from 'croner';
import { compileEntry } from '../dist/schedule/compile.js';
import { validateEntry } from '../dist/schedule/index.js';

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
