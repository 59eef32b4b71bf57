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
