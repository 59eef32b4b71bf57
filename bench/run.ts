// `npm run bench`: every benchmark of the project, each printing a table of figures and ratios against
// the named peers measured in the same run. Run on an idle machine; figures vary with load.
// `npm run bench -- <name> …` runs some: next, preview, check (`schedule` is all three), registration, due,
// tick, fanout, latency, memory (memory reuses the fan-out's host child when both run).

import { load } from './machine.js';
import type { HostFanoutResult } from './host-fanout.js';

/** Each bench, in the order `npm run bench` runs them. Loaded on demand: most start Azurite or the host. */
const BENCHES: Record<string, (previous: { fanout?: HostFanoutResult }) => Promise<void>> = {
  async next() {
    const { printNextOccurrenceBench, runNextOccurrenceBench } = await import('./next-occurrence.js');
    printNextOccurrenceBench(runNextOccurrenceBench());
  },
  async preview() {
    const { printPreviewProcessBench, runPreviewProcessBench } = await import('./preview-process.js');
    printPreviewProcessBench(runPreviewProcessBench());
  },
  async check() {
    const { printConflictCheckBench, runConflictCheckBench } = await import('./conflict-check.js');
    printConflictCheckBench(runConflictCheckBench());
  },
  async registration() {
    const { printRegistrationBench, runRegistrationBench } = await import('./registration.js');
    printRegistrationBench(await runRegistrationBench());
  },
  async due() {
    const { printDueReadBench, runDueReadBench } = await import('./due-read.js');
    printDueReadBench(await runDueReadBench());
  },
  async tick() {
    const { printTickBench, runTickBench } = await import('./tick.js');
    printTickBench(await runTickBench());
  },
  async fanout(previous) {
    const { printFanoutBench, runFanoutBench } = await import('./fanout.js');
    const result = await runFanoutBench();
    previous.fanout = result;
    printFanoutBench(result);
  },
  async latency() {
    const { printLatencyBench, runLatencyBench } = await import('./latency.js');
    printLatencyBench(await runLatencyBench());
  },
  async memory(previous) {
    const { printMemoryBench, runMemoryBench } = await import('./memory.js');
    printMemoryBench(await runMemoryBench(previous.fanout ? { fanout: previous.fanout } : {}));
  },
};
const GROUPS: Record<string, string[]> = { schedule: ['next', 'preview', 'check'] };

const asked = process.argv.slice(2).flatMap((name) => GROUPS[name] ?? [name]);
const unknown = asked.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  const names = [...Object.keys(GROUPS), ...Object.keys(BENCHES)].join(', ');
  throw new Error(`bench: no bench named ${unknown.join(', ')}; there are ${names}`);
}
console.log(
  `# compute-scheduler benchmarks — node ${process.version}, ${new Date().toISOString()}, load ${load()}`,
);
const previous: { fanout?: HostFanoutResult } = {};
for (const [name, bench] of Object.entries(BENCHES)) {
  if (asked.length === 0 || asked.includes(name)) await bench(previous);
}
