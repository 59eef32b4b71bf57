import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WAKE_CAPACITY_TAG, type ArmComputeGateway } from '../../src/compute/arm-gateway.js';
import {
  poolModelState,
  TargetChangedError,
  TargetConflictError,
  ThrottledError,
  TransientError,
  type Machine,
} from '../../src/compute/gateway.js';
import { startArmEmulator, type ArmEmulator } from '../../toolkit/arm-emulator/index.js';
import { poolId } from '../toolkit/arm-emulator/fixture.js';
import { callsTo, gatewayFor } from './gateway-fixture.js';

/** These tests follow each operation to its end. */
const WAIT = { waitForCompletion: true };

let emulator: ArmEmulator;
let gateway: ArmComputeGateway;
let nextName = 0;

function newPool(
  capacity: number,
  options: { powerState?: 'running' | 'deallocated'; tags?: Record<string, string>; slow?: boolean } = {},
): Machine & { name: string } {
  const name = `pool-${++nextName}`;
  emulator.addScaleSet(poolId(name), {
    capacity,
    powerState: options.powerState ?? 'running',
    tags: options.tags ?? { team: 'vision' },
    ...(options.slow ? { transitionDurationsInMs: 60_000 } : {}),
  });
  return { name, resourceId: poolId(name), kind: 'pool' };
}

beforeAll(async () => {
  emulator = await startArmEmulator({ transitionDurationsInMs: 40 });
  gateway = gatewayFor(emulator);
});
afterAll(() => emulator.close());
beforeEach(() => emulator.clearRequests());

describe('pools through the gateway', () => {
  it('reads capacity, the instance summary and the power state', async () => {
    expect(await gateway.readState(newPool(2))).toEqual({
      power: 'running',
      raw: 'capacity 2: PowerState/running×2',
      capacity: 2,
      instances: [{ code: 'PowerState/running', count: 2 }],
      recordedWakeCapacity: undefined,
      tags: { team: 'vision' },
      etag: expect.stringMatching(/^".+"$/) as unknown,
    });
  });

  it('stop scales to zero, keeps the other tags and records the capacity to wake up to', async () => {
    const pool = newPool(3);
    expect(await gateway.act(pool, 'stop', WAIT)).toEqual({
      action: 'stop',
      operation: 'scale',
      outcome: 'completed',
      capacity: { from: 3, to: 0 },
    });
    expect(emulator.stateOf(pool.resourceId)).toMatchObject({
      capacity: 0,
      instances: {},
      tags: { team: 'vision', [WAKE_CAPACITY_TAG]: '3' },
    });
    expect(await gateway.readState(pool)).toMatchObject({ power: 'stopped', recordedWakeCapacity: 3 });
  });

  it('start scales back to the recorded capacity', async () => {
    const pool = newPool(0, { tags: { [WAKE_CAPACITY_TAG]: '4' } });
    expect(await gateway.act(pool, 'start', WAIT)).toMatchObject({
      outcome: 'completed',
      capacity: { from: 0, to: 4 },
    });
    expect(emulator.stateOf(pool.resourceId)).toMatchObject({ capacity: 4, instances: { running: 4 } });
  });

  it("the target's wake capacity wins over the recorded one; with neither, a pool wakes with one instance", async () => {
    const recorded = newPool(0, { tags: { [WAKE_CAPACITY_TAG]: '4' } });
    expect(await gateway.act({ ...recorded, wakeCapacity: 2 }, 'start', WAIT)).toMatchObject({
      capacity: { from: 0, to: 2 },
    });
    const unrecorded = newPool(0);
    expect(await gateway.act(unrecorded, 'start', WAIT)).toMatchObject({ capacity: { from: 0, to: 1 } });
  });

  it('start on a running pool does nothing and writes nothing', async () => {
    const pool = newPool(2);
    expect(await gateway.act(pool, 'start', WAIT)).toEqual({ action: 'start', outcome: 'alreadyInState' });
    expect(callsTo(emulator, pool.name).filter((call) => !call.startsWith('GET'))).toEqual([]);
  });

  it('start on a pool whose instances someone deallocated starts them', async () => {
    const pool = newPool(2, { powerState: 'deallocated' });
    expect(await gateway.readState(pool)).toMatchObject({ power: 'stopped', capacity: 2 });
    expect(await gateway.act(pool, 'start', WAIT)).toMatchObject({
      outcome: 'completed',
      operation: 'start',
    });
    expect(emulator.stateOf(pool.resourceId)).toMatchObject({ instances: { running: 2 } });
  });

  it('stop on a pool already at zero does nothing', async () => {
    expect(await gateway.act(newPool(0), 'stop', WAIT)).toEqual({
      action: 'stop',
      outcome: 'alreadyInState',
    });
  });

  it('while a scale is in progress the pool reads as starting, and another stop is a conflict', async () => {
    const pool = newPool(0, { slow: true });
    expect(
      await gateway.act({ ...pool, wakeCapacity: 2 }, 'start', { waitForCompletion: false }),
    ).toMatchObject({
      outcome: 'accepted',
    });
    expect(await gateway.readState(pool)).toMatchObject({ power: 'starting', capacity: 2 });
    const error = await gateway.act(pool, 'stop', WAIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetConflictError);
    expect(error).toMatchObject({ state: { power: 'starting' } });
  });

  it('restart restarts the running instances', async () => {
    const pool = newPool(2);
    expect(await gateway.act(pool, 'restart', WAIT)).toMatchObject({
      outcome: 'completed',
      operation: 'restart',
    });
    expect(callsTo(emulator, pool.name)).toContain(`POST /${pool.name}/restart`);
  });
});

describe("a pool's write is conditional on what it was made from", () => {
  const SENT = { waitForCompletion: false };
  afterEach(() => emulator.setFaults({}));

  it('a pool changed between the read and the Stop refuses it (412) and keeps what the other writer set', async () => {
    const pool = newPool(3);
    const read = await gateway.readState(pool);
    await gateway.act(pool, 'stop', WAIT);
    await gateway.act({ ...pool, wakeCapacity: 2 }, 'start', WAIT);
    await expect(gateway.act(pool, 'stop', { ...WAIT, knownState: read })).rejects.toBeInstanceOf(
      TargetChangedError,
    );
    expect(emulator.stateOf(pool.resourceId)).toMatchObject({ capacity: 2 });
  });

  it('a throttled Stop says what it was made from, and the same write from it needs only the PATCH', async () => {
    const pool = newPool(3);
    emulator.setFaults({ throttleRate: 1, appliesTo: (r) => r.method === 'PATCH' });
    const refused: unknown = await gateway.act(pool, 'stop', SENT).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ThrottledError);
    const lastRead = (refused as ThrottledError).lastRead;
    expect(lastRead).toEqual({ capacity: 3, tags: { team: 'vision' }, etag: expect.any(String) as unknown });
    emulator.setFaults({});
    emulator.clearRequests();
    expect(await gateway.act(pool, 'stop', { ...SENT, knownState: poolModelState(lastRead!) })).toMatchObject(
      {
        outcome: 'accepted',
        capacity: { from: 3, to: 0 },
      },
    );
    expect(callsTo(emulator, pool.name)).toEqual([`PATCH /${pool.name}`]);
    expect(emulator.stateOf(pool.resourceId)).toMatchObject({ tags: { [WAKE_CAPACITY_TAG]: '3' } });
  });

  it('a read that got the scale set but not its instances says what it got, enough to write from', async () => {
    const pool = newPool(0, { tags: { [WAKE_CAPACITY_TAG]: '2' } });
    emulator.setFaults({
      serverErrorRate: 1,
      appliesTo: (r) => r.path.toLowerCase().endsWith('/instanceview'),
    });
    const refused: unknown = await gateway.readState(pool).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TransientError);
    const lastRead = (refused as TransientError).lastRead;
    expect(lastRead).toEqual({
      capacity: 0,
      tags: { [WAKE_CAPACITY_TAG]: '2' },
      etag: expect.any(String) as unknown,
    });
    emulator.clearRequests();
    expect(
      await gateway.act(pool, 'start', { ...SENT, knownState: poolModelState(lastRead!) }),
    ).toMatchObject({
      capacity: { from: 0, to: 2 },
    });
    expect(callsTo(emulator, pool.name)).toEqual([`PATCH /${pool.name}`]);
  });
});
