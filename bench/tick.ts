// Bench: the tick's cost as the fleet grows — `tick()` (src/engine/tick.ts) over the Table Storage store and
// the Storage queue adapter, with 1k, 10k and 100k registered entries and 1,000 due in the measured minute
// (goal: flat within 1.5×). `BENCH_TICK_FLEETS=1000,10000` runs the smaller fleets only.

import { forkChild, nextMessage } from './child-process.js';
import { numberListKnob } from './knobs.js';
import { load } from './machine.js';
import { seededStore, type SeededStore } from './fleet.js';
import { totalCalls } from '../src/store/storage-calls.js';
import { formatNumber as fmt, timings, type Timings } from './stats.js';
import type { TickAnswer, TickChildArgs } from './tick-child.js';

const TICK_DUE = 1_000;
const TICK_RUNS = 7;
const TICK_WARM_UP = 1;

export interface TickRow extends Timings {
  entries: number;
  targets: number;
  hourTables: number;
  due: number;
  enqueued: number;
  /** Queue messages the enqueued actions went in (docs/decisions/0016). */
  queueMessages: number;
  runs: number;
  seedInMs: number;
  /** Storage calls (tables and queue) of the last measured tick, by operation, and their total per due row. */
  calls: Record<string, number>;
  callsPerDueRow: number;
  load: string;
}

export async function runTickBench({
  fleets = numberListKnob('BENCH_TICK_FLEETS', [1_000, 10_000, 100_000]),
  runs = TICK_RUNS,
} = {}): Promise<TickRow[]> {
  const rows: TickRow[] = [];
  for (const entries of fleets) rows.push(await tickFleet(entries, runs));
  return rows;
}

/** Ticks over one fleet, on an Azurite of its own so that no fleet pays for another's rows. */
async function tickFleet(entries: number, runs: number): Promise<TickRow> {
  const seeded = await seededStore({ entries, due: TICK_DUE });
  let instance: TickInstance | undefined;
  try {
    instance = await startTickInstance(seeded);
    const times: number[] = [];
    let report;
    let calls: Record<string, number> = {};
    for (let i = 0; i < TICK_WARM_UP + runs; i++) {
      await seeded.restore();
      const result = await instance.tick();
      report = result.report;
      calls = result.calls;
      if (i >= TICK_WARM_UP) times.push(result.tookInMs);
    }
    return {
      entries,
      targets: seeded.targets.length,
      hourTables: seeded.hourTables,
      due: report?.dueRows ?? 0,
      enqueued: report?.enqueued ?? 0,
      queueMessages: report?.queueMessages ?? 0,
      runs,
      ...timings(times),
      seedInMs: seeded.seedInMs,
      calls,
      callsPerDueRow: totalCalls(calls) / Math.max(1, report?.dueRows ?? 0),
      load: load(),
    };
  } finally {
    instance?.stop();
    await seeded.azurite.stop();
  }
}

interface TickInstance {
  tick(): Promise<Exclude<TickAnswer, { error: string }>>;
  stop(): void;
}

/**
 * The tick's own process (`tick-child.ts`), as a Functions instance whose timer fires: warm after the first
 * tick, and holding nothing of the fleet this process seeded, whose garbage it would otherwise collect.
 */
async function startTickInstance(seeded: SeededStore): Promise<TickInstance> {
  const args: TickChildArgs = {
    env: seeded.env,
    dueMinute: seeded.dueMinute,
    due: TICK_DUE,
    onRequest: true,
  };
  const child = forkChild('./tick-child.js', args);
  const next = () => nextMessage(child, 'tick child');
  if ((await next()) !== 'ready') throw new Error('bench: the tick child did not start');
  return {
    async tick() {
      const answer = next();
      child.send('tick');
      const reply = (await answer) as TickAnswer;
      if ('error' in reply) throw new Error(reply.error);
      return reply;
    },
    stop: () => child.kill(),
  };
}

export function printTickBench(rows: TickRow[]): void {
  console.log(
    `\n## Tick cost: ${fmt(TICK_DUE)} due in one minute as the fleet grows (tick() over Table Storage and the Storage queue, Azurite in memory)\n`,
  );
  console.log(
    '| registered entries | targets | due hour tables | due → enqueued (queue messages) | median ms | min ms | max ms | × the 1k fleet | storage calls per due row | seeded in s | load (1/5/15 min) |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  const base = rows[0]?.medianInMs ?? 1;
  for (const r of rows) {
    console.log(
      `| ${fmt(r.entries)} | ${fmt(r.targets)} | ${r.hourTables} | ${fmt(r.due)} → ${fmt(r.enqueued)} (${fmt(r.queueMessages)}) | ${r.medianInMs.toFixed(0)} | ` +
        `${r.minInMs.toFixed(0)} | ${r.maxInMs.toFixed(0)} | ${(r.medianInMs / base).toFixed(2)} | ${r.callsPerDueRow.toFixed(2)} | ` +
        `${(r.seedInMs / 1000).toFixed(1)} | ${r.load} |`,
    );
  }
  for (const r of rows) {
    const byOperation = Object.entries(r.calls)
      .map(([operation, count]) => `${operation} ${count}`)
      .join(', ');
    console.log(
      `\nStorage calls of one tick at ${fmt(r.entries)} entries (counted on the clients): ${byOperation}.`,
    );
  }
  const worst = Math.max(...rows.map((r) => r.medianInMs / base));
  console.log(
    `\nMedian of ${rows[0]?.runs ?? TICK_RUNS} ticks after ${TICK_WARM_UP} warm-up, each over the same minute: before each, the ` +
      `${fmt(TICK_DUE)} due targets' schedules are written again (their due rows back in the minute, and the rows the ` +
      'last tick moved to tomorrow taken back, as a schedule write after the tick would), the checkpoint ' +
      'is set one minute back and the queue emptied. The tick runs in a process of its own, as in a Functions instance, ' +
      'so the fleet this process seeded is not in its heap. A tick reads ' +
      'the due rows, enqueues one action per target (those whose pacing slots fall in the same second share a base64 ' +
      'queue message, at most 32 to a message: docs/decisions/0016), writes ' +
      "the rows' next occurrences (tomorrow 18:00, an hour table shared with the rest of the fleet) in a transaction " +
      "per shard of the minute and deletes the old rows the same way (16 shards: docs/decisions/0020; no target's " +
      'partition is read or written), ' +
      'then advances the checkpoint. The 1,000 due targets have one entry (Stop ' +
      'daily 18:00 UTC); the rest of the fleet has two per target, due over the following week, all registered ' +
      'through the store (`targets.create`, `schedules.replace`). ' +
      `Worst ratio ${worst.toFixed(2)}× — ${worst <= 1.5 ? 'flat within 1.5× (met)' : 'NOT flat within 1.5×'}.`,
  );
}
