// Default policies on real parts: policies and targets in Azurite, tags read from the ARM emulator through
// the real gateway. The Azure ML default (stop at 22:00 Pacific every day) is the policy under test.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROLE, type Principal } from '../../src/auth/principal.js';
import { ManualClock } from '../../src/clock.js';
import {
  applyDefaultPolicies,
  applyPolicy,
  type DefaultPolicyDependencies,
} from '../../src/engine/default-policies.js';
import { choosePolicy, putPolicy, validatePolicy } from '../../src/engine/policies.js';
import { registerTarget } from '../../src/engine/register-targets.js';
import { putSchedules } from '../../src/engine/register-schedules.js';
import { InvalidRequestError } from '../../src/errors.js';
import { targetIdFor } from '../../src/store/keys.js';
import type { Policy, StoredTarget } from '../../src/store/ports.js';
import { startArmEmulator, type ArmEmulator } from '../../toolkit/arm-emulator/index.js';
import { gatewayFor } from '../compute/gateway-fixture.js';
import { freshStorage, type TestStorage } from '../support/storage.js';
import { computeInstanceId, GROUP, poolId, SUBSCRIPTION, vmId } from '../toolkit/arm-emulator/fixture.js';

const admin: Principal = { id: 'admin-oid', roles: [ADMIN_ROLE], isAdmin: true };
const alice: Principal = { id: 'alice-oid', roles: [], isAdmin: false };
const MAX = { vm: 4, pool: 4, computeInstance: 4 };
const NIGHTLY_STOP = {
  computeStartStop: [
    {
      triggerType: 'Cron',
      action: 'Stop',
      cron: { expression: '0 22 * * *', timeZone: 'Pacific Standard Time', startTime: '2026-01-01T00:00:00' },
    },
  ],
};
const GROUP_SCOPE = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}`;

let storage: TestStorage;
let emulator: ArmEmulator;
let deps: DefaultPolicyDependencies;
const clock = new ManualClock('2026-11-25T21:00:00Z');

beforeAll(async () => {
  storage = await freshStorage();
  emulator = await startArmEmulator({ transitionDurationsInMs: 0 });
  deps = { store: storage.store, gateway: gatewayFor(emulator), clock };
  const policyDeps = { policies: storage.store.policies, clock, maxScheduleEntries: MAX };
  await putPolicy(policyDeps, admin, 'nightly-stop', { scope: GROUP_SCOPE, schedules: NIGHTLY_STOP });
  await putPolicy(policyDeps, admin, 'ml-only', {
    scope: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-ml`,
    targetKinds: ['computeInstance'],
    schedules: NIGHTLY_STOP,
    warning: { webhook: 'https://hooks.example.com/ml' },
  });
});
afterAll(async () => emulator.close());

async function scheduleOf(resourceId: string) {
  return storage.store.schedules.get(targetIdFor(resourceId.toLowerCase()));
}

describe('a machine created in a policy’s scope', () => {
  it('is registered with the policy’s schedule, and the history says so', async () => {
    emulator.addVirtualMachine(vmId('vm-new'));
    const result = await applyDefaultPolicies(deps, {
      resourceId: vmId('vm-new'),
      createdBy: { id: 'carol-oid', name: 'carol@contoso.com' },
    });
    expect(result).toMatchObject({ outcome: 'applied', policy: 'nightly-stop' });
    const schedule = await scheduleOf(vmId('vm-new'));
    expect(schedule?.entries).toEqual([
      {
        triggerType: 'Cron',
        action: 'Stop',
        status: 'Enabled',
        cron: {
          expression: '0 22 * * *',
          timeZone: 'Pacific Standard Time',
          startTime: '2026-01-01T00:00:00',
        },
      },
    ]);
    expect(schedule?.updatedBy).toBe('policy:nightly-stop');
    const target = (await storage.store.targets.get(result.targetId!))!;
    expect(target.owner).toEqual({ id: 'carol-oid', name: 'carol@contoso.com' });
    // 22:00 Pacific on 25 November is 06:00 UTC on the 26th (PST, UTC−8).
    const due = [];
    for await (const row of storage.store.due.listDue(
      Date.parse('2026-11-26T05:59:00Z'),
      Date.parse('2026-11-26T06:00:00Z'),
    ))
      due.push(row.targetId);
    expect(due).toContain(target.id);
    const runs = await storage.store.runs.list({ targetId: target.id, registration: target.registration! });
    expect(runs.items).toMatchObject([
      {
        requestedAction: 'ApplyPolicy',
        source: 'policy',
        outcome: 'succeeded',
        note: "policy 'nightly-stop' gave it 1 schedule entry",
      },
    ]);
  });

  it('is left alone when the same event comes again: one schedule, one note', async () => {
    emulator.addVirtualMachine(vmId('vm-twice'));
    await applyDefaultPolicies(deps, { resourceId: vmId('vm-twice') });
    const again = await applyDefaultPolicies(deps, { resourceId: vmId('vm-twice') });
    expect(again.outcome).toBe('has-schedules');
    const target = (await storage.store.targets.get(again.targetId!))!;
    const runs = await storage.store.runs.list({ targetId: target.id, registration: target.registration! });
    expect(runs.items).toHaveLength(1);
  });

  it('tagged compute-scheduler: off (in any case) is neither registered nor scheduled', async () => {
    emulator.addVirtualMachine(vmId('vm-opted-out'), { tags: { 'Compute-Scheduler': 'OFF' } });
    const result = await applyDefaultPolicies(deps, { resourceId: vmId('vm-opted-out') });
    expect(result).toMatchObject({ outcome: 'opted-out', policy: 'nightly-stop' });
    expect(await storage.store.targets.get(targetIdFor(vmId('vm-opted-out').toLowerCase()))).toBeUndefined();
  });

  it('outside every scope, or of a kind its policy does not name, gets nothing', async () => {
    emulator.addVirtualMachine(vmId('vm-elsewhere', 'rg-other'));
    expect((await applyDefaultPolicies(deps, { resourceId: vmId('vm-elsewhere', 'rg-other') })).outcome).toBe(
      'no-policy',
    );
    emulator.addVirtualMachine(vmId('vm-in-ml', 'rg-ml'));
    expect((await applyDefaultPolicies(deps, { resourceId: vmId('vm-in-ml', 'rg-ml') })).outcome).toBe(
      'no-policy',
    );
  });

  it('a compute instance in the ML group gets that policy and its warning', async () => {
    const id = computeInstanceId('ci-new', 'ws-team', 'rg-ml');
    emulator.addComputeInstance(id);
    const result = await applyDefaultPolicies(deps, { resourceId: id });
    expect(result).toMatchObject({ outcome: 'applied', policy: 'ml-only' });
    expect(await storage.store.warnings.get(result.targetId!)).toMatchObject({
      webhook: 'https://hooks.example.com/ml',
      leadMinutes: 15,
      source: 'policy:ml-only',
    });
  });

  it('that is gone by the time its event is handled is reported, not registered', async () => {
    const result = await applyDefaultPolicies(deps, { resourceId: vmId('vm-never-there') });
    expect(result.outcome).toBe('not-found');
  });
});

describe('applying a policy to registered targets', () => {
  it('gives it to those in scope without a schedule and reports every target it looked at', async () => {
    const userDeps = {
      targets: storage.store.targets,
      schedules: storage.store.schedules,
      clock,
      maxScheduleEntries: MAX,
    };
    const register = async (id: string): Promise<StoredTarget> =>
      (await registerTarget(userDeps, alice, { resourceId: id })).target;
    emulator.addVirtualMachine(vmId('vm-bare'));
    emulator.addVirtualMachine(vmId('vm-own'));
    emulator.addVirtualMachine(vmId('vm-off'), { tags: { 'compute-scheduler': 'off' } });
    emulator.addScaleSet(poolId('pool-bare'), { capacity: 2 });
    emulator.addVirtualMachine(vmId('vm-out', 'rg-other'));
    const bare = await register(vmId('vm-bare'));
    const own = await register(vmId('vm-own'));
    await putSchedules(userDeps, alice, own.id, NIGHTLY_STOP);
    const off = await register(vmId('vm-off'));
    const pool = await register(poolId('pool-bare'));
    await register(vmId('vm-out', 'rg-other'));

    const report = await applyPolicy(deps, admin, 'nightly-stop');
    const byTarget = (list: { targetId?: string; outcome: string }[]): Record<string, string> =>
      Object.fromEntries(list.map((r) => [r.targetId ?? '', r.outcome]));
    expect(byTarget(report.applied)).toMatchObject({ [bare.id]: 'applied', [pool.id]: 'applied' });
    expect(byTarget(report.skipped)).toMatchObject({ [own.id]: 'has-schedules', [off.id]: 'opted-out' });
    expect([...report.applied, ...report.skipped].map((r) => r.resourceId)).not.toContain(
      vmId('vm-out', 'rg-other'),
    );
    expect((await storage.store.schedules.get(own.id))?.updatedBy).toBe('alice-oid');
    expect((await storage.store.schedules.get(bare.id))?.updatedBy).toBe('policy:nightly-stop');
  });

  it('is for admins only', async () => {
    await expect(applyPolicy(deps, alice, 'nightly-stop')).rejects.toMatchObject({ status: 403 });
  });
});

describe('which policy a machine falls under', () => {
  const policy = (name: string, scope: string, targetKinds: Policy['targetKinds'] = ['vm']): Policy => ({
    name,
    scope,
    targetKinds,
    entries: [],
    enforce: false,
    updatedAt: 0,
    updatedBy: 'admin',
  });
  const sub = '/subscriptions/s1';
  const vm = '/subscriptions/S1/resourceGroups/RG-A/providers/Microsoft.Compute/virtualMachines/vm1';

  it('the narrowest scope wins, compared in any case on whole segments', () => {
    const policies = [
      policy('sub', sub),
      policy('group', `${sub}/resourcegroups/rg-a`),
      policy('other', `${sub}/resourceGroups/rg-ab`),
    ];
    expect(choosePolicy(policies, vm, 'vm')?.name).toBe('group');
    expect(choosePolicy(policies, vm.replace('RG-A', 'rg-abc'), 'vm')?.name).toBe('sub');
  });

  it('two equally narrow scopes are told apart by name, whatever the order', () => {
    const a = policy('a-first', sub);
    const b = policy('b-second', sub);
    expect(choosePolicy([b, a], vm, 'vm')?.name).toBe('a-first');
    expect(choosePolicy([a, b], vm, 'vm')?.name).toBe('a-first');
  });

  it('a policy for other kinds does not apply', () => {
    expect(choosePolicy([policy('pools', sub, ['pool'])], vm, 'vm')).toBeUndefined();
  });
});

describe('a policy that is invalid', () => {
  const check = (body: unknown, name = 'p1') => {
    try {
      validatePolicy(
        { clock, maxScheduleEntries: { vm: 4, pool: 4, computeInstance: 2 } },
        name,
        body,
        'admin',
      );
    } catch (error) {
      if (error instanceof InvalidRequestError) return error.errors.map((e) => e.pointer ?? e.parameter);
      throw error;
    }
    return [];
  };

  it('names every field at fault, schedule fields under /schedules', () => {
    expect(
      check({
        scope: '/subscriptions/',
        targetKinds: ['vm', 'vm'],
        enforce: 'yes',
        warning: { webhook: 'http://hooks.example.com/x', leadMinutes: 0 },
        schedules: {
          computeStartStop: [
            { triggerType: 'Cron', action: 'Stop', cron: { expression: '0 25 * * *', timeZone: 'UTC' } },
          ],
        },
        color: 'blue',
      }),
    ).toEqual(
      expect.arrayContaining([
        '/color',
        '/scope',
        '/targetKinds',
        '/enforce',
        '/warning/webhook',
        '/warning/leadMinutes',
        '/schedules/computeStartStop/0/cron/expression',
      ]),
    );
  });

  it('needs at least one entry, and no more than the smallest limit of its kinds', () => {
    expect(check({ scope: '/subscriptions/s1', schedules: { computeStartStop: [] } })).toEqual([
      '/schedules/computeStartStop',
    ]);
    const three = {
      computeStartStop: [0, 1, 2].map((h) => ({
        triggerType: 'Cron',
        action: 'Stop',
        cron: { expression: `0 ${h} * * *`, timeZone: 'UTC' },
      })),
    };
    expect(check({ scope: '/subscriptions/s1', schedules: three })).toEqual(['/schedules/computeStartStop']);
    expect(check({ scope: '/subscriptions/s1', targetKinds: ['vm'], schedules: three })).toEqual([]);
  });

  it('has a name of lowercase letters, digits and dashes', () => {
    expect(check({ scope: '/subscriptions/s1', schedules: NIGHTLY_STOP }, 'Nightly_Stop')).toEqual(['name']);
  });
});
