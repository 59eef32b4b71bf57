// Bench: the unattended pipeline of issue 4 — the tick, the fan-out of 10,000 calls against the ARM
// emulator's documented throttling, the delay from due instant to ARM call on the real clock, and the peak
// memory of the host. Each part starts and stops its own Azurite (in memory, free ports) and ARM emulator,
// on loopback only, and is bounded in time.
//
//   tick     — `tick()` (src/engine/tick.ts) over the Table Storage store and the Storage queue adapter, with
//              1k, 10k and 100k registered entries and 1,000 due in the measured minute (goal: flat within 1.5×).
//   fanout   — 10,000 VMs in 4 subscriptions stopped by one schedule at the same minute, through the local
//              host on the real clock (timer driver, queue pollers, Azurite, emulator with the documented
//              limits), next to the ideal those limits allow.
//   latency  — 100 targets due at the next whole minute on the real clock, through the local host as
//              `npm start` runs it (timer driver, queue pollers): p50/p99 of ARM call − due instant.
//   memory   — peak RSS of a tick with 10,000 due, and of the host during the 10k fan-out (the fan-out's
//              child), each in a child process (goal: under 400 MB; the smallest Flex Consumption instance has 512 MB).
//
// Runs against the build (dist/): `npm run build` first. Usage: node bench/pipeline.mjs [tick|fanout|latency|memory]

import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { readConfig } from '../dist/config.js';
import { tick } from '../dist/engine/tick.js';
import { seededRandom } from '../dist/local/arm-emulator/faults.js';
import { startAzurite } from '../dist/local/azurite.js';
import { StorageActionQueue } from '../dist/queue/storage-action-queue.js';
import { validateEntry } from '../dist/schedule/index.js';
import {
  checkpointEntity,
  dueEntity,
  entryEntity,
  scheduleHeaderEntity,
  targetEntity,
} from '../dist/store/entities.js';
import { openStore, provisionStorage } from '../dist/store/index.js';
import { dueTableName, startOfHour, targetIdFor } from '../dist/store/keys.js';
import { parseResourceId } from '../dist/targets/resource-id.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** A Thursday, 18:00 UTC: the minute every tick below evaluates. */
const DUE_MINUTE = Date.parse('2026-11-26T18:00:00Z');
const SUBSCRIPTIONS = [
  '11111111-1111-1111-1111-111111111111',
  '22222222-2222-2222-2222-222222222222',
  '33333333-3333-3333-3333-333333333333',
  '44444444-4444-4444-4444-444444444444',
];
/** Transactions (or single writes) in flight while seeding. */
const SEED_CONCURRENCY = 32;

const ms = (startedNs) => Number(process.hrtime.bigint() - startedNs) / 1e6;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const fmt = (n, digits = 0) =>
  n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function vmId(index, subscriptions = SUBSCRIPTIONS) {
  const subscription = subscriptions[index % subscriptions.length];
  return `/subscriptions/${subscription}/resourceGroups/rg-team-${index % 20}/providers/Microsoft.Compute/virtualMachines/vm-${index}`;
}

/** The machine's load when a figure was taken: the other heavy process the figures may share 2 cores with. */
export function load() {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

async function limited(items, limit, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Seeding a registered fleet straight into the store, row for row as registration writes it.

/**
 * The fleet: `due` targets with one entry each, Stop every day at 18:00 UTC, due in the measured minute; the
 * other entries belong to targets with two entries each (a Start and a Stop, as most people register), next
 * due at a realistic time in the following week — mostly on the hour or the half hour, any hour of any day —
 * but never in the measured hour. Each entry's cron is the one its next occurrence comes from.
 */
function fleetLayout(entries, due, dueMinute) {
  const next = seededRandom(entries);
  const registeredAt = dueMinute - 7 * DAY_MS;
  const targets = [];
  const at = new Date(dueMinute);
  const stopDaily = validateEntry({
    triggerType: 'Cron',
    action: 'Stop',
    status: 'Enabled',
    cron: { expression: `${at.getUTCMinutes()} ${at.getUTCHours()} * * *`, timeZone: 'UTC' },
  });
  for (let i = 0; i < due; i++) targets.push({ index: i, entries: [{ entry: stopDaily, dueAt: dueMinute }] });
  let index = due;
  for (let remaining = entries - due; remaining > 0; remaining -= 2, index++) {
    const target = { index, entries: [] };
    for (const action of remaining >= 2 ? ['Start', 'Stop'] : ['Stop']) {
      const hour = startOfHour(dueMinute) + HOUR_MS * (1 + Math.floor(next() * (7 * 24 - 1)));
      const r = next();
      const minute = r < 0.7 ? 0 : r < 0.9 ? 30 : r < 0.95 ? 15 : 45;
      const at = hour + minute * MINUTE_MS;
      const d = new Date(at);
      const entry = validateEntry({
        triggerType: 'Cron',
        action,
        status: 'Enabled',
        cron: { expression: `${minute} ${d.getUTCHours()} * * ${d.getUTCDay()}`, timeZone: 'UTC' },
      });
      target.entries.push({ entry, dueAt: at });
    }
    targets.push(target);
  }
  return { targets, registeredAt };
}

/** The rows of one registered target: target row, schedule header, entry rows, and its due rows. */
function targetRows(target, registeredAt, revision) {
  const resourceId = vmId(target.index);
  const parsed = parseResourceId(resourceId);
  const id = targetIdFor(parsed.normalizedId);
  const partition = [
    [
      'upsert',
      targetEntity({
        id,
        resourceId,
        kind: parsed.kind,
        subscriptionId: parsed.subscriptionId,
        resourceGroup: parsed.resourceGroup,
        name: parsed.name,
        owner: { id: 'bench-owner', name: 'bench' },
        createdAt: registeredAt,
      }),
    ],
    [
      'upsert',
      scheduleHeaderEntity(id, {
        revision,
        registeredAt,
        updatedAt: registeredAt,
        entryCount: target.entries.length,
      }),
    ],
    ...target.entries.map((e, index) => [
      'upsert',
      entryEntity(id, { index, revision, entry: e.entry, dueAt: e.dueAt }),
    ]),
  ];
  const due = target.entries.map((e, index) => ({
    at: e.dueAt,
    targetId: id,
    resourceId,
    kind: parsed.kind,
    revision,
    entryIndex: index,
    action: e.entry.action,
    entry: e.entry,
    registeredAt,
  }));
  return { id, partition, due };
}

/** Writes the fleet: one transaction per target partition, due rows in batches of 100 per minute partition. */
async function seedFleet(clients, layout, dueMinute) {
  const revision = 'b000000000000001';
  const partitions = [];
  const dueBatches = new Map();
  const dueTargets = [];
  for (const target of layout.targets) {
    const rows = targetRows(target, layout.registeredAt, revision);
    partitions.push(rows.partition);
    for (const due of rows.due) {
      const entity = dueEntity(due);
      const key = `${dueTableName(clients.names, due.at)}/${entity.partitionKey}`;
      const list = dueBatches.get(key) ?? [];
      list.push(['upsert', entity]);
      dueBatches.set(key, list);
      if (due.at === dueMinute) dueTargets.push({ due, entry: rows.partition[2][1] });
    }
  }
  const tables = new Set([...dueBatches.keys()].map((key) => key.split('/')[0]));
  for (const table of tables) await clients.tableService.createTable(table);
  const targetsTable = clients.table(clients.names.targets);
  await limited(partitions, SEED_CONCURRENCY, (actions) => targetsTable.submitTransaction(actions));
  const dueWork = [...dueBatches].flatMap(([key, actions]) =>
    Array.from({ length: Math.ceil(actions.length / 100) }, (_, i) => ({
      table: key.split('/')[0],
      actions: actions.slice(i * 100, i * 100 + 100),
    })),
  );
  await limited(dueWork, SEED_CONCURRENCY, ({ table, actions }) =>
    clients.table(table).submitTransaction(actions),
  );
  return { dueTargets, hourTables: tables.size, revision };
}

/**
 * Puts the measured minute back as it was before a tick: the due rows at 18:00, their entries pointing at
 * them, the checkpoint one minute before (as the previous minute's tick leaves it), and an empty queue.
 */
async function restoreDueMinute(clients, dueTargets, dueMinute) {
  const dueTable = clients.table(dueTableName(clients.names, dueMinute));
  const rows = dueTargets.map(({ due }) => ['upsert', dueEntity(due)]);
  const batches = Array.from({ length: Math.ceil(rows.length / 100) }, (_, i) =>
    rows.slice(i * 100, i * 100 + 100),
  );
  await limited(batches, SEED_CONCURRENCY, (batch) => dueTable.submitTransaction(batch));
  const targetsTable = clients.table(clients.names.targets);
  await limited(dueTargets, SEED_CONCURRENCY, ({ entry }) => targetsTable.upsertEntity(entry, 'Replace'));
  await clients
    .table(clients.names.checkpoints)
    .upsertEntity(checkpointEntity('tick', dueMinute - MINUTE_MS), 'Replace');
  await clients.queueService.getQueueClient(clients.names.queues.actions).clearMessages();
}

/** A store on a fresh in-memory Azurite, seeded with `entries` registered entries of which `due` are due. */
export async function seededStore({ entries, due, dueMinute = DUE_MINUTE }) {
  const azurite = await startAzurite({ ports: 'free' });
  try {
    const env = {
      AzureWebJobsStorage: azurite.connectionString,
      SCHEDULER_STORAGE_PREFIX: `b${randomBytes(4).toString('hex')}`,
    };
    const config = readConfig(env);
    const { store, clients } = openStore(config);
    await provisionStorage(clients);
    const started = process.hrtime.bigint();
    const layout = fleetLayout(entries, due, dueMinute);
    const seeded = await seedFleet(clients, layout, dueMinute);
    const seedInMs = ms(started);
    const actions = new StorageActionQueue(clients.queueService, clients.names.queues.actions);
    return {
      azurite,
      env,
      store,
      clients,
      actions,
      targets: layout.targets.length,
      hourTables: seeded.hourTables,
      seedInMs,
      /** Puts the measured minute back as it was before a tick (the due rows, entries, checkpoint, queue). */
      restore: () => restoreDueMinute(clients, seeded.dueTargets, dueMinute),
      /** Runs one tick over the measured minute from the state before it; resolves with its report and time. */
      async tickOnce(nowOffsetInMs = 50) {
        await restoreDueMinute(clients, seeded.dueTargets, dueMinute);
        const startedTick = process.hrtime.bigint();
        const report = await tick({
          store,
          actions,
          clock: { now: () => dueMinute + nowOffsetInMs },
          catchUpWindowInMs: DAY_MS,
        });
        const tookInMs = ms(startedTick);
        if (report.dueRows !== due || report.enqueued !== due || !report.advanced) {
          throw new Error(`bench: tick saw ${JSON.stringify(report)}, expected ${due} due and enqueued`);
        }
        return { report, tookInMs };
      },
    };
  } catch (error) {
    await azurite.stop();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------
// 1. Tick cost as the fleet grows.

const TICK_FLEETS = [1_000, 10_000, 100_000];
const TICK_DUE = 1_000;
const TICK_RUNS = 7;
const TICK_WARM_UP = 1;

export async function runTickBench({ fleets = TICK_FLEETS, runs = TICK_RUNS } = {}) {
  const rows = [];
  for (const entries of fleets) {
    const seeded = await seededStore({ entries, due: TICK_DUE });
    try {
      const times = [];
      let report;
      for (let i = 0; i < TICK_WARM_UP + runs; i++) {
        const result = await seeded.tickOnce();
        report = result.report;
        if (i >= TICK_WARM_UP) times.push(result.tookInMs);
      }
      rows.push({
        entries,
        targets: seeded.targets,
        hourTables: seeded.hourTables,
        due: report.dueRows,
        enqueued: report.enqueued,
        runs,
        medianInMs: median(times),
        minInMs: Math.min(...times),
        maxInMs: Math.max(...times),
        seedInMs: seeded.seedInMs,
        load: load(),
      });
    } finally {
      await seeded.azurite.stop();
    }
  }
  return rows;
}

export function printTickBench(rows) {
  console.log(
    `\n## Tick cost: ${fmt(TICK_DUE)} due in one minute as the fleet grows (tick() over Table Storage and the Storage queue, Azurite in memory)\n`,
  );
  console.log(
    '| registered entries | targets | due hour tables | due → enqueued | median ms | min ms | max ms | × the 1k fleet | seeded in s | load (1/5/15 min) |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  const base = rows[0]?.medianInMs ?? 1;
  for (const r of rows) {
    console.log(
      `| ${fmt(r.entries)} | ${fmt(r.targets)} | ${r.hourTables} | ${fmt(r.due)} → ${fmt(r.enqueued)} | ${r.medianInMs.toFixed(0)} | ` +
        `${r.minInMs.toFixed(0)} | ${r.maxInMs.toFixed(0)} | ${(r.medianInMs / base).toFixed(2)} | ${(r.seedInMs / 1000).toFixed(1)} | ${r.load} |`,
    );
  }
  const worst = Math.max(...rows.map((r) => r.medianInMs / base));
  console.log(
    `\nMedian of ${rows[0]?.runs ?? TICK_RUNS} ticks after ${TICK_WARM_UP} warm-up, each over the same minute: before each, the ` +
      `${fmt(TICK_DUE)} due rows, their entry rows and the checkpoint (one minute back) are put back as they were. A tick reads ` +
      'the due rows, checks each against its entry row (`isCurrent`), enqueues one base64 message per target, writes ' +
      "each row's next occurrence (tomorrow 18:00, an hour table shared with the rest of the fleet), moves its entry " +
      'row under ETag and deletes the old row, then advances the checkpoint. The 1,000 due targets have one entry (Stop ' +
      'daily 18:00 UTC); the rest of the fleet has two per target, due over the following week. ' +
      `Worst ratio ${worst.toFixed(2)}× — ${worst <= 1.5 ? 'flat within 1.5× (met)' : 'NOT flat within 1.5×'}.`,
  );
}

// ---------------------------------------------------------------------------------------------------------
// 2. Fan-out: 10,000 calls due in one minute against the emulator's documented subscription limits.

const FANOUT_VMS = Number(process.env.BENCH_FANOUT_VMS ?? 10_000);
/** The fan-out is watched at most this long after the due minute. */
const FANOUT_BOUND_MS = Number(process.env.BENCH_FANOUT_BOUND_MINUTES ?? 12) * MINUTE_MS;

/**
 * What one execution costs against the documented limits: the executor reads the VM's state (GET instanceView:
 * ARM reads, Compute GetVM) and then deallocates it (POST: ARM writes, Compute VMDeallocate). Per-VM buckets
 * (12 then 4 a minute) hold one call each and never bind. For `n` calls in one subscription, the last call can
 * go at the latest instant any of its buckets lets the n-th token through: (n − capacity) / refill.
 */
export function idealFanout(limits, vms, subscriptions) {
  const perSubscription = Math.ceil(vms / subscriptions);
  const buckets = [
    ['ARM writes', limits.armWrites],
    ['ARM reads', limits.armReads],
    ['Compute VMDeallocate', limits.compute.vmDeallocate.perSubscription],
    ['Compute GetVM', limits.compute.vmReads.perSubscription],
  ].map(([name, limit]) => ({
    name,
    limit,
    // Continuous refill, as in Azure: the n-th token after the burst arrives (n − capacity) / rate later.
    lastCallInMs: Math.max(0, ((perSubscription - limit.capacity) / limit.refillPerMinute) * MINUTE_MS),
  }));
  const binding = buckets.reduce((a, b) => (b.lastCallInMs > a.lastCallInMs ? b : a));
  return { perSubscription, buckets, binding, idealInMs: binding.lastCallInMs };
}

let fanoutCache;

/**
 * The local host, as `npm start` runs it, in a child process on the real clock, with `vms` VMs seeded into the
 * store all due at one minute and the emulator enforcing the documented limits. `paced: false` turns the
 * tick's spreading off (SCHEDULER_ARM_WRITES_PER_SECOND=0), to show what it buys.
 */
export async function runFanoutBench({
  vms = FANOUT_VMS,
  paced = process.env.BENCH_FANOUT_UNPACED !== '1',
} = {}) {
  const { documentedThrottlingLimits } = await import('../dist/local/arm-emulator/index.js');
  const result = await runHostFanout({
    vms,
    boundAfterDueInMs: FANOUT_BOUND_MS,
    env: paced ? {} : { SCHEDULER_ARM_WRITES_PER_SECOND: '0' },
  });
  result.paced = paced;
  result.ideal = idealFanout(documentedThrottlingLimits, vms, SUBSCRIPTIONS.length);
  fanoutCache = result;
  return result;
}

export function printFanoutBench(r) {
  const s = (v) => (v === undefined ? '—' : fmt(v / 1000, 1));
  console.log(
    `\n## Fan-out: ${fmt(r.vms)} VMs in ${r.subscriptions} subscriptions stopped by one schedule at the same minute, against the documented limits (local host on the real clock, ARM emulator, Azurite)\n`,
  );
  console.log(
    '| tick spreading | VMs deallocated | POSTs 2xx / 429 | GETs 429 | runs succeeded / skipped / poisoned / failed / pending | duplicates | first call s | last call s | ideal s | × ideal | load (1/5/15 min) |',
  );
  console.log('|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|');
  const complete = r.deallocated >= r.vms;
  const last = complete
    ? s(r.lastCallAfterDueInMs)
    : `not all: ${fmt(r.deallocated)} of ${fmt(r.vms)} in ${s(r.observedForInMs)}`;
  const ratio =
    complete && r.ideal.idealInMs > 0 ? (r.lastCallAfterDueInMs / r.ideal.idealInMs).toFixed(2) : '—';
  const o = r.runs;
  console.log(
    `| ${r.paced ? 'on (200 + 10/s per subscription)' : 'off'} | ${fmt(r.deallocated)} | ${fmt(r.succeededPosts)} / ${fmt(r.throttledPosts)} | ${fmt(r.throttledReads)} | ` +
      `${fmt(o.succeeded)} / ${fmt(o['skipped-already-there'])} / ${fmt(o.poisoned)} / ${fmt(o.failed)} / ${fmt(o.pending)} | ` +
      `${fmt(r.duplicates)} | ${s(r.firstCallAfterDueInMs)} | ${last} | ${s(r.ideal.idealInMs)} | ${ratio} | ${r.load} |`,
  );
  const b = r.ideal;
  console.log(
    `\nIdeal for ${fmt(b.perSubscription)} VMs per subscription (one state read and one deallocate each; per-VM buckets never bind): ` +
      b.buckets
        .map(
          (x) =>
            `${x.name} ${fmt(x.limit.capacity)} + ${fmt(x.limit.refillPerMinute)}/min → last call at ${fmt(x.lastCallInMs / 1000)} s`,
        )
        .join('; ') +
      `. ${b.binding.name} binds. "Last call" is the emulator's arrival time of the last successful deallocate ` +
      `minus the due minute, per subscription: ${Object.entries(r.lastBySubscription)
        .map(([sub, at]) => `${sub.slice(0, 8)}… ${fmt(at / 1000, 1)} s`)
        .join(', ')}. Successful deallocates per minute after due: ${Object.entries(r.perMinute)
        .map(([m, n]) => `${m}: ${fmt(n)}`)
        .join(', ')}. ` +
      `The ${fmt(r.vms)} targets were written straight into the store (as registration writes them) in ` +
      `${fmt(r.seedInMs / 1000, 1)} s before the due minute; the host ran the timer and the queue pollers in a ` +
      `child process (its memory is in the memory table). One execution (run started → recorded) took ` +
      `p50 ${fmt(r.execution.p50InMs)} ms, p90 ${fmt(r.execution.p90InMs)} ms, max ${fmt(r.execution.maxInMs)} ms; ` +
      `CPU seconds used: host ${fmt(r.cpuInS.host, 1)}, Azurite ${fmt(r.cpuInS.azurite ?? 0, 1)}, ` +
      `emulator and bench ${fmt(r.cpuInS.emulatorAndBench, 1)}, over ${fmt(r.wallInS)} s of wall time on ` +
      `${availableParallelism()} cores.`,
  );
  console.log(
    '\nAzurite is one single-threaded process whose table writes cost time in proportion to the table ' +
      '(its in-memory store re-indexes on every insert, update and delete): when its CPU seconds come close to the ' +
      "wall time, the excess over the ideal is its limit, not ARM's or the pipeline's. In Azure, Table Storage " +
      'takes some 2,000 operations a second per partition and 20,000 per account. `BENCH_FANOUT_VMS=4000` shows ' +
      'a fan-out Azurite keeps up with; `BENCH_FANOUT_UNPACED=1` the same without the tick spreading the calls.',
  );
}

// ---------------------------------------------------------------------------------------------------------
// 3. Delay from the due instant to the ARM call, on the real clock, through the local host.

const LATENCY_TARGETS = 100;
/** Registration must be done this long before the due minute, or we aim at the minute after. */
const LATENCY_LEAD_MS = 20_000;
const LATENCY_BOUND_MS = 3 * MINUTE_MS;

/** Nearest-rank percentile. */
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export async function runLatencyBench({ targets = LATENCY_TARGETS } = {}) {
  // Loaded here: the local host and the emulator are only needed by this bench.
  const { startArmEmulator } = await import('../dist/local/arm-emulator/index.js');
  const { startBenchHost } = await import('./local-host.mjs');

  const stops = [];
  try {
    const azurite = await startAzurite({ ports: 'free' });
    stops.push(() => azurite.stop());
    // As `npm start` (src/local/main.ts) does, on free ports: Azurite, the emulator, the host with the timer
    // driver and the queue pollers, and a gateway pointed at the emulator.
    const emulator = await startArmEmulator({ transitionDurationsInMs: 20_000 });
    stops.push(() => emulator.close());
    const host = await startBenchHost({
      env: { AzureWebJobsStorage: azurite.connectionString },
      emulatorUrl: emulator.url,
      certificatePem: emulator.certificatePem,
    });
    stops.push(() => host.close());

    const ids = Array.from({ length: targets }, (_, i) => vmId(i));
    for (const id of ids) emulator.addVirtualMachine(id, { powerState: 'running' });
    let due = Math.ceil((Date.now() + 1) / MINUTE_MS) * MINUTE_MS;
    if (due - Date.now() < LATENCY_LEAD_MS) due += MINUTE_MS;
    const d = new Date(due);
    const schedules = JSON.stringify({
      computeStartStop: [
        {
          triggerType: 'Cron',
          action: 'Stop',
          status: 'Enabled',
          cron: { expression: `${d.getUTCMinutes()} ${d.getUTCHours()} * * *`, timeZone: 'UTC' },
        },
      ],
    });
    const registrationStarted = process.hrtime.bigint();
    await limited(ids, 8, async (resourceId) => {
      const created = await fetch(`${host.baseUrl}/targets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ resourceId }),
      });
      if (created.status >= 300) throw new Error(`bench: registration refused (${created.status})`);
      const { id } = await created.json();
      const put = await fetch(`${host.baseUrl}/targets/${id}/schedules`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: schedules,
      });
      if (put.status >= 300) throw new Error(`bench: schedule refused (${put.status}): ${await put.text()}`);
    });
    const registrationInMs = ms(registrationStarted);
    if (Date.now() >= due) throw new Error('bench: registration ran past the due minute');

    const actionPost = (r) => r.method === 'POST' && /\/deallocate$/i.test(r.path);
    const bound = due + LATENCY_BOUND_MS;
    while (Date.now() < bound) {
      const ok = emulator.requests.filter((r) => actionPost(r) && r.status >= 200 && r.status < 300);
      if (new Set(ok.map((r) => r.path.toLowerCase())).size >= targets) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const posts = emulator.requests.filter(actionPost);
    const ok = posts.filter((r) => r.status >= 200 && r.status < 300);
    const delays = ok.map((r) => r.at - due).sort((a, b) => a - b);
    return {
      targets,
      due: new Date(due).toISOString(),
      registrationInMs,
      posts: posts.length,
      succeeded: ok.length,
      throttled: posts.filter((r) => r.status === 429).length,
      calledVms: new Set(ok.map((r) => r.path.toLowerCase())).size,
      minInMs: delays[0],
      p50InMs: percentile(delays, 50),
      p90InMs: percentile(delays, 90),
      p99InMs: percentile(delays, 99),
      maxInMs: delays[delays.length - 1],
      load: load(),
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

export function printLatencyBench(r) {
  console.log(
    `\n## Delay from due instant to ARM call: ${r.targets} targets due at ${r.due}, real clock, local host as \`npm start\` runs it\n`,
  );
  console.log(
    '| targets | action POSTs (2xx / 429) | VMs called | min s | p50 s | p90 s | p99 s | max s | registration s | load (1/5/15 min) |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  const s = (v) => (v === undefined ? '—' : (v / 1000).toFixed(2));
  console.log(
    `| ${r.targets} | ${r.posts} (${r.succeeded} / ${r.throttled}) | ${r.calledVms} | ${s(r.minInMs)} | ${s(r.p50InMs)} | ${s(r.p90InMs)} | ` +
      `${s(r.p99InMs)} | ${s(r.maxInMs)} | ${(r.registrationInMs / 1000).toFixed(1)} | ${r.load} |`,
  );
  console.log(
    '\nAzurite, the ARM emulator (documented throttling, 20 s transitions) and the local host (HTTP on a free port, ' +
      'timer driver, queue pollers, gateway over the real SDK clients) start here. The targets are registered over ' +
      'HTTP with one cron entry at the next whole UTC minute at least 20 s away; the delay of each VM is the ' +
      "emulator's arrival time of its `deallocate` POST minus that minute (nearest-rank percentiles). It includes " +
      'the timer firing at second 0, the tick, the queue poll and the state read before the call. Bounded at 3 minutes.',
  );
}

// ---------------------------------------------------------------------------------------------------------
// 4. Peak memory: a tick with 10,000 due, and the host during the 10k fan-out, each in a child process.

/** Runs `script` with `args` in a child process and resolves with the one message it sends back. */
export function runChild(script, args, { timeoutInMs = 120 * MINUTE_MS } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL(script, import.meta.url)), args, {
      stdio: 'inherit',
      execArgv: childExecArgv(),
    });
    let message;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench: ${script} took longer than ${timeoutInMs / 1000} s`));
    }, timeoutInMs);
    child.on('message', (m) => (message = m));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (message) resolve(message);
      else reject(new Error(`bench: ${script} exited (${signal ?? code}) without a result`));
    });
  });
}

/**
 * `BENCH_HEAP_MB=N` caps the V8 heap of the tick and host children (`--max-old-space-size`), as a small
 * instance would: without it V8 sizes its heap for this 24 GB machine and collects lazily.
 */
function childExecArgv() {
  const heap = Number(process.env.BENCH_HEAP_MB ?? 0);
  return heap > 0 ? [`--max-old-space-size=${heap}`] : [];
}

/** Linux only: the CPU seconds a process has used (user + system), or undefined. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Linux only: a process's peak resident set (VmHWM), or undefined. */
function highWaterMarkKiB(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The host alone during a fan-out on the real clock: `vms` targets seeded into the store, all due at one whole
 * minute, the emulator (documented limits) and Azurite here, the local host in a child process. Watched until
 * every VM has been deallocated (and its run recorded) or `boundAfterDueInMs` after the due minute.
 */
async function runHostFanout({ vms, boundAfterDueInMs, env = {} }) {
  const startedAt = Date.now();
  const cpuAtStart = process.cpuUsage();
  const { startArmEmulator } = await import('../dist/local/arm-emulator/index.js');
  // Seeding 10k targets takes some 10–30 s here: aim at the first whole minute at least 75 s away.
  const dueMinute = Math.ceil((Date.now() + 75_000) / MINUTE_MS) * MINUTE_MS;
  const seeded = await seededStore({ entries: vms, due: vms, dueMinute });
  const stops = [() => seeded.azurite.stop()];
  try {
    if (Date.now() > dueMinute - 10_000) throw new Error('bench: seeding ran into the due minute');
    const emulator = await startArmEmulator({ transitionDurationsInMs: 20_000 });
    stops.push(() => emulator.close());
    for (let i = 0; i < vms; i++) emulator.addVirtualMachine(vmId(i), { powerState: 'running' });
    const child = fork(
      fileURLToPath(new URL('./host-child.mjs', import.meta.url)),
      [
        JSON.stringify({
          env: { ...seeded.env, ...env },
          emulatorUrl: emulator.url,
          certificatePem: emulator.certificatePem,
        }),
      ],
      { stdio: 'inherit', execArgv: childExecArgv() },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    stops.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    });
    const nextMessage = () =>
      Promise.race([
        new Promise((resolve) => child.once('message', resolve)),
        exited.then((code) => {
          throw new Error(`bench: the host child exited (${code})`);
        }),
      ]);
    if ((await nextMessage()) !== 'ready') throw new Error('bench: the host child did not start');
    const deallocations = () =>
      emulator.requests.filter((r) => r.method === 'POST' && /\/deallocate$/i.test(r.path));
    const deallocatedVms = () =>
      new Set(
        deallocations()
          .filter((r) => r.status >= 200 && r.status < 300)
          .map((r) => r.path.toLowerCase()),
      ).size;
    while (Date.now() < dueMinute + boundAfterDueInMs && deallocatedVms() < vms) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    // The last runs are recorded just after their calls.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const observedForInMs = Date.now() - dueMinute;
    const memory = nextMessage();
    child.send('stop');
    const summary = await memory;

    const posts = deallocations();
    const ok = posts.filter((r) => r.status >= 200 && r.status < 300);
    const perVm = new Map();
    for (const r of ok) perVm.set(r.path.toLowerCase(), (perVm.get(r.path.toLowerCase()) ?? 0) + 1);
    const lastBySubscription = {};
    const perMinute = {};
    for (const r of ok) {
      const subscription = r.path.split('/')[2].toLowerCase();
      lastBySubscription[subscription] = Math.max(lastBySubscription[subscription] ?? 0, r.at - dueMinute);
      const minute = Math.floor((r.at - dueMinute) / MINUTE_MS);
      perMinute[minute] = (perMinute[minute] ?? 0) + 1;
    }
    const runs = { succeeded: 0, 'skipped-already-there': 0, poisoned: 0, failed: 0, pending: 0 };
    const executionsInMs = [];
    const runTable = seeded.clients.table(seeded.clients.names.runs);
    for await (const row of runTable.listEntities()) {
      runs[row.outcome] = (runs[row.outcome] ?? 0) + 1;
      const took = new Date(row.finishedAt).getTime() - new Date(row.startedAt).getTime();
      if (Number.isFinite(took)) executionsInMs.push(took);
    }
    executionsInMs.sort((a, b) => a - b);
    const arrivals = ok.map((r) => r.at - dueMinute);
    return {
      vms,
      subscriptions: SUBSCRIPTIONS.length,
      seedInMs: seeded.seedInMs,
      host: summary,
      observedForInMs,
      deallocated: perVm.size,
      duplicates: [...perVm.values()].filter((n) => n > 1).length,
      succeededPosts: ok.length,
      throttledPosts: posts.filter((r) => r.status === 429).length,
      throttledReads: emulator.requests.filter((r) => r.method === 'GET' && r.status === 429).length,
      firstCallAfterDueInMs: arrivals.length ? Math.min(...arrivals) : undefined,
      lastCallAfterDueInMs: arrivals.length ? Math.max(...arrivals) : undefined,
      lastBySubscription,
      perMinute,
      runs,
      execution: {
        p50InMs: percentile(executionsInMs, 50),
        p90InMs: percentile(executionsInMs, 90),
        maxInMs: executionsInMs.at(-1),
      },
      cpuInS: {
        host: summary.cpuInMs / 1000,
        azurite: cpuSeconds(seeded.azurite.pid),
        emulatorAndBench: (() => {
          const used = process.cpuUsage(cpuAtStart);
          return (used.user + used.system) / 1e6;
        })(),
      },
      wallInS: (Date.now() - startedAt) / 1000,
      timeline: summary.timeline.map((t) => ({
        afterDueInS: Math.round((t.at - dueMinute) / 1000),
        rssKiB: t.rssKiB,
      })),
      load: load(),
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

export async function runMemoryBench({ due = 10_000 } = {}) {
  // A tick with 10k due: the parent seeds and keeps Azurite; a child that only opens the store ticks.
  const seeded = await seededStore({ entries: due, due });
  let tickResult;
  try {
    await seeded.restore();
    tickResult = await runChild('./tick-child.mjs', [
      JSON.stringify({ env: seeded.env, dueMinute: DUE_MINUTE, due }),
    ]);
    tickResult.azuriteHwmKiB = highWaterMarkKiB(seeded.azurite.pid);
    tickResult.load = load();
  } finally {
    await seeded.azurite.stop();
  }
  // The host's memory during the 10k fan-out: the fan-out bench's child, run now unless it already ran.
  const host = fanoutCache?.vms === due ? fanoutCache : await runFanoutBench({ vms: due });
  return { tick: tickResult, host };
}

export function printMemoryBench({ tick: t, host: h }) {
  const mib = (kib) => `${fmt(kib / 1024)} MiB (${fmt((kib * 1024) / 1e6)} MB)`;
  const verdict = (kib) => (kib * 1024 < 400e6 ? 'yes' : '**no**');
  console.log(
    '\n## Peak memory (RSS) of the host, each case in its own child process (goal: under 400 MB)\n',
  );
  console.log('| case | max RSS of the process | under 400 MB | notes | load (1/5/15 min) |');
  console.log('|---|---:|---|---|---|');
  console.log(
    `| tick with ${fmt(t.due)} due (${fmt(t.enqueued)} enqueued) | ${mib(t.maxRssKiB)} | ${verdict(t.maxRssKiB)} | ` +
      `the tick took ${fmt(t.tickInMs / 1000, 1)} s on Azurite; RSS ${fmt(t.beforeTickKiB / 1024)} MiB before it` +
      `${t.azuriteHwmKiB ? `; Azurite (its own process) peaked at ${fmt(t.azuriteHwmKiB / 1024)} MiB` : ''} | ${t.load} |`,
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
      'parent seeded the fleet); the host child runs `startLocalHost` with the timer driver and the queue pollers, ' +
      'as `npm start` does, against Azurite and the emulator in the parent, and its RSS is sampled every 100 ms. ' +
      'Azurite and the emulator are not counted (in Azure, storage and ARM are remote). This machine has 24 GB, ' +
      'so V8 sizes its heap for it and collects lazily; a 512 MB instance collects sooner: these are upper bounds. ' +
      (process.env.BENCH_HEAP_MB
        ? `This run capped each child's V8 heap at ${process.env.BENCH_HEAP_MB} MB (BENCH_HEAP_MB).`
        : "`BENCH_HEAP_MB=256` caps the children's V8 heap as a small instance would."),
  );
}

// ---------------------------------------------------------------------------------------------------------

if (import.meta.url === `file://${process.argv[1]}`) {
  // One or more of tick, fanout, latency, memory (memory then reuses the fan-out's child); none for all.
  const names = process.argv.slice(2);
  const run = (name) => names.length === 0 || names.includes(name);
  console.log(
    `# compute-scheduler pipeline benchmarks — node ${process.version}, ${new Date().toISOString()}, load ${load()}`,
  );
  if (run('tick')) printTickBench(await runTickBench());
  if (run('fanout')) printFanoutBench(await runFanoutBench());
  if (run('latency')) printLatencyBench(await runLatencyBench());
  if (run('memory')) printMemoryBench(await runMemoryBench());
}
