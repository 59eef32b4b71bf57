// Bench: peak memory (RSS) of a tick with 10,000 due, and of the host during the 10k fan-out, each in a
// child process (goal: under 400 MB; the smallest Flex Consumption instance has 512 MB).
// `BENCH_MEMORY_DUE=1000` a smaller fleet for both; `BENCH_HEAP_MB=256` caps the children's V8 heap.

import { runChild } from './child-process.js';
import { runFanoutBench } from './fanout.js';
import { seededStore } from './fleet.js';
import type { HostFanoutResult } from './host-fanout.js';
import { numberKnob } from './knobs.js';
import { highWaterMarkKiB, load } from './machine.js';
import { formatNumber as fmt } from './stats.js';
import type { TickChildArgs, TickChildResult } from './tick-child.js';

export interface TickMemory extends TickChildResult {
  azuriteHwmKiB?: number;
  load: string;
}

export interface MemoryResult {
  tick: TickMemory;
  host: HostFanoutResult;
}

/**
 * A tick with `due` due, in a child that only opens the store and ticks (the parent seeds and keeps
 * Azurite); then the host's memory during a fan-out of `due` VMs: `fanout`'s, when it ran with that many.
 */
export async function runMemoryBench({
  due = numberKnob('BENCH_MEMORY_DUE', 10_000),
  fanout,
}: { due?: number; fanout?: HostFanoutResult } = {}): Promise<MemoryResult> {
  const seeded = await seededStore({ entries: due, due });
  let tick: TickMemory;
  try {
    await seeded.restore();
    const args: TickChildArgs = { env: seeded.env, dueMinute: seeded.dueMinute, due };
    const result = await runChild<TickChildResult>('./tick-child.js', args);
    tick = { ...result, azuriteHwmKiB: highWaterMarkKiB(seeded.azurite.pid), load: load() };
  } finally {
    await seeded.azurite.stop();
  }
  const host = fanout?.vms === due ? fanout : await runFanoutBench({ vms: due });
  return { tick, host };
}

export function printMemoryBench({ tick: t, host: h }: MemoryResult): void {
  const mib = (kib: number) => `${fmt(kib / 1024)} MiB (${fmt((kib * 1024) / 1e6)} MB)`;
  const verdict = (kib: number) => (kib * 1024 < 400e6 ? 'yes' : '**no**');
  console.log(
    '\n## Peak memory (RSS) of the host, each case in its own child process (goal: under 400 MB)\n',
  );
  console.log('| case | max RSS of the process | under 400 MB | notes | load (1/5/15 min) |');
  console.log('|---|---:|---|---|---|');
  const azurite = t.azuriteHwmKiB
    ? `; Azurite (its own process) peaked at ${fmt(t.azuriteHwmKiB / 1024)} MiB`
    : '';
  console.log(
    `| tick with ${fmt(t.due)} due (${fmt(t.enqueued)} enqueued) | ${mib(t.maxRssKiB)} | ${verdict(t.maxRssKiB)} | ` +
      `the tick took ${fmt(t.tickInMs / 1000, 1)} s on Azurite; RSS ${fmt(t.beforeTickKiB / 1024)} MiB before it${azurite} | ${t.load} |`,
  );
  const curve = h.timeline
    .filter((_, i, all) => i % Math.max(1, Math.ceil(all.length / 8)) === 0)
    .map((p) => `${p.afterDueInS} s: ${fmt(p.rssKiB / 1024)}`)
    .join(', ');
  console.log(
    `| local host during the ${fmt(h.vms)}-VM fan-out above (${h.subscriptions} subscriptions) | ${mib(h.host.maxRssKiB)} | ${verdict(h.host.maxRssKiB)} | ` +
      `timer driver, queue pollers, tick and executions over the real SDK clients; ${fmt(h.deallocated)} VMs deallocated in ` +
      `${fmt(h.observedForInMs / 1000)} s watched; RSS MiB by seconds after due: ${curve} | ${h.load} |`,
  );
  console.log(
    '\n`process.resourceUsage().maxRSS` of each child at its end. The tick child only opens the store and ticks (the ' +
      'parent registered the fleet through the store); the host child runs `startLocalHost` with the timer driver and the queue pollers, ' +
      'as `npm start` does, against Azurite and the emulator in the parent, and its RSS is sampled every 100 ms. ' +
      'Azurite and the emulator are not counted (in Azure, storage and ARM are remote). This machine has 24 GB, ' +
      'so V8 sizes its heap for it and collects lazily; a 512 MB instance collects sooner: these are upper bounds. ' +
      (process.env.BENCH_HEAP_MB
        ? `This run capped each child's V8 heap at ${process.env.BENCH_HEAP_MB} MB (BENCH_HEAP_MB).`
        : "`BENCH_HEAP_MB=256` caps the children's V8 heap as a small instance would."),
  );
}
