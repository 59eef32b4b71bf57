// The reconciler end to end on real pieces: Azurite for the store and queues, the real SDK clients against
// the ARM emulator, on a virtual clock. What it decides is planPool's (tested on its own); here: that it
// reads, acts, records and retries as docs/pools.md says, and that a repeated delivery does nothing twice.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { ArmComputeGateway } from '../../src/compute/arm-gateway.js';
import { decodeActionMessage } from '../../src/engine/action-message.js';
import { execute } from '../../src/engine/execute.js';
import { resolveExecuteOptions } from '../../src/engine/options.js';
import type { PoolMessage } from '../../src/engine/pool-message.js';
import type { PoolQueue } from '../../src/engine/ports.js';
import { poolRound } from '../../src/engine/pool-round.js';
import { machineFields } from '../../src/engine/register-targets.js';
import {
  applyPoolPolicy,
  DEFAULT_RECONCILE_OPTIONS,
  reconcile,
  type ReconcileDependencies,
} from '../../src/engine/reconcile.js';
import { StorageActionQueue, StoragePoolQueue } from '../../src/queue/storage-action-queue.js';
import { validateSchedules } from '../../src/schedule/index.js';
import type { PoolPolicy } from '../../src/store/pool-ports.js';
import type { StoredTarget } from '../../src/store/ports.js';
import { startArmEmulator, type ArmEmulator } from '../../toolkit/arm-emulator/index.js';
import { gatewayFor } from '../compute/gateway-fixture.js';
import { freshStorage, type TestStorage } from '../support/storage.js';

const MIN = 60_000;
const T0 = Date.parse('2026-11-26T12:00:00Z');
const SUB = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-rec/providers';
const policy: PoolPolicy = {
  minCapacity: 0,
  wakeCapacity: 1,
  maxCapacity: 4,
  sessionsPerInstance: 4,
  idleMinutes: 30,
  activity: 'sessions',
  cpuThresholdPercent: 5,
};

let storage: TestStorage;
let emulator: ArmEmulator;
let gateway: ArmComputeGateway;
let deps: ReconcileDependencies;
const clock = new ManualClock(T0);
let nextName = 0;

beforeAll(async () => {
  storage = await freshStorage();
  emulator = await startArmEmulator({ clock, settleAutomatically: false, transitionDurationsInMs: 1000 });
  gateway = gatewayFor(emulator);
  deps = {
    store: storage.store,
    gateway,
    actions: new StorageActionQueue(storage.clients.queueService, storage.clients.names.queues.actions),
    pools: new StoragePoolQueue(storage.clients.queueService, storage.clients.names.queues.pools),
    clock,
    options: { ...DEFAULT_RECONCILE_OPTIONS, waitForCompletion: false },
  };
});
afterAll(() => emulator.close());

/** A registered target for a new machine in the emulator, with the schedule given (none by default). */
async function register(resourceId: string, schedules: unknown[] = []): Promise<StoredTarget> {
  const target = await storage.store.targets.create({
    ...machineFields(resourceId),
    owner: { id: 'owner' },
    createdAt: clock.now(),
  });
  const { computeStartStop: entries } = validateSchedules(
    { computeStartStop: schedules },
    { now: clock.now() },
  );
  await storage.store.schedules.replace(target.id, {
    entries,
    nextOccurrences: entries.map(() => undefined),
    registeredAt: clock.now() - 7 * 24 * 60 * MIN,
    updatedAt: clock.now(),
  });
  return target;
}

async function newPool(capacity: number, schedules: unknown[] = []) {
  const resourceId = `${SUB}/Microsoft.Compute/virtualMachineScaleSets/pool-${++nextName}`;
  emulator.addScaleSet(resourceId, { capacity, powerState: 'running' });
  const target = await register(resourceId, schedules);
  await storage.store.scaling.putPool(target.id, policy, { updatedAt: clock.now() });
  return target;
}

const message = (target: StoredTarget, over: Partial<PoolMessage> = {}): PoolMessage => ({
  v: 1,
  targetId: target.id,
  at: Math.floor(clock.now() / MIN) * MIN,
  source: 'tick',
  ...over,
});

function members(resourceId: string) {
  const state = emulator.stateOf(resourceId);
  if (state?.kind !== 'pool') throw new Error('not a pool');
  return state.members.filter((m) => !m.deleting).map((m) => m.instanceId);
}

async function runsOf(target: StoredTarget) {
  return (await storage.store.runs.list({ targetId: target.id, registration: target.registration })).items;
}

/** A pools queue that keeps what is sent, with its delay (Azurite would hide a delayed message from a peek). */
function capturingQueue() {
  const sent: { message: PoolMessage; delay: number }[] = [];
  const pools: PoolQueue = {
    send: (m, o) => {
      sent.push({ message: m, delay: o?.visibilityDelayInMs ?? 0 });
      return Promise.resolve();
    },
    sendToPoison: () => Promise.resolve(),
  };
  return { sent, pools };
}

function later(minutes: number) {
  clock.set(clock.now() + minutes * MIN);
  emulator.settle();
}

describe('reconcile a pool', () => {
  it('removes the instances idle for idleMinutes, never one with a session, and records the run', async () => {
    const pool = await newPool(3);
    later(45);
    const [busy, ...idle] = members(pool.resourceId);
    await storage.store.scaling.recordActivity(pool.id, {
      at: clock.now(),
      instances: [{ instanceId: busy!, sessions: 2 }],
    });
    const report = await reconcile(deps, message(pool));
    expect(report).toMatchObject({ outcome: 'removed', armWrites: 1 });
    expect(report.plan).toMatchObject({ change: 'remove', instanceIds: idle });
    later(1);
    expect(members(pool.resourceId)).toEqual([busy]);
    const [run] = await runsOf(pool);
    expect(run).toMatchObject({ source: 'idle', outcome: 'succeeded', requestedAction: 'Stop' });
    expect(run!.note).toContain(`removed instances ${idle.join(', ')}`);
  });

  it('a second delivery of the same message finds nothing left to do and calls Azure for nothing', async () => {
    const pool = await newPool(2);
    later(45);
    const first = await reconcile(deps, message(pool));
    expect(first.outcome).toBe('removed');
    emulator.clearRequests();
    const second = await reconcile(deps, message(pool));
    expect(second).toMatchObject({ outcome: 'unchanged', armWrites: 0 });
    expect(emulator.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(await runsOf(pool)).toHaveLength(1);
  });

  it('wakes an empty pool to one instance and keeps it for idleMinutes after the wake', async () => {
    const pool = await newPool(0);
    await storage.store.scaling.recordWake(pool.id, clock.now());
    expect(await reconcile(deps, message(pool, { source: 'wake' }))).toMatchObject({
      outcome: 'scaled',
      plan: { change: 'scaleOut', capacity: 1, reason: 'wake' },
    });
    later(2);
    expect(members(pool.resourceId)).toHaveLength(1);
    later(20);
    expect((await reconcile(deps, message(pool))).outcome).toBe('unchanged');
    later(10);
    expect((await reconcile(deps, message(pool))).outcome).toBe('removed');
    const sources = (await runsOf(pool)).map((r) => r.source);
    expect(sources).toEqual(['idle', 'wake']);
  });

  it("keeps the schedule's floor inside a Start window", async () => {
    const pool = await newPool(0, [
      { triggerType: 'Cron', action: 'Start', cron: { expression: '0 0 * * *', timeZone: 'UTC' } },
    ]);
    expect(await reconcile(deps, message(pool))).toMatchObject({
      outcome: 'scaled',
      plan: { change: 'scaleOut', capacity: 1, reason: 'floor' },
    });
    const [run] = await runsOf(pool);
    expect(run).toMatchObject({ source: 'schedule', requestedAction: 'Start', outcome: 'succeeded' });
  });

  it('scales out when the sessions need more instances', async () => {
    const pool = await newPool(1);
    const [only] = members(pool.resourceId);
    await storage.store.scaling.recordActivity(pool.id, {
      at: clock.now(),
      instances: [{ instanceId: only!, sessions: 4 }],
      waiting: 5,
    });
    expect(await reconcile(deps, message(pool))).toMatchObject({
      outcome: 'scaled',
      plan: { change: 'scaleOut', capacity: 3, reason: 'demand' },
    });
  });

  it('an enforced Stop ends the sessions once its grace is over; without enforcement they keep the pool up', async () => {
    const at = new Date(clock.now());
    const stopNow = [
      {
        triggerType: 'Cron',
        action: 'Stop',
        cron: { expression: `${at.getUTCMinutes()} ${at.getUTCHours()} * * *`, timeZone: 'UTC' },
      },
    ];
    const enforced = await newPool(2, stopNow);
    const relaxed = await newPool(2, stopNow);
    await storage.store.controls.enforcement.put(enforced, {
      enforce: true,
      graceMinutes: 15,
      updatedAt: clock.now(),
    });
    const busy = async () => {
      for (const pool of [enforced, relaxed]) {
        await storage.store.scaling.recordActivity(pool.id, {
          at: clock.now(),
          instances: members(pool.resourceId).map((instanceId) => ({ instanceId, sessions: 1 })),
        });
      }
    };
    later(5);
    await busy();
    expect((await reconcile(deps, message(enforced))).outcome).toBe('unchanged');
    later(11);
    await busy();
    const report = await reconcile(deps, message(enforced));
    expect(report.plan).toMatchObject({ change: 'remove', reason: 'enforced', from: 2, to: 0 });
    expect((await reconcile(deps, message(relaxed))).outcome).toBe('unchanged');
    later(1);
    expect(members(enforced.resourceId)).toEqual([]);
    expect(members(relaxed.resourceId)).toHaveLength(2);
    const [run] = await runsOf(enforced);
    expect(run).toMatchObject({ source: 'enforce', requestedAction: 'Stop', outcome: 'succeeded' });
    expect(run!.note).toContain('an enforced Stop, its grace over');
  });

  it('a pool without a policy, or a target no longer registered, is left alone', async () => {
    const pool = await newPool(2);
    await storage.store.scaling.deletePool(pool.id);
    expect(await reconcile(deps, message(pool))).toMatchObject({ outcome: 'gone', armReads: 0 });
    expect(
      await reconcile(deps, { v: 1, targetId: 'f'.repeat(32), at: clock.now(), source: 'tick' }),
    ).toMatchObject({ outcome: 'gone' });
  });

  it('under throttling the message comes back after Retry-After, and the run stays open until it acts', async () => {
    const throttled = await startArmEmulator({
      clock,
      settleAutomatically: false,
      faults: { seed: 3, throttleRate: 1 },
    });
    try {
      const pool = await newPool(2);
      throttled.addScaleSet(pool.resourceId, { capacity: 2 });
      later(45);
      const { sent, pools } = capturingQueue();
      const report = await reconcile(
        { ...deps, gateway: gatewayFor(throttled, { maxRetries: 0 }), pools },
        message(pool),
      );
      expect(report.outcome).toBe('retry');
      expect(report.retryInMs).toBeGreaterThan(0);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ message: { targetId: pool.id, attempt: 2 }, delay: report.retryInMs });
      // The next attempt, with Azure answering again, acts once.
      const again = await reconcile(deps, sent[0]!.message);
      expect(again.outcome).toBe('removed');
      expect(await runsOf(pool)).toEqual([expect.objectContaining({ outcome: 'succeeded', source: 'idle' })]);
    } finally {
      await throttled.close();
    }
  });
});

describe('a scheduled Start of a pool with a policy', () => {
  it('reads the pool once, through its policy: the scale set and its instances, then one write', async () => {
    const pool = await newPool(0, [
      { triggerType: 'Cron', action: 'Start', cron: { expression: '0 0 * * *', timeZone: 'UTC' } },
    ]);
    const executeDeps = {
      store: storage.store,
      gateway,
      actions: deps.actions,
      clock,
      options: resolveExecuteOptions(),
      poolPolicy: {
        find: (target: StoredTarget) => storage.store.scaling.getPool(target.id),
        apply: applyPoolPolicy.bind(undefined, deps),
      },
    };
    const before = emulator.requests.length;
    const report = await execute(
      executeDeps,
      {
        v: 1,
        targetId: pool.id,
        resourceId: pool.resourceId,
        kind: 'pool',
        action: 'Start',
        occurrenceAt: Math.floor(clock.now() / (24 * 60 * MIN)) * 24 * 60 * MIN,
        source: 'schedule',
      },
      { messageId: 'start-1', dequeueCount: 1 },
    );
    expect(report.outcome).toBe('succeeded');
    const requests = emulator.requests.slice(before);
    // A read of the machine before the claim as well would be two more: a Start of 250 pools at once
    // would then ask a subscription for a thousand reads in a second.
    expect(requests.filter((r) => r.method === 'GET').map((r) => r.path.split('/').slice(-1)[0])).toEqual([
      pool.name,
      'virtualMachines',
    ]);
    expect(requests.filter((r) => r.method !== 'GET')).toHaveLength(1);
    expect(members(pool.resourceId)).toHaveLength(1);
  });
});

describe('the round', () => {
  it('puts one message per scaled target on the pools queue, spread over the minute', async () => {
    const queue = storage.clients.queueService.getQueueClient(storage.clients.names.queues.pools);
    await queue.clearMessages();
    const { sent, pools } = capturingQueue();
    const report = await poolRound({ scaling: storage.store.scaling, pools, clock });
    const scaled = new Set<string>();
    for (let page = await storage.store.scaling.listScaled(); ;) {
      page.items.forEach((s) => scaled.add(s.targetId));
      if (!page.continuationToken) break;
      page = await storage.store.scaling.listScaled({ continuationToken: page.continuationToken });
    }
    expect(report.enqueued).toBe(scaled.size);
    expect(new Set(sent.map((s) => s.message.targetId))).toEqual(scaled);
    expect(sent.every((s) => s.delay >= 0 && s.delay < 50_000)).toBe(true);
  });
});

describe('an idle machine', () => {
  it('is stopped through the actions queue once idle for idleMinutes, and only once', async () => {
    const resourceId = `${SUB}/Microsoft.Compute/virtualMachines/vm-idle-${++nextName}`;
    emulator.addVirtualMachine(resourceId, { powerState: 'running' });
    const vm = await register(resourceId);
    await storage.store.scaling.putIdle(
      vm.id,
      { idleMinutes: 30, activity: 'sessions', cpuThresholdPercent: 5 },
      { updatedAt: clock.now() },
    );
    await storage.store.scaling.recordActivity(vm.id, {
      at: clock.now(),
      instances: [{ instanceId: '', sessions: 1 }],
    });
    later(20);
    expect((await reconcile(deps, message(vm))).outcome).toBe('unchanged');
    later(11);
    const stop = await reconcile(deps, message(vm));
    expect(stop.outcome).toBe('stop-requested');
    expect((await reconcile(deps, message(vm))).outcome).toBe('unchanged');
    const queued = await storage.clients.queueService
      .getQueueClient(storage.clients.names.queues.actions)
      .peekMessages({ numberOfMessages: 32 });
    const mine = queued.peekedMessageItems
      .map((m) => decodeActionMessage(m.messageText))
      .filter((m) => m.targetId === vm.id);
    expect(mine).toEqual([
      expect.objectContaining({ action: 'Stop', source: 'idle', occurrenceAt: stop.runAt }),
    ]);
    expect(await runsOf(vm)).toEqual([
      expect.objectContaining({ source: 'idle', outcome: 'pending', requestedAction: 'Stop' }),
    ]);
  });
});
