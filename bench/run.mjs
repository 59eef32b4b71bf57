// `npm run bench`: every benchmark of the project, each printing a table of figures and ratios against
// the named peers measured in the same run. Run on an idle machine; figures vary with load.

import {
  printPreviewProcessBench,
  printScheduleBench,
  runPreviewProcessBench,
  runScheduleBench,
} from './schedule.mjs';

const only = process.argv[2];
console.log(`# compute-scheduler benchmarks — node ${process.version}, ${new Date().toISOString()}`);
if (!only || only === 'schedule') {
  printScheduleBench(runScheduleBench());
  printPreviewProcessBench(runPreviewProcessBench());
}
// Loaded on demand: these start Azurite and load the host, which the benches above do not need.
if (!only || only === 'registration') {
  const { printRegistrationBench, runRegistrationBench } = await import('./registration.mjs');
  printRegistrationBench(await runRegistrationBench());
}
if (!only || only === 'due') {
  const { printDueReadBench, runDueReadBench } = await import('./due-read.mjs');
  printDueReadBench(await runDueReadBench());
}
