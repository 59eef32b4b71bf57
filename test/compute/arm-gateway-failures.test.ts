import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ArmComputeGateway } from '../../src/compute/arm-gateway.js';
import {
  OperationFailedError,
  TargetNotFoundError,
  ThrottledError,
  TransientError,
  type Machine,
} from '../../src/compute/gateway.js';
import { InvalidResourceIdError } from '../../src/targets/resource-id.js';
import { startArmEmulator, type ArmEmulator } from '../../toolkit/arm-emulator/index.js';
import { computeInstanceId, poolId, vmId } from '../toolkit/arm-emulator/fixture.js';
import { gatewayFor } from './gateway-fixture.js';

/** These tests follow each operation to its end. */
const WAIT = { waitForCompletion: true };

let emulator: ArmEmulator;
let gateway: ArmComputeGateway;
let nextName = 0;

function newVm(
  powerState: 'running' | 'deallocated' = 'running',
  durationInMs?: number,
): Machine & { name: string } {
  const name = `vm-${++nextName}`;
  emulator.addVirtualMachine(vmId(name), {
    powerState,
    ...(durationInMs === undefined ? {} : { transitionDurationsInMs: durationInMs }),
  });
  return { name, resourceId: vmId(name), kind: 'vm' };
}

const postsTo = (name: string): number =>
  emulator.requests.filter((r) => r.method === 'POST' && r.path.includes(`/${name}/`)).length;

beforeAll(async () => {
  emulator = await startArmEmulator({ transitionDurationsInMs: 20 });
  gateway = gatewayFor(emulator);
});
afterAll(() => emulator.close());
beforeEach(() => emulator.setFaults({}));

describe('throttling', () => {
  it('the 13th start of one VM within a minute is a ThrottledError carrying Retry-After (15 s) for the queue', async () => {
    const vm = newVm('running', 0);
    for (let start = 0; start < 12; start++) await gateway.act(vm, 'start', WAIT);
    const started = performance.now();
    const error = await gateway.act(vm, 'start', WAIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error).toMatchObject({ statusCode: 429, retryable: true, retryAfterInMs: 15_000 });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('a long Retry-After is never slept on inside the call (the SDK default would wait 20 minutes)', async () => {
    const vm = newVm();
    emulator.setFaults({ throttleRate: 1, throttleRetryAfterInSeconds: 1200 });
    const started = performance.now();
    await expect(gateway.readState(vm)).rejects.toMatchObject({
      name: 'ThrottledError',
      retryAfterInMs: 1_200_000,
    });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(emulator.requests.filter((r) => r.path.includes(`/${vm.name}/`)).length).toBe(1);
  });

  it('a short Retry-After is waited out inside the call and the action goes through', async () => {
    const vm = newVm('deallocated');
    let throttled = 0;
    emulator.setFaults({
      throttleRate: 1,
      throttleRetryAfterInSeconds: 0,
      appliesTo: (request) => request.method === 'POST' && throttled++ === 0,
    });
    expect(await gateway.act(vm, 'start', WAIT)).toMatchObject({ outcome: 'completed' });
    expect(postsTo(vm.name)).toBe(2);
  });
});

describe('failures', () => {
  it('an operation that ends Failed is an OperationFailedError with Azure’s code', async () => {
    const vm = newVm('deallocated');
    emulator.failNextOperation(vm.resourceId);
    const error = await gateway.act(vm, 'start', WAIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationFailedError);
    expect(error).toMatchObject({ code: 'AllocationFailed', retryable: true, resourceId: vm.resourceId });
  });

  it.each([
    ['a VM', vmId('vm-missing')],
    ['a VM in a missing resource group', vmId('vm-1', 'rg-gone')],
    ['a pool', poolId('pool-missing')],
  ])('%s that does not exist is a TargetNotFoundError, not retryable', async (_, resourceId) => {
    const kind = resourceId.includes('ScaleSets') ? 'pool' : 'vm';
    const error = await gateway.act({ resourceId, kind }, 'stop', WAIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetNotFoundError);
    expect(error).toMatchObject({ statusCode: 404, retryable: false });
  });

  it('a 500 is retried inside the call and the action completes', async () => {
    const vm = newVm('deallocated');
    let failed = 0;
    emulator.setFaults({
      serverErrorRate: 1,
      appliesTo: (request) => request.method === 'POST' && failed++ === 0,
    });
    expect(await gateway.act(vm, 'start', WAIT)).toMatchObject({ outcome: 'completed' });
    expect(postsTo(vm.name)).toBe(2);
  });

  it('a connection dropped on every attempt is a TransientError after two quick retries', async () => {
    const vm = newVm();
    emulator.setFaults({
      dropConnectionRate: 1,
      appliesTo: (request) => request.path.includes(`/${vm.name}/`),
    });
    const error = await gateway.act(vm, 'stop', WAIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ retryable: true, code: 'ECONNRESET' });
    expect(postsTo(vm.name)).toBe(3);
  });

  it('persistent 500s are a TransientError after two quick retries', async () => {
    const vm = newVm();
    emulator.setFaults({ serverErrorRate: 1, appliesTo: (request) => request.path.includes(`/${vm.name}/`) });
    await expect(gateway.readState(vm)).rejects.toMatchObject({ name: 'TransientError', statusCode: 500 });
  });

  it('no answer within the call deadline is a TransientError with code Timeout', async () => {
    const vm = newVm();
    const impatient = gatewayFor(emulator, { timeoutInMs: 150 });
    emulator.setFaults({ slowRate: 1, slowDelayInMs: 1_000 });
    const error = await impatient.readState(vm).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code: 'Timeout' });
  });

  it('an accepted operation still running at the deadline is reported accepted, not failed', async () => {
    const vm = newVm('deallocated', 60_000);
    const impatient = gatewayFor(emulator, { timeoutInMs: 300 });
    expect(await impatient.act(vm, 'start', WAIT)).toMatchObject({
      outcome: 'accepted',
      note: expect.stringContaining('300 ms') as unknown,
    });
    expect(emulator.stateOf(vm.resourceId)).toMatchObject({ powerState: 'starting' });
  });

  it('polls that keep failing after Azure accepted the operation leave it accepted', async () => {
    const vm = newVm('deallocated', 60_000);
    emulator.setFaults({ serverErrorRate: 1, appliesTo: (request) => request.path.includes('/operations/') });
    expect(await gateway.act(vm, 'start', WAIT)).toMatchObject({ outcome: 'accepted' });
  });

  it('a caller abort is passed through as an abort', async () => {
    const vm = newVm('deallocated', 60_000);
    await expect(
      gateway.act(vm, 'start', { ...WAIT, abortSignal: AbortSignal.timeout(100) }),
    ).rejects.toMatchObject({
      name: expect.stringMatching(/Abort|Timeout/) as unknown,
    });
  });

  it('a target whose kind disagrees with its resource id is refused before any call', async () => {
    await expect(
      gateway.readState({ resourceId: computeInstanceId('ci-x'), kind: 'vm' }),
    ).rejects.toBeInstanceOf(InvalidResourceIdError);
  });
});
