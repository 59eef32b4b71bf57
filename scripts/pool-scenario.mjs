// Prints the pool acceptance scenario (toolkit/simulate/pool-scenario.ts): two weeks of a team's pool with
// office-hours bursts, an evening session, a weekend connect and faults on.
//   npm run build && node scripts/pool-scenario.mjs [pools] [seed] > pools.json
//   node dist/toolkit/cli/main.js simulate --scenario pools.json
import { poolScenario } from '../dist/toolkit/simulate/pool-scenario.js';

const pools = Number(process.argv[2] ?? 1);
const seed = Number(process.argv[3] ?? 1);
process.stdout.write(JSON.stringify(poolScenario({ pools, seed })));
