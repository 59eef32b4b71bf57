import https from 'node:https';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { startArmEmulator, type ArmEmulator } from '../../../toolkit/arm-emulator/index.js';
import { gatewayFor } from '../../compute/gateway-fixture.js';
import { poolId, vmId } from './fixture.js';

const START = Date.parse('2026-03-02T09:00:00Z');
const MINUTE = 60_000;

let clock: ManualClock;
let emulator: ArmEmulator;

beforeEach(async () => {
  clock = new ManualClock(START);
  // Changes take 30 s, as by default; the clock only moves when a test moves it.
  emulator = await startArmEmulator({ clock, transitionDurationsInMs: 30_000 });
});
afterEach(() => emulator.close());

const POOL = poolId('hub');
const pool = { resourceId: POOL, kind: 'pool' as const };

function advance(ms: number): void {
  clock.advance(ms);
  emulator.settle();
}

describe('sessions on a pool', () => {
  it('take free seats on running instances, busiest first, and wait when every seat is taken', () => {
    emulator.addScaleSet(POOL, { capacity: 2 });
    emulator.setSessionDemand(POOL, 5, { seatsPerInstance: 2 });
    expect(emulator.workloadOf(POOL)).toMatchObject({
      seatsPerInstance: 2,
      demand: 5,
      sessions: { '0': 2, '1': 2 },
      waiting: 1,
      interrupted: 0,
    });
  });

  it('waiting sessions take the seats of new instances once they run', () => {
    emulator.addScaleSet(POOL, { capacity: 1 });
    emulator.setSessionDemand(POOL, 3, { seatsPerInstance: 2 });
    emulator.perform(POOL, 'scale', { capacity: 2 });
    expect(emulator.workloadOf(POOL)).toMatchObject({ sessions: { '0': 2 }, waiting: 1 });
    advance(30_000);
    expect(emulator.workloadOf(POOL)).toMatchObject({ sessions: { '0': 2, '1': 1 }, waiting: 0 });
  });

  it('fewer sessions end waiting ones first, then those on the least busy instance', () => {
    emulator.addScaleSet(POOL, { capacity: 2 });
    emulator.setSessionDemand(POOL, 4, { seatsPerInstance: 3 });
    emulator.setSessionDemand(POOL, 5);
    expect(emulator.workloadOf(POOL)).toMatchObject({ sessions: { '0': 3, '1': 2 }, waiting: 0 });
    emulator.setSessionDemand(POOL, 3);
    expect(emulator.workloadOf(POOL)).toMatchObject({ sessions: { '0': 3 }, waiting: 0 });
  });

  it('deleting an instance with sessions interrupts them; they take free seats elsewhere or wait', () => {
    emulator.addScaleSet(POOL, { capacity: 3 });
    emulator.setSessionDemand(POOL, 3, { seatsPerInstance: 2 });
    expect(emulator.workloadOf(POOL)).toMatchObject({ sessions: { '0': 2, '1': 1 } });
    emulator.setSessionDemand(POOL, 3);
    // Scale-in by capacity picks the newest instance, '2', which is idle: nobody is interrupted.
    emulator.perform(POOL, 'scale', { capacity: 2 });
    advance(30_000);
    expect(emulator.workloadOf(POOL)).toMatchObject({ interrupted: 0 });
    // Azure's scale-in does not look at sessions: scaling to one removes '1' and its session.
    emulator.perform(POOL, 'scale', { capacity: 1 });
    expect(emulator.workloadOf(POOL)).toMatchObject({ sessions: { '0': 2 }, waiting: 1, interrupted: 1 });
  });

  it('deallocating the pool interrupts every session', () => {
    emulator.addScaleSet(POOL, { capacity: 2 });
    emulator.setSessionDemand(POOL, 3, { seatsPerInstance: 4 });
    emulator.perform(POOL, 'deallocate');
    expect(emulator.workloadOf(POOL)).toMatchObject({ sessions: {}, waiting: 3, interrupted: 3 });
  });

  it('demand planned over time applies as the clock reaches each step', () => {
    emulator.addScaleSet(POOL, { capacity: 1 });
    emulator.planSessionDemand(
      POOL,
      [
        { at: START + 5 * MINUTE, sessions: 2 },
        { at: START + 10 * MINUTE, sessions: 0 },
      ],
      { seatsPerInstance: 4 },
    );
    expect(emulator.workloadOf(POOL)).toMatchObject({ demand: 0 });
    advance(5 * MINUTE);
    expect(emulator.workloadOf(POOL)).toMatchObject({ demand: 2, sessions: { '0': 2 } });
    advance(5 * MINUTE);
    expect(emulator.workloadOf(POOL)).toMatchObject({ demand: 0, sessions: {} });
  });

  it('refuses demand that is not a whole number of sessions', () => {
    emulator.addScaleSet(POOL, { capacity: 1 });
    expect(() => emulator.setSessionDemand(POOL, -1)).toThrow(RangeError);
    expect(() => emulator.setSessionDemand(POOL, 1, { seatsPerInstance: 0 })).toThrow(RangeError);
  });
});

describe('node-minutes', () => {
  it('count every instance that is not deallocated, until it is gone', () => {
    emulator.addScaleSet(POOL, { capacity: 2 });
    advance(10 * MINUTE);
    expect(emulator.workloadOf(POOL)!.nodeMinutes).toBe(20);
    // Scaling to zero removes one instance after 15 s and the other after 30 s: each bills until it is gone.
    emulator.perform(POOL, 'scale', { capacity: 0 });
    advance(10 * MINUTE);
    expect(emulator.workloadOf(POOL)!.nodeMinutes).toBe(20.75);
  });

  it('a deallocated VM stops billing when the deallocation ends; starting bills from the request', () => {
    const vm = vmId('desk');
    emulator.addVirtualMachine(vm);
    emulator.setSessionDemand(vm, 1);
    advance(4 * MINUTE);
    emulator.perform(vm, 'deallocate');
    expect(emulator.workloadOf(vm)).toMatchObject({ interrupted: 1, waiting: 1 });
    advance(6 * MINUTE);
    expect(emulator.workloadOf(vm)!.nodeMinutes).toBe(4.5);
    emulator.perform(vm, 'start');
    advance(MINUTE);
    expect(emulator.workloadOf(vm)).toMatchObject({ nodeMinutes: 5.5, sessions: { '': 1 }, waiting: 0 });
  });
});

describe('Percentage CPU through Azure Monitor', () => {
  it('follows each instance’s sessions; one deleted since has data only before', async () => {
    emulator.addScaleSet(POOL, { capacity: 3 });
    emulator.setSessionDemand(POOL, 3, { seatsPerInstance: 2 });
    const gateway = gatewayFor(emulator, { clock });
    // Instance '2' is deleted at once: it served in the first minute only.
    advance(MINUTE);
    await gateway.removePoolInstances(pool, ['2'], { waitForCompletion: false, currentCapacity: 3 });
    advance(2 * MINUTE);
    const samples = await gateway.readCpu(pool);
    expect(samples).toEqual([
      { instanceId: '0', percent: 41.5, at: START + 2 * MINUTE },
      { instanceId: '1', percent: 21.5, at: START + 2 * MINUTE },
      // Its newest minute with data is the one before it was deleted, idle.
      { instanceId: '2', percent: 1.5, at: START },
    ]);
    const query = emulator.requests.find((r) => r.path.endsWith('/providers/Microsoft.Insights/metrics'));
    expect(decodeURIComponent(query!.query)).toContain("$filter=VMName eq '*'");
  });

  it('a VM reads as one sample with no instance id; an idle one at 1.5 %', async () => {
    const vm = vmId('idle');
    emulator.addVirtualMachine(vm);
    advance(2 * MINUTE);
    expect(await gatewayFor(emulator, { clock }).readCpu({ resourceId: vm, kind: 'vm' })).toEqual([
      { instanceId: '', percent: 1.5, at: START + MINUTE },
    ]);
  });

  it('a machine off for the whole window has a sample without a percent', async () => {
    const vm = vmId('off');
    emulator.addVirtualMachine(vm, { powerState: 'deallocated' });
    advance(3 * MINUTE);
    expect(await gatewayFor(emulator, { clock }).readCpu({ resourceId: vm, kind: 'vm' })).toEqual([
      { instanceId: '', at: START + 2 * MINUTE },
    ]);
  });
});

describe('the fake JupyterHub on each instance', () => {
  function get(url: string, token?: string): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const request = https.get(
        url,
        {
          ca: emulator.certificatePem,
          headers: token ? { authorization: `token ${token}` } : {},
        },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as unknown }),
          );
        },
      );
      request.on('error', reject);
    });
  }

  it('lists one active user with a ready default server per session on that instance', async () => {
    emulator.addScaleSet(POOL, { capacity: 2 });
    emulator.setSessionDemand(POOL, 3, { seatsPerInstance: 2 });
    const answer = await get(`${emulator.jupyterHubUrl(POOL, '0')}hub/api/users?state=active`, 'secret');
    expect(answer.status).toBe(200);
    const users = answer.body as { name: string; last_activity: string; servers: Record<string, unknown> }[];
    expect(users.map((u) => u.name)).toEqual(['hub_0-user-1', 'hub_0-user-2']);
    expect(users[0]!.servers['']).toMatchObject({
      ready: true,
      pending: null,
      last_activity: '2026-03-02T09:00:00.000Z',
    });
    const other = await get(`${emulator.jupyterHubUrl(POOL, '1')}hub/api/users`, 'secret');
    expect((other.body as unknown[]).length).toBe(1);
  });

  it('wants a token, and does not answer for a machine that is not running or an unknown instance', async () => {
    const vm = vmId('lab');
    emulator.addVirtualMachine(vm, { powerState: 'deallocated' });
    emulator.addScaleSet(POOL, { capacity: 1 });
    expect((await get(`${emulator.jupyterHubUrl(POOL, '0')}hub/api/users`)).status).toBe(403);
    expect((await get(`${emulator.jupyterHubUrl(POOL, '7')}hub/api/users`, 't')).status).toBe(404);
    expect((await get(`${emulator.jupyterHubUrl(vm)}hub/api/users`, 't')).status).toBe(503);
  });
});
