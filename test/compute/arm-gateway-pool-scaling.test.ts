import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ArmComputeGateway } from '../../src/compute/arm-gateway.js';
import { OperationFailedError, ThrottledError, type Machine } from '../../src/compute/gateway.js';
import { ManualClock } from '../../src/clock.js';
import {
  documentedThrottlingLimits,
  startArmEmulator,
  type ArmEmulator,
} from '../../toolkit/arm-emulator/index.js';
import { computeClient, GROUP, poolId } from '../toolkit/arm-emulator/fixture.js';
import { callsTo, gatewayFor } from './gateway-fixture.js';

const WAIT = { waitForCompletion: true };
const START = Date.parse('2026-03-02T09:00:00Z');

let clock: ManualClock;
let emulator: ArmEmulator;
let gateway: ArmComputeGateway;
let nextName = 0;

function newPool(
  capacity: number,
  powerState: 'running' | 'deallocated' = 'running',
): Machine & { name: string } {
  const name = `scaling-${++nextName}`;
  emulator.addScaleSet(poolId(name), { capacity, powerState, transitionDurationsInMs: 0 });
  return { name, resourceId: poolId(name), kind: 'pool' };
}

beforeAll(async () => {
  clock = new ManualClock(START);
  emulator = await startArmEmulator({ clock, transitionDurationsInMs: 0 });
  gateway = gatewayFor(emulator, { clock });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.clearRequests());

describe('reading a pool', () => {
  it('lists every instance with its power, protection and creation time in one list request', async () => {
    const pool = newPool(3);
    expect(await gateway.readPool(pool)).toEqual({
      capacity: 3,
      tags: {},
      armReads: 2,
      instances: ['0', '1', '2'].map((instanceId) => ({
        instanceId,
        power: 'running',
        deleting: false,
        protectedFromScaleIn: false,
        createdAt: START,
      })),
    });
    expect(callsTo(emulator, pool.name)).toEqual([`GET /${pool.name}`, `GET /${pool.name}/virtualMachines`]);
    expect(emulator.requests[1]!.query).toContain('%24expand=instanceView');
  });

  it('pages through a large pool, counting each page as a read', async () => {
    const big = await startArmEmulator({ clock, transitionDurationsInMs: 0, listPageSize: 2 });
    try {
      big.addScaleSet(poolId('big'), { capacity: 5 });
      const view = await gatewayFor(big, { clock }).readPool({ resourceId: poolId('big'), kind: 'pool' });
      expect(view.instances.map((i) => i.instanceId)).toEqual(['0', '1', '2', '3', '4']);
      expect(view.armReads).toBe(4);
    } finally {
      await big.close();
    }
  });

  it('shows instances of a deallocated pool as stopped, and new instances with the time they were made', async () => {
    const pool = newPool(1, 'deallocated');
    clock.advance(60_000);
    await gateway.scalePool(pool, 2, WAIT);
    const view = await gateway.readPool(pool);
    expect(view.instances).toEqual([
      { instanceId: '0', power: 'stopped', deleting: false, protectedFromScaleIn: false, createdAt: START },
      {
        instanceId: '1',
        power: 'running',
        deleting: false,
        protectedFromScaleIn: false,
        createdAt: START + 60_000,
      },
    ]);
  });

  it('a throttled read is a ThrottledError with Azure’s Retry-After', async () => {
    const pool = newPool(1);
    emulator.setFaults({ throttleRate: 1, throttleRetryAfterInSeconds: 17 });
    try {
      const error = await gateway.readPool(pool).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ThrottledError);
      expect((error as ThrottledError).retryAfterInMs).toBe(17_000);
    } finally {
      emulator.setFaults({});
    }
  });

  it("reads fall into ARM's read bucket: a read past it is refused with Retry-After", async () => {
    // ARM's read bucket, made small: four reads, then one more a second.
    const limited = await startArmEmulator({
      clock,
      transitionDurationsInMs: 0,
      throttling: { ...documentedThrottlingLimits, armReads: { capacity: 4, refillPerMinute: 60 } },
    });
    try {
      limited.addScaleSet(poolId('burst'), { capacity: 1 });
      const burst = gatewayFor(limited, { clock, maxRetries: 0 });
      const target: Machine = { resourceId: poolId('burst'), kind: 'pool' };
      for (let i = 0; i < 2; i++) await burst.readPool(target);
      const error = await burst.readPool(target).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ThrottledError);
      expect((error as ThrottledError).retryAfterInMs).toBe(1000);
      expect(limited.requests.at(-1)).toMatchObject({ status: 429, throttledBy: 'SubscriptionReads' });
    } finally {
      await limited.close();
    }
  });
});

describe('scaling a pool', () => {
  it('raises the capacity without touching the tags, and reports from and to', async () => {
    const pool = newPool(1);
    expect(await gateway.scalePool(pool, 3, { ...WAIT, currentCapacity: 1 })).toEqual({
      outcome: 'completed',
      operation: 'scale',
      capacity: { from: 1, to: 3 },
    });
    // Nothing read before the PATCH (the SDK's poller reads the result after it).
    expect(callsTo(emulator, pool.name)[0]).toBe(`PATCH /${pool.name}`);
    expect(emulator.stateOf(pool.resourceId)).toMatchObject({ capacity: 3, instances: { running: 3 } });
  });

  it('reads the capacity itself when not told it, and does nothing when it is already there', async () => {
    const pool = newPool(2);
    expect(await gateway.scalePool(pool, 2, WAIT)).toEqual({
      outcome: 'alreadyInState',
      operation: 'scale',
      capacity: { from: 2, to: 2 },
    });
    expect(callsTo(emulator, pool.name)).toEqual([`GET /${pool.name}`]);
  });

  it('refuses a capacity outside 0–1000 before calling Azure', async () => {
    const pool = newPool(1);
    await expect(gateway.scalePool(pool, 1001, WAIT)).rejects.toThrow(RangeError);
    await expect(gateway.scalePool(pool, 1.5, WAIT)).rejects.toThrow(RangeError);
    expect(callsTo(emulator, pool.name)).toEqual([]);
  });
});

describe('removing chosen instances', () => {
  it('deletes exactly the ids asked for and lowers the capacity by as many', async () => {
    const pool = newPool(4);
    expect(await gateway.removePoolInstances(pool, ['1', '2'], { ...WAIT, currentCapacity: 4 })).toEqual({
      outcome: 'completed',
      operation: 'deleteInstances',
      capacity: { from: 4, to: 2 },
    });
    const view = await gateway.readPool(pool);
    expect(view.capacity).toBe(2);
    expect(view.instances.map((i) => i.instanceId)).toEqual(['0', '3']);
  });

  it('shows instances as deleting while the delete runs, and they no longer count toward capacity', async () => {
    const slow = newPool(0);
    emulator.removeResource(slow.resourceId);
    emulator.addScaleSet(slow.resourceId, { capacity: 3, transitionDurationsInMs: 60_000 });
    expect(
      await gateway.removePoolInstances(slow, ['0'], { waitForCompletion: false, currentCapacity: 3 }),
    ).toMatchObject({ outcome: 'accepted', capacity: { from: 3, to: 2 } });
    const view = await gateway.readPool(slow);
    expect(view.capacity).toBe(2);
    expect(view.instances[0]).toMatchObject({ instanceId: '0', deleting: true });
    clock.advance(60_000);
    expect((await gateway.readPool(slow)).instances.map((i) => i.instanceId)).toEqual(['1', '2']);
  });

  it('an id the pool does not have is refused and changes nothing', async () => {
    const pool = newPool(2);
    await expect(
      gateway.removePoolInstances(pool, ['1', '9'], { ...WAIT, currentCapacity: 2 }),
    ).rejects.toThrow(OperationFailedError);
    expect(emulator.stateOf(pool.resourceId)).toMatchObject({ capacity: 2, instances: { running: 2 } });
  });

  it('no ids is nothing to do', async () => {
    const pool = newPool(2);
    expect(await gateway.removePoolInstances(pool, [], { ...WAIT, currentCapacity: 2 })).toMatchObject({
      outcome: 'alreadyInState',
    });
    expect(callsTo(emulator, pool.name)).toEqual([]);
  });
});

describe('scale-in protection (set through the SDK, as an admin would)', () => {
  it('a capacity decrease skips protected instances; the gateway reads the protection', async () => {
    const pool = newPool(3);
    const client = computeClient(emulator);
    await client.virtualMachineScaleSetVMs.update(GROUP, pool.name, '2', {
      location: 'westeurope',
      protectionPolicy: { protectFromScaleIn: true },
    });
    expect((await gateway.readPool(pool)).instances.map((i) => i.protectedFromScaleIn)).toEqual([
      false,
      false,
      true,
    ]);
    // Azure's default picks the newest instance, '2'; protected, it stays and '1' goes.
    await gateway.scalePool(pool, 2, WAIT);
    expect((await gateway.readPool(pool)).instances.map((i) => i.instanceId)).toEqual(['0', '2']);
    expect(emulator.stateOf(pool.resourceId)).toMatchObject({ capacity: 2 });
  });

  it('scaling to zero keeps every protected instance', async () => {
    const pool = newPool(2);
    const client = computeClient(emulator);
    for (const id of ['0', '1']) {
      await client.virtualMachineScaleSetVMs.update(GROUP, pool.name, id, {
        location: 'westeurope',
        protectionPolicy: { protectFromScaleIn: true },
      });
    }
    await gateway.scalePool(pool, 0, WAIT);
    expect(emulator.stateOf(pool.resourceId)).toMatchObject({ capacity: 2, instances: { running: 2 } });
  });

  it('a delete by id removes a protected instance: the caller chose it', async () => {
    const pool = newPool(2);
    await computeClient(emulator).virtualMachineScaleSetVMs.update(GROUP, pool.name, '0', {
      location: 'westeurope',
      protectionPolicy: { protectFromScaleIn: true },
    });
    await gateway.removePoolInstances(pool, ['0'], WAIT);
    expect((await gateway.readPool(pool)).instances.map((i) => i.instanceId)).toEqual(['1']);
  });
});

describe('a pool Start or Stop after the executor read the pool', () => {
  it('is one PATCH: the capacity and tags just read are not read again, and the tags are kept', async () => {
    const pool = newPool(2);
    emulator.clearRequests();
    const known = await gateway.readState(pool);
    emulator.clearRequests();
    const result = await gateway.act(pool, 'stop', { waitForCompletion: false, knownState: known });
    expect(result).toMatchObject({ operation: 'scale', capacity: { from: 2, to: 0 } });
    expect(callsTo(emulator, pool.name)).toEqual([`PATCH /${pool.name}`]);
    expect(emulator.stateOf(pool.resourceId)).toMatchObject({
      tags: { 'compute-scheduler-wake-capacity': '2' },
    });
  });

  it('without a known state, a 500 on the read before the write says nothing was written', async () => {
    const pool = newPool(2);
    emulator.setFaults({ serverErrorRate: 1, appliesTo: (r) => r.method === 'GET' });
    try {
      const error = await gatewayFor(emulator, { clock, maxRetries: 0 })
        .act(pool, 'stop', WAIT)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'TransientError', beforeWrite: true, statusCode: 500 });
    } finally {
      emulator.setFaults({});
    }
    expect(emulator.stateOf(pool.resourceId)).toMatchObject({ capacity: 2 });
  });
});
