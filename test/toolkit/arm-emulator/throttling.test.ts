import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComputeManagementClient } from '@azure/arm-compute';
import { ManualClock } from '../../../src/clock.js';
import { startArmEmulator, type ArmEmulator } from '../../../toolkit/arm-emulator/index.js';
import { documentedThrottlingLimits, Throttle } from '../../../toolkit/arm-emulator/throttling.js';
import { computeClient, GROUP, rawRequest, SUBSCRIPTION, vmId } from './fixture.js';

const T0 = Date.parse('2026-03-02T08:00:00Z');

describe('Compute throttling over HTTP, pinned to the documented limits', () => {
  const clock = new ManualClock(T0);
  let emulator: ArmEmulator;
  let client: ComputeManagementClient;

  beforeAll(async () => {
    emulator = await startArmEmulator({ clock, transitionDurationsInMs: 0 });
    client = computeClient(emulator);
  });
  afterAll(() => emulator.close());

  it('the 13th start of one VM within a minute is a 429 with Retry-After 15; 15 s later one more goes through', async () => {
    emulator.addVirtualMachine(vmId('vm-busy'));
    for (let start = 1; start <= 12; start++) {
      const response = await rawRequest(emulator, 'POST', `${vmId('vm-busy')}/start`);
      expect(response.status, `start ${start}`).toBe(202);
      expect(response.headers['x-ms-ratelimit-remaining-resource']).toBe(
        `Microsoft.Compute/VMStartRestartPowerOffPerResource;${12 - start},` +
          `Microsoft.Compute/VMStartRestartPowerOffPerSubscription;${1500 - start}`,
      );
    }
    const refused = await rawRequest(emulator, 'POST', `${vmId('vm-busy')}/start`);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('15');
    expect(refused.headers['x-ms-ratelimit-remaining-resource']).toBe(
      'Microsoft.Compute/VMStartRestartPowerOffPerResource;0,Microsoft.Compute/VMStartRestartPowerOffPerSubscription;1488',
    );
    expect(refused.body).toMatchObject({
      error: {
        code: 'OperationNotAllowed',
        details: [{ code: 'TooManyRequests', target: 'VMStartRestartPowerOffPerResource' }],
      },
    });
    expect(emulator.requests.at(-1)).toMatchObject({
      status: 429,
      throttledBy: 'VMStartRestartPowerOffPerResource',
    });

    clock.advance(14_999);
    expect((await rawRequest(emulator, 'POST', `${vmId('vm-busy')}/start`)).status).toBe(429);
    clock.advance(1);
    expect((await rawRequest(emulator, 'POST', `${vmId('vm-busy')}/start`)).status).toBe(202);
  });

  it('restart and power-off share the start bucket; deallocate has its own', async () => {
    emulator.addVirtualMachine(vmId('vm-shared'));
    for (let call = 0; call < 6; call++) {
      expect((await rawRequest(emulator, 'POST', `${vmId('vm-shared')}/restart`)).status).toBe(202);
      expect((await rawRequest(emulator, 'POST', `${vmId('vm-shared')}/start`)).status).toBe(202);
    }
    expect((await rawRequest(emulator, 'POST', `${vmId('vm-shared')}/powerOff`)).status).toBe(429);
    const deallocate = await rawRequest(emulator, 'POST', `${vmId('vm-shared')}/deallocate`);
    expect(deallocate.status).toBe(202);
    expect(deallocate.headers['x-ms-ratelimit-remaining-resource']).toContain(
      'Microsoft.Compute/VMDeallocatePerResource;11',
    );
  });

  it('the 37th instance-view read of one VM within a minute is a 429 with Retry-After 5', async () => {
    emulator.addVirtualMachine(vmId('vm-watched'));
    for (let read = 0; read < 36; read++) await client.virtualMachines.instanceView(GROUP, 'vm-watched');
    const refused = await rawRequest(emulator, 'GET', `${vmId('vm-watched')}/instanceView`);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('5');
  });

  it('reads report the ARM subscription read bucket, writes the write bucket', async () => {
    emulator.addVirtualMachine(vmId('vm-headers'));
    const read = await rawRequest(emulator, 'GET', vmId('vm-headers'));
    expect(Number(read.headers['x-ms-ratelimit-remaining-subscription-reads'])).toBeGreaterThan(0);
    const write = await rawRequest(emulator, 'POST', `${vmId('vm-headers')}/deallocate`);
    expect(Number(write.headers['x-ms-ratelimit-remaining-subscription-writes'])).toBeGreaterThan(0);
  });
});

describe('token buckets', () => {
  const charge = (resource: string, policy: 'vmActions' | 'scaleSetDeallocations' = 'vmActions') => ({
    subscriptionId: SUBSCRIPTION,
    principalId: 'scheduler',
    write: true,
    compute: { policy, resourceKey: resource },
  });
  const noArmLimits = {
    ...documentedThrottlingLimits,
    armWrites: { capacity: 1e9, refillPerMinute: 1e9 },
    armReads: { capacity: 1e9, refillPerMinute: 1e9 },
  };

  it('1500 VM starts across a subscription pass in one instant and the 1501st is refused by the subscription bucket', () => {
    const throttle = new Throttle(noArmLimits);
    for (let call = 0; call < 1500; call++)
      expect(throttle.charge(charge(`vm-${call % 200}`), T0).allowed).toBe(true);
    const refused = throttle.charge(charge('vm-fresh'), T0);
    expect(refused).toMatchObject({
      allowed: false,
      layer: 'compute',
      bucket: 'VMStartRestartPowerOffPerSubscription',
    });
  });

  it('scale-set deallocations have a subscription bucket of 525', () => {
    const throttle = new Throttle(noArmLimits);
    for (let call = 0; call < 525; call++) {
      expect(throttle.charge(charge(`pool-${call % 50}`, 'scaleSetDeallocations'), T0).allowed).toBe(true);
    }
    expect(throttle.charge(charge('pool-fresh', 'scaleSetDeallocations'), T0)).toMatchObject({
      allowed: false,
      bucket: 'VMScaleSetDeallocatePowerOffPerSubscription',
      retryAfterInSeconds: 1,
    });
  });

  it('ARM refuses the 201st write of a subscription and principal in one instant and refills 10 a second', () => {
    const throttle = new Throttle(documentedThrottlingLimits);
    const write = { subscriptionId: SUBSCRIPTION, principalId: 'scheduler', write: true };
    for (let call = 0; call < 200; call++) expect(throttle.charge(write, T0).allowed).toBe(true);
    expect(throttle.charge(write, T0)).toMatchObject({
      allowed: false,
      layer: 'arm',
      bucket: 'SubscriptionWrites',
    });
    expect(throttle.charge({ ...write, principalId: 'someone-else' }, T0).allowed).toBe(true);
    expect(throttle.charge(write, T0 + 100).allowed).toBe(true);
    expect(throttle.charge(write, T0 + 100).allowed).toBe(false);
  });

  it('throttling can be turned off', async () => {
    const emulator = await startArmEmulator({
      clock: new ManualClock(T0),
      throttling: false,
      transitionDurationsInMs: 0,
    });
    try {
      emulator.addVirtualMachine(vmId('vm-free'));
      for (let start = 0; start < 15; start++) {
        expect((await rawRequest(emulator, 'POST', `${vmId('vm-free')}/start`)).status).toBe(202);
      }
    } finally {
      await emulator.close();
    }
  });
});
