// The host alone during a fan-out on the real clock, for the fan-out and memory benches: `vms` targets
// registered in the store, all due at one whole minute, the ARM emulator (documented limits) and Azurite
// here, the local host in a child process. Watched until every VM has been deallocated (and its run
// recorded) or a bound after the due minute.

import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { odata } from '@azure/data-tables';
import type { Environment } from '../src/config.js';
import { startArmEmulator, type ArmEmulator, type RequestLogEntry } from '../toolkit/arm-emulator/index.js';
import { toRun, type EntityResult } from '../src/store/entities.js';
import { LATEST_ROW } from '../src/store/keys.js';
import type { RunOutcome } from '../src/store/ports.js';
import { forkChild, nextMessage } from './child-process.js';
import { MINUTE_MS, SUBSCRIPTIONS, seededStore, vmId, type SeededStore } from './fleet.js';
import type { HostChildResult } from './host-child.js';
import { cpuInMicroseconds, cpuSeconds, load } from './machine.js';
import { percentile } from './stats.js';

export interface HostFanoutOptions {
  vms: number;
  boundAfterDueInMs: number;
  /** Settings for the host on top of the store's. */
  env?: Environment;
}

export interface HostFanoutResult extends CallSummary {
  vms: number;
  subscriptions: number;
  seedInMs: number;
  host: HostChildResult;
  observedForInMs: number;
  /** Recorded runs by outcome; outcomes none ended in are absent. */
  runs: Partial<Record<RunOutcome, number>>;
  execution: { p50InMs?: number; p90InMs?: number; maxInMs?: number };
  cpuInS: { host: number; azurite?: number; emulatorAndBench: number };
  wallInS: number;
  timeline: { afterDueInS: number; rssKiB: number }[];
  load: string;
}

/** What the emulator saw: the deallocate POSTs, when they landed after the due minute, and repeats. */
interface CallSummary {
  deallocated: number;
  duplicates: number;
  succeededPosts: number;
  throttledPosts: number;
  throttledReads: number;
  firstCallAfterDueInMs?: number;
  lastCallAfterDueInMs?: number;
  lastBySubscription: Record<string, number>;
  perMinute: Record<number, number>;
}

/** The fan-out's parts, running; `stop()` ends them in reverse order. */
interface FanoutWorld {
  seeded: SeededStore;
  emulator: ArmEmulator;
  child: ChildProcess;
  nextMessage(): Promise<unknown>;
  stop(): Promise<void>;
}

export async function runHostFanout({
  vms,
  boundAfterDueInMs,
  env = {},
}: HostFanoutOptions): Promise<HostFanoutResult> {
  const startedAt = Date.now();
  const cpuAtStart = process.cpuUsage();
  const world = await startFanoutWorld(vms, env);
  try {
    const { seeded, emulator, child } = world;
    const { dueMinute } = seeded;
    if ((await world.nextMessage()) !== 'ready') throw new Error('bench: the host child did not start');
    while (Date.now() < dueMinute + boundAfterDueInMs && deallocatedVms(emulator.requests) < vms) {
      await sleep(1000);
    }
    // The last runs are recorded just after their calls.
    await sleep(5000);
    const observedForInMs = Date.now() - dueMinute;
    const memory = world.nextMessage();
    child.send('stop');
    const host = (await memory) as HostChildResult;
    return {
      vms,
      subscriptions: SUBSCRIPTIONS.length,
      seedInMs: seeded.seedInMs,
      host,
      observedForInMs,
      ...summariseCalls(emulator.requests, dueMinute),
      ...(await recordedRuns(seeded)),
      cpuInS: {
        host: host.cpuInMs / 1000,
        azurite: cpuSeconds(seeded.azurite.pid),
        emulatorAndBench: cpuInMicroseconds(cpuAtStart) / 1e6,
      },
      wallInS: (Date.now() - startedAt) / 1000,
      timeline: host.timeline.map((t) => ({
        afterDueInS: Math.round((t.at - dueMinute) / 1000),
        rssKiB: t.rssKiB,
      })),
      load: load(),
    };
  } finally {
    await world.stop();
  }
}

/**
 * Registers the fleet, then aims at the first whole minute its schedules can still be written before, and
 * starts the emulator and the host child. A schedule write costs about three registrations (two reads, a due
 * row, a transaction, where registering is an access row and a transaction), so the aim is four times as
 * long as registering took, and 30 s to spare: with one owner for the fleet registering was the slow part and
 * one and a half times did, with a hundred it is not and the schedules once ran into the due minute.
 */
async function startFanoutWorld(vms: number, env: Environment): Promise<FanoutWorld> {
  const seeded = await seededStore({
    entries: vms,
    due: vms,
    dueMinute: (tookInMs) => Math.ceil((Date.now() + 4 * tookInMs + 30_000) / MINUTE_MS) * MINUTE_MS,
  });
  const stops: (() => Promise<void>)[] = [() => seeded.azurite.stop()];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    if (Date.now() > seeded.dueMinute - 10_000) throw new Error('bench: seeding ran into the due minute');
    const emulator = await startArmEmulator({ transitionDurationsInMs: 20_000 });
    stops.push(() => emulator.close());
    for (let i = 0; i < vms; i++) emulator.addVirtualMachine(vmId(i), { powerState: 'running' });
    const child = forkChild('./host-child.js', {
      env: { ...seeded.env, ...env },
      emulatorUrl: emulator.url,
      certificatePem: emulator.certificatePem,
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    stops.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    });
    return { seeded, emulator, child, nextMessage: () => nextMessage(child, 'host child'), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const isDeallocate = (r: RequestLogEntry) => r.method === 'POST' && /\/deallocate$/i.test(r.path);
const succeeded = (r: RequestLogEntry) => r.status >= 200 && r.status < 300;

/** How many VMs have had a deallocate accepted. */
export function deallocatedVms(requests: readonly RequestLogEntry[]): number {
  return new Set(requests.filter((r) => isDeallocate(r) && succeeded(r)).map((r) => r.path.toLowerCase()))
    .size;
}

function summariseCalls(requests: readonly RequestLogEntry[], dueMinute: number): CallSummary {
  const posts = requests.filter(isDeallocate);
  const ok = posts.filter(succeeded);
  const perVm = new Map<string, number>();
  const lastBySubscription: Record<string, number> = {};
  const perMinute: Record<number, number> = {};
  for (const r of ok) {
    const vm = r.path.toLowerCase();
    perVm.set(vm, (perVm.get(vm) ?? 0) + 1);
    const subscription = vm.split('/')[2] ?? '';
    lastBySubscription[subscription] = Math.max(lastBySubscription[subscription] ?? 0, r.at - dueMinute);
    const minute = Math.floor((r.at - dueMinute) / MINUTE_MS);
    perMinute[minute] = (perMinute[minute] ?? 0) + 1;
  }
  const arrivals = ok.map((r) => r.at - dueMinute);
  return {
    deallocated: perVm.size,
    duplicates: [...perVm.values()].filter((n) => n > 1).length,
    succeededPosts: ok.length,
    throttledPosts: posts.filter((r) => r.status === 429).length,
    throttledReads: requests.filter((r) => r.method === 'GET' && r.status === 429).length,
    firstCallAfterDueInMs: arrivals.length ? Math.min(...arrivals) : undefined,
    lastCallAfterDueInMs: arrivals.length ? Math.max(...arrivals) : undefined,
    lastBySubscription,
    perMinute,
  };
}

/**
 * The runs the host recorded, by outcome, and how long each execution took. One scan of the runs table,
 * each row read as the store reads it: the store lists runs per target only, which would be 10,000 queries.
 */
async function recordedRuns(seeded: SeededStore): Promise<Pick<HostFanoutResult, 'runs' | 'execution'>> {
  const runs: HostFanoutResult['runs'] = {};
  const executionsInMs: number[] = [];
  const table = seeded.clients.table(seeded.clients.names.runs);
  const rows = table.listEntities<Record<string, unknown>>({
    queryOptions: { filter: odata`RowKey lt ${LATEST_ROW}` },
  });
  for await (const row of rows) {
    const run = toRun(row as EntityResult);
    runs[run.outcome] = (runs[run.outcome] ?? 0) + 1;
    if (run.startedAt !== undefined && run.finishedAt !== undefined) {
      executionsInMs.push(run.finishedAt - run.startedAt);
    }
  }
  executionsInMs.sort((a, b) => a - b);
  const execution = {
    p50InMs: percentile(executionsInMs, 50),
    p90InMs: percentile(executionsInMs, 90),
    maxInMs: executionsInMs.at(-1),
  };
  return { runs, execution };
}
