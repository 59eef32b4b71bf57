// Sums up a `simulate` report of many pools: node-hours against the oracle and always-on, sessions
// interrupted, waits, and each subscription's ARM reads and writes against its budget. Only what the report
// measured: nothing is scaled up or estimated.
//   node dist/toolkit/cli/main.js simulate --scenario pools.json > report.json
//   node scripts/pool-summary.mjs report.json
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  process.stderr.write('pool-summary: usage: node scripts/pool-summary.mjs <simulate report.json>\n');
  process.exit(2);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const pools = report.pools ?? [];
if (pools.length === 0) {
  process.stderr.write('pool-summary: the report has no pools\n');
  process.exit(2);
}

const sum = (values) => values.reduce((a, b) => a + b, 0);
const round = (n) => Math.round(n * 100) / 100;
/** The p-th percentile by nearest rank of the values that are there (null when none are). */
function percentile(values, p) {
  const present = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b);
  if (present.length === 0) return null;
  return present[Math.min(present.length - 1, Math.max(0, Math.ceil((p / 100) * present.length) - 1))];
}

/** The p-th percentile across pools of one figure of each pool's waits, e.g. `demandWaitSeconds` `max`. */
const acrossPools = (waits, figure, p) =>
  percentile(
    pools.map((pool) => pool[waits][figure]),
    p,
  );

const nodeHours = sum(pools.map((p) => p.nodeHours));
const oracle = sum(pools.map((p) => p.oracleNodeHours));
const alwaysOn = sum(pools.map((p) => p.alwaysOnNodeHours));
const summary = {
  pools: pools.length,
  nodeHours: round(nodeHours),
  oracleNodeHours: round(oracle),
  alwaysOnNodeHours: round(alwaysOn),
  overOraclePercent: oracle > 0 ? round((nodeHours / oracle - 1) * 100) : null,
  savedAgainstAlwaysOnPercent: alwaysOn > 0 ? round((1 - nodeHours / alwaysOn) * 100) : null,
  interruptedSessions: sum(pools.map((p) => p.interruptedSessions)),
  idleAboveFloorMinutes: sum(pools.map((p) => p.idleAboveFloorMinutes)),
  poolsWithAWait: pools.filter((p) => p.demandWaitSeconds.max !== null).length,
  // Per pool the report has p50, p99 and max of its waits; across pools: their median and the worst.
  demandWaitSeconds: {
    medianOfPoolP50: acrossPools('demandWaitSeconds', 'p50', 50),
    p99OfPoolMax: acrossPools('demandWaitSeconds', 'max', 99),
    max: acrossPools('demandWaitSeconds', 'max', 100),
  },
  connectToRunningSeconds: {
    medianOfPoolP50: acrossPools('connectToRunningSeconds', 'p50', 50),
    max: acrossPools('connectToRunningSeconds', 'p99', 100),
  },
  armReads: sum(pools.map((p) => p.armReads)),
  armWrites: sum(pools.map((p) => p.armWrites)),
  armReadsPerRoundMean: round(sum(pools.map((p) => p.armReadsPerRound)) / pools.length),
  armPerSubscription: report.armPerSubscription ?? null,
  runs: report.runs,
  duplicates: report.duplicates,
};
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
