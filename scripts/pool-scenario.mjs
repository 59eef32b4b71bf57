// Prints the pool acceptance scenario (toolkit/simulate/pool-scenario.ts): two weeks of a team's pool with
// office-hours bursts, an evening session, a weekend connect and faults on.
//   npm run build && node scripts/pool-scenario.mjs [pools] [seed] [window] > pools.json
// `window` (e.g. 8-18.5) keeps only those Berlin hours of the first day (a Monday), pools starting at 0.
//   node dist/toolkit/cli/main.js simulate --scenario pools.json
import { poolScenario } from '../dist/toolkit/simulate/pool-scenario.js';

const pools = Number(process.argv[2] ?? 1);
const seed = Number(process.argv[3] ?? 1);
const hours = process.argv[4]?.split('-').map(Number);
const window = hours ? { from: hours[0], to: hours[1] } : undefined;
if (window && !(window.from >= 0 && window.to > window.from && window.to <= 24)) {
  process.stderr.write('pool-scenario: window must be FROM-TO in hours, 0 to 24 (e.g. 8-18.5)\n');
  process.exit(2);
}
process.stdout.write(JSON.stringify(poolScenario({ pools, seed, ...(window ? { days: 1, window } : {}) })));
