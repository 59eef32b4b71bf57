// Child process of bench/pipeline.mjs: one tick over a store the parent seeded (on the parent's Azurite), and
// this process's memory, sent back over IPC. The process does nothing but open the store and tick, as a
// Functions instance whose timer fires, so `maxRssKiB` is the tick's peak. Azurite is another process.
//
// Usage (from pipeline.mjs): fork('bench/tick-child.mjs', [JSON.stringify({ env, dueMinute, due })])

import { readConfig } from '../dist/config.js';
import { tick } from '../dist/engine/tick.js';
import { StorageActionQueue } from '../dist/queue/storage-action-queue.js';
import { openStore } from '../dist/store/index.js';

const { env, dueMinute, due } = JSON.parse(process.argv[2] ?? '{}');
const { store, clients } = openStore(readConfig(env));
const actions = new StorageActionQueue(clients.queueService, clients.names.queues.actions);

const beforeTickKiB = Math.round(process.memoryUsage().rss / 1024);
let peak = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 20);
const started = performance.now();
const report = await tick({
  store,
  actions,
  clock: { now: () => dueMinute + 50 },
  catchUpWindowInMs: 24 * 3_600_000,
});
const tickInMs = performance.now() - started;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
if (report.dueRows !== due || report.enqueued !== due) {
  throw new Error(`bench: the tick saw ${JSON.stringify(report)}, expected ${due} due and enqueued`);
}
const summary = {
  due,
  enqueued: report.enqueued,
  tickInMs,
  beforeTickKiB,
  peakDuringTickKiB: Math.round(peak / 1024),
  maxRssKiB: process.resourceUsage().maxRSS,
};
if (process.send) process.send(summary);
else console.log(JSON.stringify(summary, null, 2));
