import { describe, expect, it } from 'vitest';
import { isInDesiredState } from '../../src/compute/gateway.js';
import { computeInstanceState, poolState, virtualMachineState } from '../../src/compute/target-state.js';

describe('virtual machine states', () => {
  it.each([
    ['PowerState/running', 'running'],
    ['PowerState/starting', 'starting'],
    ['PowerState/stopping', 'stopping'],
    ['PowerState/deallocating', 'stopping'],
    ['PowerState/deallocated', 'stopped'],
    ['PowerState/stopped', 'poweredOff'],
    ['PowerState/Running', 'running'],
  ])('%s is %s', (code, power) => {
    expect(virtualMachineState(['ProvisioningState/succeeded', code])).toEqual({ power, raw: code });
  });

  it('a VM without a power state (still provisioning) is unknown', () => {
    expect(virtualMachineState(['ProvisioningState/creating'])).toEqual({
      power: 'unknown',
      raw: 'PowerState/unknown',
    });
  });

  it('a powered-off VM still bills, so it is not in the Stopped state a schedule wants', () => {
    expect(isInDesiredState(virtualMachineState(['PowerState/stopped']), 'Stopped')).toBe(false);
    expect(isInDesiredState(virtualMachineState(['PowerState/deallocated']), 'Stopped')).toBe(true);
  });
});

describe('compute instance states', () => {
  it.each([
    ['Running', 'running'],
    ['JobRunning', 'running'],
    ['Stopped', 'stopped'],
    ['Starting', 'starting'],
    ['Restarting', 'starting'],
    ['Creating', 'starting'],
    ['SettingUp', 'starting'],
    ['Stopping', 'stopping'],
    ['Deleting', 'stopping'],
    ['Unusable', 'unknown'],
    ['SetupFailed', 'unknown'],
  ])('%s is %s', (state, power) => {
    expect(computeInstanceState(state)).toEqual({ power, raw: state });
  });
});

describe('pool states', () => {
  const running = (count: number) => ({ code: 'PowerState/running', count });

  it('capacity 0 with no instances left is stopped; with instances still going it is stopping', () => {
    expect(poolState(0, [], 3).power).toBe('stopped');
    expect(poolState(0, [running(1)], 3).power).toBe('stopping');
  });

  it('all instances running at capacity is running, and the raw text summarises them', () => {
    expect(poolState(2, [running(2)], undefined)).toEqual({
      power: 'running',
      raw: 'capacity 2: PowerState/running×2',
      capacity: 2,
      instances: [running(2)],
      recordedWakeCapacity: undefined,
    });
  });

  it('instances starting, or fewer instances than capacity, is starting', () => {
    expect(poolState(3, [running(1), { code: 'PowerState/starting', count: 2 }], undefined).power).toBe(
      'starting',
    );
    expect(poolState(3, [running(1)], undefined).power).toBe('starting');
    expect(poolState(2, [], undefined).power).toBe('starting');
  });

  it('deallocated instances are stopped; powered-off ones still bill', () => {
    expect(poolState(2, [{ code: 'PowerState/deallocated', count: 2 }], undefined).power).toBe('stopped');
    expect(poolState(2, [{ code: 'PowerState/stopped', count: 2 }], undefined).power).toBe('poweredOff');
    expect(poolState(2, [{ code: 'PowerState/deallocating', count: 2 }], undefined).power).toBe('stopping');
  });
});
