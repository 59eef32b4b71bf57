import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/clock.js';
import { callerFromIdentity } from '../../../../toolkit/arm-emulator/caller.js';
import { defaultTransitionDurations } from '../../../../toolkit/arm-emulator/fleet/durations.js';
import { Fleet } from '../../../../toolkit/arm-emulator/fleet/fleet.js';
import {
  failureFor,
  Operations,
  type Operation,
  type OperationOrigin,
} from '../../../../toolkit/arm-emulator/fleet/operations.js';
import { poolId, vmId } from '../fixture.js';

const origin: OperationOrigin = {
  caller: callerFromIdentity({ principalId: 'scheduler-identity' }),
  httpMethod: 'POST',
  url: 'https://127.0.0.1:4443/start',
  correlationId: 'c0ffee00-0000-4000-8000-000000000001',
  injectFailure: false,
};

function setUp(): { clock: ManualClock; operations: Operations; finished: string[]; fleet: Fleet } {
  const clock = new ManualClock('2026-03-02T08:00:00Z');
  const finished: string[] = [];
  const operations = new Operations(clock, (op) => finished.push(`${op.resource.parsed.name} ${op.status}`));
  const fleet = new Fleet({
    clock,
    location: 'westeurope',
    durations: defaultTransitionDurations,
    onFinished: () => undefined,
  });
  return { clock, operations, finished, fleet };
}

const start = (operations: Operations, resource: Operation['resource'], durationInMs: number): Operation =>
  operations.start({
    resource,
    operationName: 'Microsoft.Compute/virtualMachines/start/action',
    category: 'action',
    durationInMs,
    origin,
    failure: undefined,
  });

describe('long-running operations', () => {
  it('finish in the order they fall due, and those due at one instant in the order they began', () => {
    const { clock, operations, finished, fleet } = setUp();
    const late = start(operations, fleet.addVirtualMachine(vmId('vm-late')), 20_000);
    const first = start(operations, fleet.addVirtualMachine(vmId('vm-first')), 10_000);
    const second = start(operations, fleet.addVirtualMachine(vmId('vm-second')), 10_000);
    expect(operations.nextCompletionAt()).toBe(Date.parse('2026-03-02T08:00:10Z'));
    clock.advance(20_000);
    operations.finishDue(clock.now());
    expect(finished).toEqual(['vm-first Succeeded', 'vm-second Succeeded', 'vm-late Succeeded']);
    expect([first, second, late].map((op) => op.resource.busyWith)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(operations.nextCompletionAt()).toBeUndefined();
  });

  it('one not yet due keeps running, and its resource stays busy', () => {
    const { clock, operations, finished, fleet } = setUp();
    const vm = fleet.addVirtualMachine(vmId('vm-1'));
    const op = start(operations, vm, 30_000);
    clock.advance(29_999);
    operations.finishDue(clock.now());
    expect(finished).toEqual([]);
    expect(op.status).toBe('InProgress');
    expect(vm.busyWith).toBe(op);
    expect(operations.find(op.id.toUpperCase())).toBe(op);
  });

  it('an abandoned operation ends Failed at once, with no event and no rollback', () => {
    const { clock, operations, finished, fleet } = setUp();
    const op = start(operations, fleet.addVirtualMachine(vmId('vm-1')), 30_000);
    let rolledBack = false;
    op.rollBack = () => (rolledBack = true);
    operations.abandon(op, { code: 'ResourceNotFound', message: 'gone' });
    clock.advance(30_000);
    operations.finishDue(clock.now());
    expect(op).toMatchObject({ status: 'Failed', failure: { code: 'ResourceNotFound' } });
    expect(finished).toEqual([]);
    expect(rolledBack).toBe(false);
  });

  it('failNextOperation fails only the next operation; fault injection fails with the typical error', () => {
    const { fleet } = setUp();
    const vm = fleet.addVirtualMachine(vmId('vm-1'));
    const typical = { code: 'AllocationFailed', message: 'no capacity' };
    vm.failNext = { code: 'OSProvisioningTimedOut', message: 'too slow' };
    expect(failureFor(vm, origin, () => typical)).toEqual({
      code: 'OSProvisioningTimedOut',
      message: 'too slow',
    });
    expect(failureFor(vm, origin, () => typical)).toBeUndefined();
    vm.failNext = 'typical';
    expect(failureFor(vm, origin, () => typical)).toBe(typical);
    expect(failureFor(vm, { ...origin, injectFailure: true }, () => typical)).toBe(typical);
  });
});

describe('settling costs what fell due', () => {
  it('a machine nothing happened to bills up to the instant it is reported, however the fleet settled', () => {
    const clock = new ManualClock('2026-03-02T08:00:00Z');
    const finished: string[] = [];
    const fleet = new Fleet({
      clock,
      location: 'westeurope',
      durations: { ...defaultTransitionDurations, start: 10 },
      onFinished: (op) => finished.push(op.operationName),
    });
    fleet.addVirtualMachine(vmId('vm-on'), { powerState: 'running' });
    const stopped = fleet.addVirtualMachine(vmId('vm-off'), { powerState: 'deallocated' });
    const billed = () => fleet.workloadOf(vmId('vm-on'))!.nodeMinutes * 60_000;
    clock.advance(5);
    fleet.settle();
    expect(billed()).toBe(5);
    // Another machine's operation finishing leaves this one alone; its time is added when it is reported.
    fleet.perform(stopped, { kind: 'vm', action: 'start' }, origin);
    clock.advance(10);
    fleet.settle();
    expect(finished).toEqual(['Microsoft.Compute/virtualMachines/start/action']);
    clock.advance(25);
    expect(billed()).toBe(40);
    expect(fleet.workloadOf(vmId('vm-off'))!.nodeMinutes * 60_000).toBe(35);
  });

  it("a scale-out's instances take waiting sessions as each one boots, before the operation ends", () => {
    const clock = new ManualClock('2026-03-02T08:00:00Z');
    const fleet = new Fleet({
      clock,
      location: 'westeurope',
      durations: { ...defaultTransitionDurations, scale: 60_000 },
      onFinished: () => undefined,
    });
    const pool = fleet.addScaleSet(poolId('hub'), { capacity: 1 });
    fleet.setSessionDemand(poolId('hub'), 3, 1);
    fleet.perform(pool, { kind: 'pool', action: 'update', capacity: 3 }, origin);
    // Instance '1' boots after 30 s, '2' after 60 s, when the scale ends.
    clock.advance(29_999);
    fleet.settle();
    expect(fleet.workloadOf(poolId('hub'))).toMatchObject({ sessions: { '0': 1 }, waiting: 2 });
    clock.advance(1);
    fleet.settle();
    expect(fleet.workloadOf(poolId('hub'))).toMatchObject({ sessions: { '0': 1, '1': 1 }, waiting: 1 });
    clock.advance(30_000);
    fleet.settle();
    expect(fleet.workloadOf(poolId('hub'))).toMatchObject({
      sessions: { '0': 1, '1': 1, '2': 1 },
      waiting: 0,
    });
  });
});
