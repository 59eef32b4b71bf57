// `npm run bench`: every benchmark of the project, each printing a table of figures and ratios against
// the named peers measured in the same run. Run on an idle machine; figures vary with load.

import {
  printConflictCheckBench,
  printPreviewProcessBench,
  printScheduleBench,
  runConflictCheckBench,
  runPreviewProcessBench,
  runScheduleBench,
} from './schedule.mjs';

const only = process.argv[2];
console.log(`# compute-scheduler benchmarks — node ${process.version}, ${new Date().toISOString()}`);
if (!only || only === 'schedule') {
  printScheduleBench(runScheduleBench());
  printPreviewProcessBench(runPreviewProcessBench());
}
if (!only || only === 'schedule' || only === 'check') printConflictCheckBench(runConflictCheckBench());
// Loaded on demand: these start Azurite and load the host, which the benches above do not need.
if (!only || only === 'registration') {
  const { printRegistrationBench, runRegistrationBench } = await import('./registration.mjs');
  printRegistrationBench(await runRegistrationBench());
}
if (!only || only === 'due') {
  const { printDueReadBench, runDueReadBench } = await import('./due-read.mjs');
  printDueReadBench(await runDueReadBench());
}
// Issue 4's pipeline (bench/pipeline.mjs): the tick as the fleet grows, the 10k fan-out against the documented
// throttling, the delay from due instant to ARM call, and peak memory. Some 20 minutes: the 10k fan-out runs
// on the real clock (about 5 minutes). `memory` reuses the fan-out's host child when both run.
if (!only || ['tick', 'fanout', 'latency', 'memory'].includes(only)) {
  const pipeline = await import('./pipeline.mjs');
  if (!only || only === 'tick') pipeline.printTickBench(await pipeline.runTickBench());
  if (!only || only === 'fanout') pipeline.printFanoutBench(await pipeline.runFanoutBench());
  if (!only || only === 'latency') pipeline.printLatencyBench(await pipeline.runLatencyBench());
  if (!only || only === 'memory') pipeline.printMemoryBench(await pipeline.runMemoryBench());
}
