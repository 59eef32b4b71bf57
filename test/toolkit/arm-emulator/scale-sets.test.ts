import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComputeManagementClient } from '@azure/arm-compute';
import { ManualClock } from '../../../src/clock.js';
import { startArmEmulator, type ArmEmulator } from '../../../toolkit/arm-emulator/index.js';
import { computeClient, GROUP, poolId, rawRequest } from './fixture.js';

const clock = new ManualClock('2026-03-02T08:00:00Z');
let emulator: ArmEmulator;
let client: ComputeManagementClient;
let nextName = 0;

function newPool(capacity: number, powerState: 'running' | 'deallocated' = 'running'): string {
  const name = `pool-${++nextName}`;
  emulator.addScaleSet(poolId(name), { capacity, powerState, tags: { team: 'vision' } });
  return name;
}

async function summary(name: string): Promise<Record<string, number>> {
  const view = await client.virtualMachineScaleSets.getInstanceView(GROUP, name);
  return Object.fromEntries(
    (view.virtualMachine?.statusesSummary ?? []).map((s) => [s.code ?? '', s.count ?? 0]),
  );
}

beforeAll(async () => {
  emulator = await startArmEmulator({
    clock,
    transitionDurationsInMs: { scale: 30_000, start: 60_000, deallocate: 60_000 },
  });
  client = computeClient(emulator);
});
afterAll(() => emulator.close());

describe('scale-set capacity', () => {
  it('scaling out from 0 to 3 sets sku.capacity at once and brings instances up one by one', async () => {
    const name = newPool(0);
    const poller = client.virtualMachineScaleSets.update(
      GROUP,
      name,
      { sku: { capacity: 3 } },
      { updateIntervalInMs: 1 },
    );
    await poller.submitted();
    expect((await client.virtualMachineScaleSets.get(GROUP, name)).sku?.capacity).toBe(3);
    expect(await summary(name)).toEqual({ 'PowerState/starting': 3 });
    clock.advance(10_000);
    expect(await summary(name)).toEqual({ 'PowerState/running': 1, 'PowerState/starting': 2 });
    clock.advance(20_000);
    const updated = await poller.pollUntilDone();
    expect(updated.sku?.capacity).toBe(3);
    expect(updated.provisioningState).toBe('Succeeded');
    expect(await summary(name)).toEqual({ 'PowerState/running': 3 });
  });

  it('scaling in to 0 removes the instances over the scale duration', async () => {
    const name = newPool(2);
    const poller = client.virtualMachineScaleSets.update(
      GROUP,
      name,
      { sku: { capacity: 0 } },
      { updateIntervalInMs: 1 },
    );
    await poller.submitted();
    expect((await client.virtualMachineScaleSets.get(GROUP, name)).provisioningState).toBe('Updating');
    expect(await summary(name)).toEqual({ 'PowerState/running': 2 });
    clock.advance(15_000);
    expect(await summary(name)).toEqual({ 'PowerState/running': 1 });
    clock.advance(15_000);
    await poller.pollUntilDone();
    expect(await summary(name)).toEqual({});
  });

  it('a PATCH while a scale is in progress is refused with 409', async () => {
    const name = newPool(1);
    await client.virtualMachineScaleSets.update(GROUP, name, { sku: { capacity: 4 } }).submitted();
    await expect(
      client.virtualMachineScaleSets.update(GROUP, name, { sku: { capacity: 0 } }).submitted(),
    ).rejects.toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
    clock.advance(30_000);
  });

  it('PATCH tags replace the tags; a capacity outside 0–1000 is 400 InvalidParameter', async () => {
    const name = newPool(1);
    const updated = await client.virtualMachineScaleSets
      .update(GROUP, name, { tags: { team: 'vision', owner: 'ana' } }, { updateIntervalInMs: 1 })
      .pollUntilDone();
    expect(updated.tags).toEqual({ team: 'vision', owner: 'ana' });
    const refused = await rawRequest(emulator, 'PATCH', poolId(name), { body: { sku: { capacity: -1 } } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { code: 'InvalidParameter' } });
  });
});

describe('scale-set ETags', () => {
  it('the ETag changes with each PATCH, not with the instances; a PATCH If-Match an older one is 412 and changes nothing', async () => {
    const name = newPool(2);
    const first = (await client.virtualMachineScaleSets.get(GROUP, name)).etag;
    expect(first).toMatch(/^".+"$/);
    await client.virtualMachineScaleSets.deallocate(GROUP, name, { updateIntervalInMs: 1 }).submitted();
    clock.advance(60_000);
    expect((await client.virtualMachineScaleSets.get(GROUP, name)).etag).toBe(first);
    await client.virtualMachineScaleSets
      .update(GROUP, name, { sku: { capacity: 1 } }, { ifMatch: first!, updateIntervalInMs: 1 })
      .submitted();
    clock.advance(30_000);
    const second = await client.virtualMachineScaleSets.get(GROUP, name);
    expect(second.sku?.capacity).toBe(1);
    expect(second.etag).not.toBe(first);
    await expect(
      client.virtualMachineScaleSets
        .update(GROUP, name, { sku: { capacity: 0 } }, { ifMatch: first! })
        .submitted(),
    ).rejects.toMatchObject({ statusCode: 412, code: 'PreconditionFailed' });
    expect((await client.virtualMachineScaleSets.get(GROUP, name)).sku?.capacity).toBe(1);
  });

  it("If-Match '*' or the current ETag goes ahead", async () => {
    const name = newPool(1);
    const star = await rawRequest(emulator, 'PATCH', poolId(name), {
      body: { tags: { team: 'nlp' } },
      headers: { 'if-match': '*' },
    });
    expect(star.status).toBe(200);
    const current = (await client.virtualMachineScaleSets.get(GROUP, name)).etag!;
    const matched = await rawRequest(emulator, 'PATCH', poolId(name), {
      body: { tags: { team: 'vision' } },
      headers: { 'if-match': current },
    });
    expect(matched.status).toBe(200);
    expect((matched.body as { etag: string }).etag).not.toBe(current);
  });
});

describe('scale-set power actions', () => {
  it('deallocate and start act on every instance and the summary counts them', async () => {
    const name = newPool(2);
    const deallocating = client.virtualMachineScaleSets.deallocate(GROUP, name, { updateIntervalInMs: 1 });
    await deallocating.submitted();
    expect(await summary(name)).toEqual({ 'PowerState/deallocating': 2 });
    clock.advance(60_000);
    await deallocating.pollUntilDone();
    expect(await summary(name)).toEqual({ 'PowerState/deallocated': 2 });

    const starting = client.virtualMachineScaleSets.start(GROUP, name, { updateIntervalInMs: 1 });
    await starting.submitted();
    expect(await summary(name)).toEqual({ 'PowerState/starting': 2 });
    clock.advance(60_000);
    await starting.pollUntilDone();
    expect(await summary(name)).toEqual({ 'PowerState/running': 2 });
    expect((await client.virtualMachineScaleSets.get(GROUP, name)).sku?.capacity).toBe(2);
  });

  it('an unknown scale set is 404 ResourceNotFound', async () => {
    await expect(client.virtualMachineScaleSets.get(GROUP, 'no-such-pool')).rejects.toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFound',
    });
  });
});
