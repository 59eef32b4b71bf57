// A registered fleet for the benches that need one: a fresh in-memory Azurite, and targets registered and
// their schedules written through the store's own repositories, as registration writes them.

import { randomBytes } from 'node:crypto';
import { readConfig } from '../src/config.js';
import { machineFields } from '../src/engine/register-targets.js';
import { forEachLimited } from '../src/in-flight.js';
import { TICK_CHECKPOINT } from '../src/engine/tick.js';
import { seededRandom } from '../toolkit/arm-emulator/faults.js';
import { startAzurite, type RunningAzurite } from '../toolkit/azurite.js';
import {
  nextOccurrence,
  validateEntry,
  type ScheduleAction,
  type ScheduleEntry,
} from '../src/schedule/index.js';
import { openStore, provisionStorage, type StorageClients } from '../src/store/index.js';
import { dueTableName, startOfHour } from '../src/store/keys.js';
import type { DueEntry, Store, StoredTarget, Target } from '../src/store/ports.js';
import { elapsedInMs } from './stats.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
/** A Thursday, 18:00 UTC: the minute the tick and due-read benches evaluate. */
export const DUE_MINUTE = Date.parse('2026-11-26T18:00:00Z');
export const SUBSCRIPTIONS = [
  '11111111-1111-1111-1111-111111111111',
  '22222222-2222-2222-2222-222222222222',
  '33333333-3333-3333-3333-333333333333',
  '44444444-4444-4444-4444-444444444444',
] as const;
/** Store calls in flight while seeding. */
const SEED_CONCURRENCY = 32;

/** The resource id of the fleet's `index`-th VM, spread over the subscriptions and 20 resource groups. */
export function vmId(index: number): string {
  const subscription = SUBSCRIPTIONS[index % SUBSCRIPTIONS.length]!;
  return `/subscriptions/${subscription}/resourceGroups/rg-team-${index % 20}/providers/Microsoft.Compute/virtualMachines/vm-${index}`;
}

export interface FleetOptions {
  /** Registered schedule entries in all. */
  entries: number;
  /** How many of them are due in the measured minute (one per target). */
  due: number;
  /**
   * The measured minute, or how to choose it once the targets are registered and before their schedules
   * are written (on the real clock, the minute must still be ahead when seeding ends).
   * @default DUE_MINUTE
   */
  dueMinute?: number | ((registeringTookInMs: number) => number);
}

export interface SeededStore {
  azurite: RunningAzurite;
  /** The settings the store was opened with, for a child process to open it too. */
  env: Record<string, string>;
  store: Store;
  clients: StorageClients;
  dueMinute: number;
  /** Registered targets, in fleet order (the `i`-th is `vmId(i)`). */
  targets: StoredTarget[];
  /** The due index's hour tables the fleet's next occurrences fall in. */
  hourTables: number;
  seedInMs: number;
  /** Puts the measured minute back as it was before a tick (its due rows, the checkpoint, an empty queue). */
  restore(): Promise<void>;
}

/** A store on a fresh in-memory Azurite, seeded with `entries` registered entries of which `due` are due. */
export async function seededStore(options: FleetOptions): Promise<SeededStore> {
  const azurite = await startAzurite({ ports: 'free' });
  try {
    return await seed(azurite, options);
  } catch (error) {
    await azurite.stop();
    throw error;
  }
}

async function seed(azurite: RunningAzurite, options: FleetOptions): Promise<SeededStore> {
  const { entries, due, dueMinute: minute = DUE_MINUTE } = options;
  const env = {
    AzureWebJobsStorage: azurite.connectionString,
    SCHEDULER_STORAGE_PREFIX: `b${randomBytes(4).toString('hex')}`,
  };
  const { store, clients } = openStore(readConfig(env));
  await provisionStorage(clients);
  const started = process.hrtime.bigint();
  const fixedMinute = typeof minute === 'number' ? minute : undefined;
  const createdAt = (fixedMinute ?? Date.now()) - 7 * DAY_MS;
  const targets = await registerTargets(store, due + Math.ceil((entries - due) / 2), createdAt);
  const dueMinute = fixedMinute ?? (minute as (tookInMs: number) => number)(elapsedInMs(started));
  const fleet = new FleetSchedules(store, targets, fleetEntries(entries, due, dueMinute), dueMinute);
  await fleet.write(targets.keys());
  const seedInMs = elapsedInMs(started);
  const dueTargets = new Set(targets.slice(0, due).map((target) => target.id));
  const restore = async (): Promise<void> => {
    // Take back what the last tick moved: in time the rows it wrote for tomorrow would be deleted by the next
    // schedule write (it looks for a row at the entry's next occurrence after now), but this minute is replayed
    // from before it, so left alone they would pile up in tomorrow's hour table, 1,000 a tick, and Azurite's
    // writes slow as a table grows.
    await forgetMovedRows(store, dueTargets, dueMinute);
    await fleet.write(targets.slice(0, due).keys());
    await setTickCheckpoint(store, dueMinute - MINUTE_MS);
    await clients.queueService.getQueueClient(clients.names.queues.actions).clearMessages();
  };
  const hourTables = fleet.hourTables(clients);
  return {
    azurite,
    env,
    store,
    clients,
    dueMinute,
    targets,
    hourTables,
    seedInMs,
    restore,
  };
}

/** Forgets the due targets' rows for the same minute tomorrow, where the tick moves the measured minute's rows. */
async function forgetMovedRows(store: Store, dueTargets: Set<string>, dueMinute: number): Promise<void> {
  const tomorrow = dueMinute + DAY_MS;
  const moved: DueEntry[] = [];
  for await (const row of store.due.listDue(tomorrow - MINUTE_MS, tomorrow)) {
    if (dueTargets.has(row.targetId)) moved.push(row);
  }
  await store.due.forget(moved);
}

/** The checkpoint as the tick of the minute before `value` + 1 minute leaves it. */
async function setTickCheckpoint(store: Store, value: number): Promise<void> {
  const current = await store.checkpoints.get(TICK_CHECKPOINT);
  await store.checkpoints.set(TICK_CHECKPOINT, value, current ? { etag: current.etag } : {});
}

/**
 * A fleet this large has many owners: a hundred here. Each owner's access rows share a partition, which
 * Azurite scans on every write into it, so one owner of 50,000 machines made seeding the 100k fleet take
 * longer than the benches it seeds (41,000 targets in 20 minutes, slowing as the partition grew).
 */
const OWNERS = 100;

function benchTarget(index: number, createdAt: number): Target {
  return {
    ...machineFields(vmId(index)),
    owner: { id: `bench-owner-${index % OWNERS}`, name: 'bench' },
    createdAt,
  };
}

/** Registers `vmId(0)` … `vmId(count − 1)`, each with an empty schedule, as `POST /api/targets` does. */
async function registerTargets(store: Store, count: number, createdAt: number): Promise<StoredTarget[]> {
  const targets = new Array<StoredTarget>(count);
  const indexes = Array.from({ length: count }, (_, i) => i);
  await forEachLimited(indexes, SEED_CONCURRENCY, async (i) => {
    targets[i] = await store.targets.create(benchTarget(i, createdAt));
  });
  return targets;
}

/** Every target's schedule, written as `PUT …/schedules` writes it, at the minute before the measured one. */
class FleetSchedules {
  private readonly registeredAt: number;
  private readonly nextOccurrences: (number | undefined)[][];

  constructor(
    private readonly store: Store,
    private readonly targets: readonly StoredTarget[],
    private readonly entries: readonly ScheduleEntry[][],
    dueMinute: number,
  ) {
    this.registeredAt = dueMinute - 7 * DAY_MS;
    const now = dueMinute - 1;
    this.nextOccurrences = entries.map((list) =>
      list.map((entry) => nextOccurrence(entry, now, this.registeredAt)),
    );
  }

  /** Writes the schedules of the targets at `indexes`, replacing what they hold (and moving their due rows). */
  async write(indexes: Iterable<number>): Promise<void> {
    await forEachLimited([...indexes], SEED_CONCURRENCY, async (i) => {
      await this.store.schedules.replace(this.targets[i]!.id, {
        entries: this.entries[i]!,
        nextOccurrences: this.nextOccurrences[i]!,
        registeredAt: this.registeredAt,
        updatedAt: this.registeredAt,
      });
    });
  }

  hourTables(clients: StorageClients): number {
    const at = this.nextOccurrences.flat().filter((n) => n !== undefined);
    return new Set(at.map((n) => dueTableName(clients.names, n))).size;
  }
}

function cronEntry(action: ScheduleAction, expression: string): ScheduleEntry {
  return validateEntry({
    triggerType: 'Cron',
    action,
    status: 'Enabled',
    cron: { expression, timeZone: 'UTC' },
  });
}

/**
 * The fleet's schedules: `due` targets with one entry each, Stop every day at the measured minute; the
 * other entries belong to targets with two entries each (a Start and a Stop, as most people register),
 * next due at a realistic time in the following week (`weeklyEntry`) but never in the measured hour.
 */
function fleetEntries(entries: number, due: number, dueMinute: number): ScheduleEntry[][] {
  const next = seededRandom(entries);
  const at = new Date(dueMinute);
  const stopDaily = cronEntry('Stop', `${at.getUTCMinutes()} ${at.getUTCHours()} * * *`);
  const schedules = Array.from({ length: due }, () => [stopDaily]);
  for (let remaining = entries - due; remaining > 0; remaining -= 2) {
    const actions: ScheduleAction[] = remaining >= 2 ? ['Start', 'Stop'] : ['Stop'];
    schedules.push(actions.map((action) => weeklyEntry(action, dueMinute, next)));
  }
  return schedules;
}

/**
 * An entry once a week, in one of the 167 hours after the measured one, at :00 (70 %), :30 (20 %) or
 * :15/:45 (10 %), any hour of any day.
 */
function weeklyEntry(action: ScheduleAction, dueMinute: number, next: () => number): ScheduleEntry {
  const hour = startOfHour(dueMinute) + HOUR_MS * (1 + Math.floor(next() * (7 * 24 - 1)));
  const r = next();
  const minute = r < 0.7 ? 0 : r < 0.9 ? 30 : r < 0.95 ? 15 : 45;
  const d = new Date(hour + minute * MINUTE_MS);
  return cronEntry(action, `${minute} ${d.getUTCHours()} * * ${d.getUTCDay()}`);
}
