// Bench: the time a tick takes to read what is due in one minute as the fleet grows — 1k, 10k and 100k
// registered entries, 1,000 of them due in the measured minute (issue 3: flat within 1.5×). Every other
// entry is due at a realistic time in the following week (mostly on the hour or the half hour, any hour of
// any day) but not in the measured hour. We time `DueIndex.listDue` over that minute, as the tick calls it,
// through the store on Azurite. `BENCH_DUE_FLEETS=1000,10000` runs the smaller fleets only.
//
// The due index keeps one table per UTC hour, so the read touches one table holding what is due in that
// hour, whatever the fleet. (Azurite filters a query by scanning its table; with one table for the whole
// index the same read took 4.06 → 5.83 → 21.47 ms for 100 due rows at 1k → 10k → 100k entries.)

import { minuteBucket } from '../src/store/keys.js';
import type { Store } from '../src/store/ports.js';
import { DUE_MINUTE, MINUTE_MS, seededStore } from './fleet.js';
import { numberListKnob } from './knobs.js';
import { elapsedInMs, timings, type Timings } from './stats.js';

const DUE = 1_000;
const READS = 21;
const WARM_UP_READS = 2;

export interface DueReadRow extends Timings {
  fleet: number;
  due: number;
  hourTables: number;
  seedInMs: number;
  reads: number;
}

export async function runDueReadBench({
  fleets = numberListKnob('BENCH_DUE_FLEETS', [1_000, 10_000, 100_000]),
  reads = READS,
} = {}): Promise<DueReadRow[]> {
  const rows: DueReadRow[] = [];
  for (const fleet of fleets) {
    // A fresh Azurite per fleet, so no case pays for another's rows or memory.
    const seeded = await seededStore({ entries: fleet, due: DUE });
    try {
      const times: number[] = [];
      let due = 0;
      for (let i = 0; i < WARM_UP_READS + reads; i++) {
        const started = process.hrtime.bigint();
        due = await countDue(seeded.store);
        if (i >= WARM_UP_READS) times.push(elapsedInMs(started));
      }
      if (due !== DUE) throw new Error(`bench: read ${due} due rows, expected ${DUE}`);
      const { hourTables, seedInMs } = seeded;
      rows.push({
        fleet,
        due,
        hourTables,
        seedInMs,
        reads,
        ...timings(times),
      });
    } finally {
      await seeded.azurite.stop();
    }
  }
  return rows;
}

/** Reads the measured minute as the tick does and counts its rows. */
async function countDue(store: Store): Promise<number> {
  let due = 0;
  for await (const row of store.due.listDue(DUE_MINUTE - MINUTE_MS, DUE_MINUTE)) {
    if (row.at === DUE_MINUTE) due++;
  }
  return due;
}

export function printDueReadBench(rows: DueReadRow[]): void {
  console.log(
    `\n## Reading one minute of the due index: ${DUE.toLocaleString('en')} due in ${minuteBucket(DUE_MINUTE)} (Azurite in memory)\n`,
  );
  console.log(
    '| registered entries | hour tables | due read | median ms | min ms | max ms | × the 1k fleet | seeded in s |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  const base = rows[0]?.medianInMs ?? 1;
  for (const r of rows) {
    console.log(
      `| ${r.fleet.toLocaleString('en')} | ${r.hourTables} | ${r.due} | ${r.medianInMs.toFixed(2)} | ${r.minInMs.toFixed(2)} | ` +
        `${r.maxInMs.toFixed(2)} | ${(r.medianInMs / base).toFixed(2)} | ${(r.seedInMs / 1000).toFixed(1)} |`,
    );
  }
  console.log(
    `\nMedian of ${rows[0]?.reads ?? READS} reads of \`DueIndex.listDue\` over that minute, after ${WARM_UP_READS} warm-up reads. ` +
      "The due index keeps one table per UTC hour: the read queries only the measured hour's table, which " +
      'holds what is due in it, so its time follows what is due and not the fleet (the goal: within 1.5×). ' +
      'The fleet is registered through the store (`targets.create`, `schedules.replace`), as in the tick bench.',
  );
}
