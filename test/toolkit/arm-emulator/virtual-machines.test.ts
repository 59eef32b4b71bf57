import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ComputeManagementClient } from '@azure/arm-compute';
import { ManualClock } from '../../../src/clock.js';
import { startArmEmulator, type ArmEmulator } from '../../../toolkit/arm-emulator/index.js';
import { computeClient, GROUP, rawRequest, statusCodes, SUBSCRIPTION, vmId } from './fixture.js';

const clock = new ManualClock('2026-03-02T08:00:00Z');
let emulator: ArmEmulator;
let client: ComputeManagementClient;
let nextName = 0;

/** A fresh VM per test, so tests do not share state or throttling buckets. */
function newVm(powerState: 'running' | 'stopped' | 'deallocated'): string {
  const name = `vm-${++nextName}`;
  emulator.addVirtualMachine(vmId(name), { powerState });
  return name;
}

async function powerOf(name: string): Promise<(string | undefined)[]> {
  return statusCodes(await client.virtualMachines.instanceView(GROUP, name));
}

beforeAll(async () => {
  emulator = await startArmEmulator({
    clock,
    transitionDurationsInMs: { start: 60_000, deallocate: 90_000, powerOff: 30_000, restart: 45_000 },
    listPageSize: 2,
  });
  client = computeClient(emulator);
});
afterAll(() => emulator.close());
beforeEach(() => emulator.setFaults({}));

describe('virtual machine power states', () => {
  it('a deallocated VM shows starting until the start duration has passed, then running', async () => {
    const name = newVm('deallocated');
    expect(await powerOf(name)).toEqual(['ProvisioningState/succeeded', 'PowerState/deallocated']);

    const poller = client.virtualMachines.start(GROUP, name, { updateIntervalInMs: 1 });
    await poller.submitted();
    expect(await powerOf(name)).toEqual(['ProvisioningState/updating', 'PowerState/starting']);
    clock.advance(59_999);
    expect(await powerOf(name)).toEqual(['ProvisioningState/updating', 'PowerState/starting']);
    clock.advance(1);
    await poller.pollUntilDone();
    expect(await powerOf(name)).toEqual(['ProvisioningState/succeeded', 'PowerState/running']);
  });

  it('deallocate goes through deallocating to deallocated', async () => {
    const name = newVm('running');
    const poller = client.virtualMachines.deallocate(GROUP, name, { updateIntervalInMs: 1 });
    await poller.submitted();
    expect(await powerOf(name)).toContain('PowerState/deallocating');
    clock.advance(90_000);
    await poller.pollUntilDone();
    expect(await powerOf(name)).toContain('PowerState/deallocated');
  });

  it('power-off goes through stopping to stopped, which is not deallocated', async () => {
    const name = newVm('running');
    const poller = client.virtualMachines.powerOff(GROUP, name, { updateIntervalInMs: 1 });
    await poller.submitted();
    expect(await powerOf(name)).toContain('PowerState/stopping');
    clock.advance(30_000);
    await poller.pollUntilDone();
    expect(await powerOf(name)).toContain('PowerState/stopped');
  });

  it('restart shows starting for the restart duration and ends running', async () => {
    const name = newVm('running');
    const poller = client.virtualMachines.restart(GROUP, name, { updateIntervalInMs: 1 });
    await poller.submitted();
    expect(await powerOf(name)).toContain('PowerState/starting');
    clock.advance(45_000);
    await poller.pollUntilDone();
    expect(await powerOf(name)).toContain('PowerState/running');
  });

  it('starting a running VM is accepted and completes at once without a change', async () => {
    const name = newVm('running');
    await client.virtualMachines.start(GROUP, name, { updateIntervalInMs: 1 }).pollUntilDone();
    expect(await powerOf(name)).toEqual(['ProvisioningState/succeeded', 'PowerState/running']);
  });

  it('deallocating a stopped (still billing) VM releases it', async () => {
    const name = newVm('stopped');
    const poller = client.virtualMachines.deallocate(GROUP, name, { updateIntervalInMs: 1 });
    await poller.submitted();
    clock.advance(90_000);
    await poller.pollUntilDone();
    expect(await powerOf(name)).toContain('PowerState/deallocated');
  });

  it('start while deallocating is refused with 409 OperationNotAllowed in ARM error shape', async () => {
    const name = newVm('running');
    await client.virtualMachines.deallocate(GROUP, name).submitted();
    const response = await rawRequest(emulator, 'POST', `${vmId(name)}/start`);
    expect(response.status).toBe(409);
    expect(response.body).toEqual({
      error: { code: 'OperationNotAllowed', message: expect.stringContaining('deallocating') as unknown },
    });
    clock.advance(90_000);
  });

  it('restarting a deallocated VM is refused with 409', async () => {
    const name = newVm('deallocated');
    await expect(client.virtualMachines.restart(GROUP, name).submitted()).rejects.toMatchObject({
      statusCode: 409,
      code: 'OperationNotAllowed',
    });
  });
});

describe('virtual machine reads', () => {
  it('GET with $expand=instanceView includes the statuses; ids are matched case-insensitively', async () => {
    const name = newVm('deallocated');
    const vm = await client.virtualMachines.get(GROUP.toUpperCase(), name.toUpperCase(), {
      expand: 'instanceView',
    });
    expect(vm.id).toBe(vmId(name));
    expect(vm.type).toBe('Microsoft.Compute/virtualMachines');
    expect(statusCodes(vm.instanceView ?? {})).toEqual([
      'ProvisioningState/succeeded',
      'PowerState/deallocated',
    ]);
  });

  it('the subscription list with statusOnly=true pages with nextLink and carries every power state', async () => {
    const names = [newVm('running'), newVm('deallocated'), newVm('stopped')];
    const seen = new Map<string, (string | undefined)[]>();
    for await (const vm of client.virtualMachines.listAll({ statusOnly: 'true' })) {
      seen.set(vm.name ?? '', statusCodes(vm.instanceView ?? {}));
    }
    expect(seen.get(names[0]!)).toContain('PowerState/running');
    expect(seen.get(names[1]!)).toContain('PowerState/deallocated');
    expect(seen.get(names[2]!)).toContain('PowerState/stopped');
    const listCalls = emulator.requests.filter((r) =>
      r.path.endsWith('/providers/Microsoft.Compute/virtualMachines'),
    );
    expect(listCalls.length).toBe(Math.ceil(seen.size / 2));
    expect(
      listCalls.slice(1).every((r) => r.query.includes('%24skiptoken=') || r.query.includes('$skiptoken=')),
    ).toBe(true);
  });

  it('an unknown VM is 404 ResourceNotFound and an unknown group 404 ResourceGroupNotFound', async () => {
    await expect(client.virtualMachines.instanceView(GROUP, 'no-such-vm')).rejects.toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFound',
    });
    await expect(client.virtualMachines.instanceView('rg-missing', 'vm-1')).rejects.toMatchObject({
      statusCode: 404,
      code: 'ResourceGroupNotFound',
    });
  });

  it('a request without a bearer token is 401 and never reaches the resource', async () => {
    const name = newVm('deallocated');
    const response = await rawRequest(emulator, 'POST', `${vmId(name)}/start`, { token: null });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: { code: 'AuthenticationFailed' } });
    expect(emulator.stateOf(vmId(name))).toMatchObject({ powerState: 'deallocated' });
  });
});

describe('long-running operations', () => {
  it('202 carries absolute Azure-AsyncOperation and Location URLs; polls say InProgress, then Succeeded', async () => {
    const name = newVm('deallocated');
    const startTime = new Date(clock.now()).toISOString();
    const accepted = await rawRequest(emulator, 'POST', `${vmId(name)}/start`);
    expect(accepted.status).toBe(202);
    const statusUrl = String(accepted.headers['azure-asyncoperation']);
    const locationUrl = String(accepted.headers['location']);
    expect(
      statusUrl.startsWith(
        `${emulator.url}/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Compute/locations/`,
      ),
    ).toBe(true);
    expect(locationUrl.startsWith(emulator.url)).toBe(true);
    expect(accepted.headers['retry-after']).toBeUndefined();

    const running = await rawRequest(emulator, 'GET', statusUrl);
    expect(running.body).toMatchObject({ status: 'InProgress' });
    expect(running.headers['retry-after']).toBeUndefined();
    expect((await rawRequest(emulator, 'GET', locationUrl)).status).toBe(202);

    clock.advance(60_000);
    expect((await rawRequest(emulator, 'GET', statusUrl)).body).toMatchObject({
      status: 'Succeeded',
      startTime,
    });
    expect((await rawRequest(emulator, 'GET', locationUrl)).status).toBe(200);
  });

  it('an operation made to fail ends Failed with its error and leaves the VM as it was', async () => {
    const name = newVm('deallocated');
    emulator.failNextOperation(vmId(name));
    const poller = client.virtualMachines.start(GROUP, name, { updateIntervalInMs: 1 });
    await poller.submitted();
    clock.advance(60_000);
    await expect(poller.pollUntilDone()).rejects.toThrow(/AllocationFailed/);
    expect(await powerOf(name)).toEqual([
      'ProvisioningState/failed/AllocationFailed',
      'PowerState/deallocated',
    ]);
  });

  it('polls carry Retry-After only when configured', async () => {
    const withRetryAfter = await startArmEmulator({
      clock,
      pollRetryAfterInSeconds: 10,
      transitionDurationsInMs: 60_000,
    });
    try {
      withRetryAfter.addVirtualMachine(vmId('vm-retry'), { powerState: 'deallocated' });
      const accepted = await rawRequest(withRetryAfter, 'POST', `${vmId('vm-retry')}/start`);
      expect(accepted.headers['retry-after']).toBe('10');
      const poll = await rawRequest(withRetryAfter, 'GET', String(accepted.headers['azure-asyncoperation']));
      expect(poll.headers['retry-after']).toBe('10');
    } finally {
      await withRetryAfter.close();
    }
  });
});
