import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TargetConflictError, type Machine } from '../../src/compute/gateway.js';
import type { ArmComputeGateway } from '../../src/compute/arm-gateway.js';
import { startArmEmulator, type ArmEmulator } from '../../toolkit/arm-emulator/index.js';
import { startWebhook, vmId } from '../toolkit/arm-emulator/fixture.js';
import { callsTo, gatewayFor } from './gateway-fixture.js';

/** These tests follow each operation to its end. */
const WAIT = { waitForCompletion: true };

let emulator: ArmEmulator;
let gateway: ArmComputeGateway;
let webhook: Awaited<ReturnType<typeof startWebhook>>;
let nextName = 0;

function newVm(powerState: 'running' | 'stopped' | 'deallocated', slow = false): Machine & { name: string } {
  const name = `vm-${++nextName}`;
  emulator.addVirtualMachine(vmId(name), {
    powerState,
    ...(slow ? { transitionDurationsInMs: 60_000 } : {}),
  });
  return { name, resourceId: vmId(name), kind: 'vm' };
}

beforeAll(async () => {
  webhook = await startWebhook();
  emulator = await startArmEmulator({ transitionDurationsInMs: 40, eventGrid: { webhookUrl: webhook.url } });
  gateway = gatewayFor(emulator);
});
afterAll(async () => {
  await emulator.close();
  await webhook.close();
});
beforeEach(() => emulator.clearRequests());

describe('VMs through the gateway', () => {
  it.each([
    ['running', 'running', 'PowerState/running'],
    ['deallocated', 'stopped', 'PowerState/deallocated'],
    ['stopped', 'poweredOff', 'PowerState/stopped'],
  ] as const)('a %s VM reads as %s', async (powerState, power, raw) => {
    expect(await gateway.readState(newVm(powerState))).toEqual({ power, raw });
  });

  it('start on a deallocated VM completes with the VM running', async () => {
    const vm = newVm('deallocated');
    expect(await gateway.act(vm, 'start', WAIT)).toEqual({
      action: 'start',
      operation: 'start',
      outcome: 'completed',
    });
    expect(await gateway.readState(vm)).toMatchObject({ power: 'running' });
  });

  it('stop deallocates (never a plain power-off, which still bills)', async () => {
    const vm = newVm('running');
    expect(await gateway.act(vm, 'stop', WAIT)).toMatchObject({
      outcome: 'completed',
      operation: 'deallocate',
    });
    expect(callsTo(emulator, vm.name)).toEqual([`POST /${vm.name}/deallocate`]);
    expect(emulator.stateOf(vm.resourceId)).toMatchObject({ powerState: 'deallocated' });
  });

  it('stop on a powered-off VM deallocates it too', async () => {
    const vm = newVm('stopped');
    await gateway.act(vm, 'stop', WAIT);
    expect(await gateway.readState(vm)).toMatchObject({ power: 'stopped', raw: 'PowerState/deallocated' });
  });

  it('restart on a running VM completes running', async () => {
    const vm = newVm('running');
    expect(await gateway.act(vm, 'restart', WAIT)).toMatchObject({
      outcome: 'completed',
      operation: 'restart',
    });
    expect(emulator.stateOf(vm.resourceId)).toMatchObject({ powerState: 'running' });
  });

  it('start on a running VM is accepted by Azure and completes without a change', async () => {
    const vm = newVm('running');
    expect(await gateway.act(vm, 'start', WAIT)).toMatchObject({ outcome: 'completed' });
    expect(emulator.stateOf(vm.resourceId)).toMatchObject({ powerState: 'running' });
  });

  it('start while someone deallocates the VM is a TargetConflictError carrying the state it is in', async () => {
    const vm = newVm('running', true);
    emulator.perform(vm.resourceId, 'deallocate');
    const error = await gateway.act(vm, 'start', WAIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetConflictError);
    expect(error).toMatchObject({
      statusCode: 409,
      code: 'OperationNotAllowed',
      retryable: true,
      resourceId: vm.resourceId,
      state: { power: 'stopping', raw: 'PowerState/deallocating' },
    });
  });

  it('restart of a deallocated VM is a TargetConflictError', async () => {
    await expect(gateway.act(newVm('deallocated'), 'restart', WAIT)).rejects.toBeInstanceOf(
      TargetConflictError,
    );
  });

  it('resource ids are matched case-insensitively', async () => {
    const vm = newVm('running');
    const shouted = {
      ...vm,
      resourceId: vm.resourceId.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/'),
    };
    expect(await gateway.readState(shouted)).toMatchObject({ power: 'running' });
  });

  it('without waiting, act returns once Azure has accepted the operation', async () => {
    const vm = newVm('deallocated', true);
    expect(await gateway.act(vm, 'start', { waitForCompletion: false })).toMatchObject({
      outcome: 'accepted',
      note: 'completion not awaited',
    });
    expect(emulator.stateOf(vm.resourceId)).toMatchObject({ powerState: 'starting' });
  });

  it('a stop raises a deallocate event naming the scheduler, delivered to the Event Grid webhook', async () => {
    const vm = newVm('running');
    await gateway.act(vm, 'stop', WAIT);
    await emulator.flushEvents();
    const events = webhook.deliveries.flatMap(
      (d) => d.body as { subject: string; eventType: string; data: Record<string, unknown> }[],
    );
    const event = events.find((e) => e.subject === vm.resourceId);
    expect(event).toMatchObject({
      eventType: 'Microsoft.Resources.ResourceActionSuccess',
      data: {
        operationName: 'Microsoft.Compute/virtualMachines/deallocate/action',
        claims: { oid: 'scheduler-identity' },
      },
    });
  });
});
