// Bench: the time a tick takes to read what is due in one minute as the fleet grows — 1k, 10k and 100k
// registered entries, 1,000 of them due in the measured minute (issue 3: flat within 1.5×; issue 4's
// "tick cost with 1k due"). Every other entry is due at a realistic time in the following week (mostly on
// the hour or the half hour, any hour of any day) but not in the measured hour. We time `DueIndex.listDue`
// over that minute, as the tick calls it, through the store on Azurite.
//
// The due index keeps one table per UTC hour, so the read touches one table holding what is due in that
// hour, whatever the fleet. (Azurite filters a query by scanning its table; with one table for the whole
// index the same read took 4.06 → 5.83 → 21.47 ms for 100 due rows at 1k → 10k → 100k entries.)
//
// Runs against the build (dist/) and its own in-memory Azurite per fleet: `npm run build` first.
// Usage: node bench/due-read.mjs

import { randomBytes } from 'node:crypto';
import { readConfig } from '../dist/config.js';
import { startAzurite } from '../dist/local/azurite.js';
import { openStore, provisionStorage } from '../dist/store/index.js';
import { dueTableName, minuteBucket } from '../dist/store/keys.js';
import { dueEntity } from '../dist/store/entities.js';

const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** A Thursday, 18:00 UTC. */
const DUE_MINUTE = Date.parse('2026-11-26T18:00:00Z');
const FLEETS = [1_000, 10_000, 100_000];
const DUE = 1_000;
const READS = 21;
const WARM_UP_READS = 2;
/** Transactions in flight while seeding; each holds up to 100 rows of one partition (one minute). */
const SEED_CONCURRENCY = 32;

const STOP = {
  triggerType: 'Cron',
  action: 'Stop',
  status: 'Enabled',
  cron: { expression: '0 18 * * 1-5', timeZone: 'UTC' },
};
const START = {
  triggerType: 'Cron',
  action: 'Start',
  status: 'Enabled',
  cron: { expression: '0 8 * * 1-5', timeZone: 'UTC' },
};

function vmId(name) {
  return `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-bench/providers/Microsoft.Compute/virtualMachines/${name}`;
}

/** A small deterministic generator (mulberry32), so every run seeds the same week. */
function random(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Where entry `i` is next due: the first DUE in the measured minute; the others in one of the 167 hours of
 * the following week after the measured one, at :00 (70 %), :30 (20 %) or :15/:45 (10 %).
 */
function dueInstants(fleet) {
  const next = random(fleet);
  return Array.from({ length: fleet }, (_, i) => {
    if (i < DUE) return DUE_MINUTE;
    const hour = DUE_MINUTE + HOUR_MS * (1 + Math.floor(next() * (7 * 24 - 1)));
    const r = next();
    const minute = r < 0.7 ? 0 : r < 0.9 ? 30 : r < 0.95 ? 15 : 45;
    return hour + minute * MINUTE_MS;
  });
}

/** Writes the fleet's due rows as the store lays them out (hour table, minute partition), in batches. */
async function seed(clients, fleet) {
  const batches = new Map();
  for (const [i, at] of dueInstants(fleet).entries()) {
    const entry = i % 2 ? STOP : START;
    const row = dueEntity({
      at,
      targetId: i.toString(16).padStart(32, '0'),
      resourceId: vmId(`vm-${i}`),
      kind: 'vm',
      revision: 'b0000000000000001',
      entryIndex: i % 2,
      action: entry.action,
      entry,
      registeredAt: DUE_MINUTE - 7 * 24 * HOUR_MS,
    });
    const key = `${dueTableName(clients.names, at)}/${row.partitionKey}`;
    const list = batches.get(key) ?? [];
    list.push(['upsert', row]);
    batches.set(key, list);
  }
  const tables = new Set([...batches.keys()].map((key) => key.split('/')[0]));
  for (const table of tables) await clients.tableService.createTable(table);
  const work = [...batches].flatMap(([key, actions]) =>
    Array.from({ length: Math.ceil(actions.length / 100) }, (_, i) => ({
      table: key.split('/')[0],
      actions: actions.slice(i * 100, i * 100 + 100),
    })),
  );
  for (let i = 0; i < work.length; i += SEED_CONCURRENCY) {
    await Promise.all(
      work
        .slice(i, i + SEED_CONCURRENCY)
        .map(({ table, actions }) => clients.table(table).submitTransaction(actions)),
    );
  }
  return tables.size;
}

export async function runDueReadBench({ fleets = FLEETS, reads = READS } = {}) {
  const rows = [];
  for (const fleet of fleets) {
    // A fresh Azurite per fleet, so no case pays for another's rows or memory.
    const azurite = await startAzurite({ ports: 'free' });
    try {
      const config = readConfig({
        AzureWebJobsStorage: azurite.connectionString,
        SCHEDULER_STORAGE_PREFIX: `b${randomBytes(4).toString('hex')}`,
      });
      const { store, clients } = openStore(config);
      await provisionStorage(clients);
      const seedStarted = process.hrtime.bigint();
      const hourTables = await seed(clients, fleet);
      const seedInMs = Number(process.hrtime.bigint() - seedStarted) / 1e6;
      const times = [];
      let due = 0;
      for (let i = 0; i < WARM_UP_READS + reads; i++) {
        const started = process.hrtime.bigint();
        due = 0;
        for await (const row of store.due.listDue(DUE_MINUTE - MINUTE_MS, DUE_MINUTE)) {
          if (row.at === DUE_MINUTE) due++;
        }
        if (i >= WARM_UP_READS) times.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      if (due !== DUE) throw new Error(`bench: read ${due} due rows, expected ${DUE}`);
      times.sort((a, b) => a - b);
      rows.push({
        fleet,
        due,
        hourTables,
        seedInMs,
        reads,
        minInMs: times[0],
        medianInMs: times[Math.floor(times.length / 2)],
        maxInMs: times[times.length - 1],
      });
    } finally {
      await azurite.stop();
    }
  }
  return rows;
}

export function printDueReadBench(rows) {
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
      'holds what is due in it, so its time follows what is due and not the fleet (the goal: within 1.5×).',
  );
}

if (import.meta.url === `file://${process.argv[1]}`) printDueReadBench(await runDueReadBench());
