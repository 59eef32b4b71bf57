// Prints the acceptance scenario of issue 4 (see toolkit/simulate/week-scenario.ts) for the CLI:
//   npm run build && node scripts/week-scenario.mjs 1000 > week.json
//   node dist/toolkit/cli/main.js simulate --scenario week.json
import { weekScenario } from '../dist/toolkit/simulate/week-scenario.js';

process.stdout.write(JSON.stringify(weekScenario(Number(process.argv[2] ?? 1000))));
