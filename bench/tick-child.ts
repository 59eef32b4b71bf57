// Child process of the tick and memory benches: ticks over a store the parent seeded (on the parent's
// Azurite), as a Functions instance whose timer fires. The process does nothing but open the store and
// tick, so neither its memory nor its garbage collector carries the parent's copy of the seeded fleet.
// Once (`onRequest` unset): one tick, then its memory over IPC, so `maxRssKiB` is the tick's peak.
// On request: a tick per message from the parent, each answered with its report, time and storage calls.

import { readConfig, type Environment } from '../src/config.js';
import { resolveTickOptions } from '../src/engine/options.js';
import { tick, type TickReport } from '../src/engine/tick.js';
import { StorageActionQueue } from '../src/queue/storage-action-queue.js';
import { openStore } from '../src/store/index.js';
import { storageCalls } from '../src/store/storage-calls.js';
import { childArgs } from './child-process.js';
import { elapsedInMs } from './stats.js';

export interface TickChildArgs {
  env: Environment;
  dueMinute: number;
  due: number;
  /** Stay up and tick once per message from the parent. */
  onRequest?: boolean;
}

export interface TickChildResult {
  due: number;
  enqueued: number;
  tickInMs: number;
  beforeTickKiB: number;
  peakDuringTickKiB: number;
  maxRssKiB: number;
}

/** One tick's answer on request: its report, how long it took, its storage calls by operation (counted). */
export type TickAnswer =
  { report: TickReport; tookInMs: number; calls: Record<string, number> } | { error: string };

const { env, dueMinute, due, onRequest } = childArgs<TickChildArgs>();
const { store, clients } = openStore(readConfig(env));
const actions = new StorageActionQueue(clients.queueService, clients.names.queues.actions);

async function tickOnce(): Promise<{ report: TickReport; tookInMs: number; calls: Record<string, number> }> {
  const before = storageCalls.snapshot();
  const started = process.hrtime.bigint();
  const report = await tick({
    store,
    actions,
    clock: { now: () => dueMinute + 50 },
    options: resolveTickOptions({ catchUpWindowInMs: 24 * 3_600_000 }),
  });
  const tookInMs = elapsedInMs(started);
  if (report.dueRows !== due || report.enqueued !== due || !report.advanced) {
    throw new Error(`bench: the tick saw ${JSON.stringify(report)}, expected ${due} due and enqueued`);
  }
  return { report, tookInMs, calls: storageCalls.since(before) };
}

async function answer(): Promise<void> {
  let reply: TickAnswer;
  try {
    reply = await tickOnce();
  } catch (error) {
    reply = { error: error instanceof Error ? error.message : String(error) };
  }
  process.send?.(reply);
}

async function tickAndMeasureMemory(): Promise<TickChildResult> {
  const beforeTickKiB = Math.round(process.memoryUsage().rss / 1024);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const { report, tookInMs } = await tickOnce();
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return {
    due,
    enqueued: report.enqueued,
    tickInMs: tookInMs,
    beforeTickKiB,
    peakDuringTickKiB: Math.round(peak / 1024),
    maxRssKiB: process.resourceUsage().maxRSS,
  };
}

if (onRequest) {
  process.on('message', () => void answer());
  process.on('disconnect', () => process.exit(0));
  process.send?.('ready');
} else {
  const result = await tickAndMeasureMemory();
  if (process.send) process.send(result);
  else console.log(JSON.stringify(result, null, 2));
}
