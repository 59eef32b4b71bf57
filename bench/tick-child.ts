// Child process of the memory bench: one tick over a store the parent seeded (on the parent's Azurite), and
// this process's memory, sent back over IPC. The process does nothing but open the store and tick, as a
// Functions instance whose timer fires, so `maxRssKiB` is the tick's peak. Azurite is another process.

import { readConfig, type Environment } from '../src/config.js';
import { resolveTickOptions } from '../src/engine/options.js';
import { tick } from '../src/engine/tick.js';
import { StorageActionQueue } from '../src/queue/storage-action-queue.js';
import { openStore } from '../src/store/index.js';
import { childArgs } from './child-process.js';

export interface TickChildArgs {
  env: Environment;
  dueMinute: number;
  due: number;
}

export interface TickChildResult {
  due: number;
  enqueued: number;
  tickInMs: number;
  beforeTickKiB: number;
  peakDuringTickKiB: number;
  maxRssKiB: number;
}

const { env, dueMinute, due } = childArgs<TickChildArgs>();
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
  options: resolveTickOptions({ catchUpWindowInMs: 24 * 3_600_000 }),
});
const tickInMs = performance.now() - started;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
if (report.dueRows !== due || report.enqueued !== due) {
  throw new Error(`bench: the tick saw ${JSON.stringify(report)}, expected ${due} due and enqueued`);
}
const result: TickChildResult = {
  due,
  enqueued: report.enqueued,
  tickInMs,
  beforeTickKiB,
  peakDuringTickKiB: Math.round(peak / 1024),
  maxRssKiB: process.resourceUsage().maxRSS,
};
if (process.send) process.send(result);
else console.log(JSON.stringify(result, null, 2));
