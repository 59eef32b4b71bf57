import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { startArmEmulator, type ArmEmulator } from '../../../toolkit/arm-emulator/index.js';
import { computeClient, GROUP, rawRequest, vmId } from './fixture.js';

let emulator: ArmEmulator;

beforeAll(async () => {
  emulator = await startArmEmulator({
    clock: new ManualClock('2026-03-02T08:00:00Z'),
    throttling: false,
    transitionDurationsInMs: 0,
  });
  emulator.addVirtualMachine(vmId('vm-1'));
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.setFaults({});
  emulator.clearRequests();
});

async function statuses(count: number): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < count; i++)
    result.push((await rawRequest(emulator, 'GET', `${vmId('vm-1')}/instanceView`)).status);
  return result;
}

describe('fault injection', () => {
  it('the same seed replays the same faults', async () => {
    emulator.setFaults({ seed: 42, serverErrorRate: 0.3, throttleRate: 0.2 });
    const first = await statuses(30);
    emulator.setFaults({ seed: 42, serverErrorRate: 0.3, throttleRate: 0.2 });
    expect(await statuses(30)).toEqual(first);
    expect(first).toContain(500);
    expect(first).toContain(429);
    expect(first).toContain(200);
  });

  it('an injected 500 is InternalServerError in ARM error shape; an injected 429 carries its Retry-After', async () => {
    emulator.setFaults({ serverErrorRate: 1 });
    const failed = await rawRequest(emulator, 'GET', vmId('vm-1'));
    expect(failed).toMatchObject({ status: 500, body: { error: { code: 'InternalServerError' } } });
    emulator.setFaults({ throttleRate: 1, throttleRetryAfterInSeconds: 1200 });
    const throttled = await rawRequest(emulator, 'GET', vmId('vm-1'));
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1200');
  });

  it('a dropped connection gives the client a socket error and is logged with status 0', async () => {
    emulator.setFaults({ dropConnectionRate: 1 });
    await expect(rawRequest(emulator, 'GET', vmId('vm-1'))).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(emulator.requests.at(-1)).toMatchObject({ status: 0, fault: 'dropConnection' });
  });

  it('a slow answer arrives after the configured delay', async () => {
    emulator.setFaults({ slowRate: 1, slowDelayInMs: 150 });
    const started = performance.now();
    expect((await rawRequest(emulator, 'GET', vmId('vm-1'))).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('appliesTo limits faults to the requests it selects', async () => {
    emulator.setFaults({ serverErrorRate: 1, appliesTo: (request) => request.method === 'POST' });
    expect((await rawRequest(emulator, 'GET', vmId('vm-1'))).status).toBe(200);
    expect((await rawRequest(emulator, 'POST', `${vmId('vm-1')}/start`)).status).toBe(500);
  });

  it('operationFailureRate makes accepted operations end Failed', async () => {
    emulator.setFaults({ operationFailureRate: 1 });
    const client = computeClient(emulator);
    await expect(
      client.virtualMachines.restart(GROUP, 'vm-1', { updateIntervalInMs: 1 }).pollUntilDone(),
    ).rejects.toThrow(/InternalExecutionError/);
  });
});
