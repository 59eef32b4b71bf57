import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArmComputeGateway } from '../../src/compute/arm-gateway.js';
import { TargetConflictError, TargetNotFoundError, type Machine } from '../../src/compute/gateway.js';
import {
  startArmEmulator,
  type ArmEmulator,
  type ComputeInstanceState,
} from '../../toolkit/arm-emulator/index.js';
import { computeInstanceId } from '../toolkit/arm-emulator/fixture.js';
import { gatewayFor } from './gateway-fixture.js';

/** These tests follow each operation to its end. */
const WAIT = { waitForCompletion: true };

let emulator: ArmEmulator;
let gateway: ArmComputeGateway;
let nextName = 0;

function newInstance(state: ComputeInstanceState, slow = false): Machine {
  const name = `ci-${String.fromCharCode(97 + nextName++)}`;
  emulator.addComputeInstance(computeInstanceId(name), {
    state,
    ...(slow ? { transitionDurationsInMs: 60_000 } : {}),
  });
  return { resourceId: computeInstanceId(name), kind: 'computeInstance' };
}

beforeAll(async () => {
  emulator = await startArmEmulator({ transitionDurationsInMs: 40 });
  gateway = gatewayFor(emulator);
});
afterAll(() => emulator.close());

describe('Azure ML compute instances through the gateway', () => {
  it.each([
    ['Running', 'running'],
    ['Stopped', 'stopped'],
    ['JobRunning', 'running'],
    ['Unusable', 'unknown'],
  ] as const)('a %s instance reads as %s', async (state, power) => {
    expect(await gateway.readState(newInstance(state))).toEqual({ power, raw: state });
  });

  it('start, stop and restart complete in the states they promise', async () => {
    const instance = newInstance('Stopped');
    expect(await gateway.act(instance, 'start', WAIT)).toEqual({
      action: 'start',
      operation: 'start',
      outcome: 'completed',
    });
    expect(await gateway.readState(instance)).toMatchObject({ power: 'running' });
    expect(await gateway.act(instance, 'restart', WAIT)).toMatchObject({ outcome: 'completed' });
    expect(await gateway.readState(instance)).toMatchObject({ power: 'running' });
    expect(await gateway.act(instance, 'stop', WAIT)).toMatchObject({
      outcome: 'completed',
      operation: 'stop',
    });
    expect(await gateway.readState(instance)).toEqual({ power: 'stopped', raw: 'Stopped' });
  });

  it('start on a running instance, which Azure ML fails, is reported as already in state', async () => {
    const instance = newInstance('Running');
    expect(await gateway.act(instance, 'start', WAIT)).toEqual({
      action: 'start',
      outcome: 'alreadyInState',
    });
  });

  it('stop while the instance is starting is a TargetConflictError with the Starting state', async () => {
    const instance = newInstance('Stopped', true);
    emulator.perform(instance.resourceId, 'start');
    const error = await gateway.act(instance, 'stop', WAIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetConflictError);
    expect(error).toMatchObject({ statusCode: 409, state: { power: 'starting', raw: 'Starting' } });
  });

  it('a start whose first poll is throttled was still accepted: one POST, outcome accepted, not an error', async () => {
    // Azure ML's SDK polls once inside begin*: the POST is taken (202), then every poll is refused.
    const instance = newInstance('Stopped');
    emulator.clearRequests();
    emulator.setFaults({
      throttleRate: 1,
      appliesTo: (r) => r.method === 'GET' && r.path.includes('/mfeOperation'),
    });
    try {
      expect(await gateway.act(instance, 'start', { waitForCompletion: false })).toMatchObject({
        action: 'start',
        operation: 'start',
        outcome: 'accepted',
      });
    } finally {
      emulator.setFaults({});
    }
    const posts = emulator.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.status)).toEqual([202]);
  });

  it('an instance in a workspace that does not exist is a TargetNotFoundError', async () => {
    const missing: Machine = { resourceId: computeInstanceId('ci-gone', 'ws-gone'), kind: 'computeInstance' };
    await expect(gateway.readState(missing)).rejects.toBeInstanceOf(TargetNotFoundError);
  });
});
