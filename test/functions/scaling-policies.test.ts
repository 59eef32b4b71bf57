/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call --
   Response bodies are untyped JSON on purpose: these tests assert their shape field by field. */
import { beforeAll, describe, expect, it } from 'vitest';
import { bob, admin, computeInstanceId, poolId, testApi, vmId, type TestApi } from '../support/api.js';
import { allRows } from '../support/storage.js';

let api: TestApi;
beforeAll(async () => {
  api = await testApi();
});

async function register(resourceId: string): Promise<string> {
  const res = await api.call('POST', '/api/targets', { body: { resourceId } });
  expect(res.status).toBe(201);
  return res.json.id as string;
}

const policy = {
  minCapacity: 0,
  wakeCapacity: 1,
  maxCapacity: 4,
  sessionsPerInstance: 4,
  idleMinutes: 30,
  activity: 'sessions',
  cpuThresholdPercent: 5,
};

/** Every row of the target's partition and of the scaled list: what "nothing changed" is judged on. */
async function rowsOf(targetId: string) {
  const targets = await allRows(api.clients, api.clients.names.targets);
  const scaled = await allRows(api.clients, api.clients.names.scaled);
  return {
    partition: targets.filter((r) => r.partitionKey === targetId),
    scaled: scaled.filter((r) => r.targetId === targetId),
  };
}

function expectProblem(res: { status: number; headers: Headers }, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
}

describe('PUT/GET/DELETE /api/targets/{id}/pool', () => {
  it('stores a pool policy, answers it with an ETag, and reads it back', async () => {
    const id = await register(poolId('pool-ds'));
    const put = await api.call('PUT', `/api/targets/${id}/pool`, { body: policy });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({
      targetId: id,
      ...policy,
      updatedAt: '2026-11-25T21:00:00Z',
      updatedBy: 'alice-oid',
    });
    expect(put.headers.get('etag')).toMatch(/^"[0-9a-f]{16}"$/);
    const get = await api.call('GET', `/api/targets/${id}/pool`);
    expect(get.status).toBe(200);
    expect(get.json).toEqual(put.json);
    expect(get.headers.get('etag')).toBe(put.headers.get('etag'));
    expect((await rowsOf(id)).scaled).toHaveLength(1);
  });

  it('fills in the defaults of the optional fields', async () => {
    const id = await register(poolId('pool-defaults'));
    const put = await api.call('PUT', `/api/targets/${id}/pool`, {
      body: { minCapacity: 0, wakeCapacity: 2, maxCapacity: 3, idleMinutes: 15 },
    });
    expect(put.json).toMatchObject({ sessionsPerInstance: 1, activity: 'sessions', cpuThresholdPercent: 5 });
  });

  it('replaces under If-Match and refuses a stale ETag with 412, changing nothing', async () => {
    const id = await register(poolId('pool-etag'));
    const first = await api.call('PUT', `/api/targets/${id}/pool`, { body: policy });
    const etag = first.headers.get('etag')!;
    const second = await api.call('PUT', `/api/targets/${id}/pool`, {
      body: { ...policy, maxCapacity: 8 },
      headers: { 'if-match': etag },
    });
    expect(second.status).toBe(200);
    const before = await rowsOf(id);
    const stale = await api.call('PUT', `/api/targets/${id}/pool`, {
      body: { ...policy, maxCapacity: 2 },
      headers: { 'if-match': etag },
    });
    expectProblem(stale, 412);
    const staleDelete = await api.call('DELETE', `/api/targets/${id}/pool`, {
      headers: { 'if-match': etag },
    });
    expectProblem(staleDelete, 412);
    expect(await rowsOf(id)).toEqual(before);
  });

  it('refuses capacities out of order, naming the field, and stores nothing', async () => {
    const id = await register(poolId('pool-order'));
    const before = await rowsOf(id);
    const wake = await api.call('PUT', `/api/targets/${id}/pool`, {
      body: { ...policy, minCapacity: 3, wakeCapacity: 2, maxCapacity: 4 },
    });
    expectProblem(wake, 400);
    expect(wake.json.errors).toEqual([
      { pointer: '/wakeCapacity', reason: 'must be at least minCapacity (3)' },
    ]);
    const max = await api.call('PUT', `/api/targets/${id}/pool`, {
      body: { ...policy, wakeCapacity: 5, maxCapacity: 4 },
    });
    expectProblem(max, 400);
    expect(max.json.errors).toEqual([
      { pointer: '/maxCapacity', reason: 'must be at least wakeCapacity (5)' },
    ]);
    expect(await rowsOf(id)).toEqual(before);
  });

  it('refuses out-of-range values, unknown fields and missing ones, naming each', async () => {
    const id = await register(poolId('pool-ranges'));
    const before = await rowsOf(id);
    const cases: [Record<string, unknown>, string][] = [
      [{ ...policy, maxCapacity: 1001 }, '/maxCapacity'],
      [{ ...policy, wakeCapacity: 0 }, '/wakeCapacity'],
      [{ ...policy, minCapacity: -1 }, '/minCapacity'],
      [{ ...policy, idleMinutes: 0 }, '/idleMinutes'],
      [{ ...policy, idleMinutes: 1441 }, '/idleMinutes'],
      [{ ...policy, sessionsPerInstance: 1.5 }, '/sessionsPerInstance'],
      [{ ...policy, activity: 'gpu' }, '/activity'],
      [{ ...policy, cpuThresholdPercent: 101 }, '/cpuThresholdPercent'],
      [{ ...policy, maxCapcity: 4 }, '/maxCapcity'],
      [{ minCapacity: 0, wakeCapacity: 1, idleMinutes: 30 }, '/maxCapacity'],
    ];
    for (const [body, pointer] of cases) {
      const res = await api.call('PUT', `/api/targets/${id}/pool`, { body });
      expectProblem(res, 400);
      expect(res.json.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    }
    expect(await rowsOf(id)).toEqual(before);
  });

  it('refuses a pool policy on a VM, and an idle policy on a pool (wrong kind: 400 naming id)', async () => {
    const vm = await register(vmId('vm-not-a-pool'));
    const pool = await register(poolId('pool-not-a-vm'));
    const onVm = await api.call('PUT', `/api/targets/${vm}/pool`, { body: policy });
    expectProblem(onVm, 400);
    expect(onVm.json.errors[0].parameter).toBe('id');
    const onPool = await api.call('PUT', `/api/targets/${pool}/idle`, { body: { idleMinutes: 30 } });
    expectProblem(onPool, 400);
    expect((await rowsOf(vm)).scaled).toEqual([]);
    expect((await rowsOf(pool)).scaled).toEqual([]);
  });

  it('answers 404 for an unknown target or a target without a policy, 403 for someone else’s', async () => {
    const id = await register(poolId('pool-access'));
    expectProblem(await api.call('GET', `/api/targets/${id}/pool`), 404);
    expectProblem(await api.call('DELETE', `/api/targets/${id}/pool`), 404);
    expectProblem(await api.call('PUT', `/api/targets/${'0'.repeat(32)}/pool`, { body: policy }), 404);
    const before = await rowsOf(id);
    expectProblem(await api.call('PUT', `/api/targets/${id}/pool`, { body: policy, as: bob }), 403);
    expect(await rowsOf(id)).toEqual(before);
    expect((await api.call('PUT', `/api/targets/${id}/pool`, { body: policy, as: admin })).status).toBe(200);
    expectProblem(await api.call('GET', `/api/targets/${id}/pool`, { as: bob }), 403);
    expectProblem(await api.call('PUT', `/api/targets/${id}/pool`, { body: policy, as: null }), 401);
  });

  it('deletes the policy and takes the pool off the scaled list', async () => {
    const id = await register(poolId('pool-delete'));
    const put = await api.call('PUT', `/api/targets/${id}/pool`, { body: policy });
    const del = await api.call('DELETE', `/api/targets/${id}/pool`, {
      headers: { 'if-match': put.headers.get('etag')! },
    });
    expect(del.status).toBe(204);
    expect(await rowsOf(id)).toMatchObject({ scaled: [] });
    expectProblem(await api.call('GET', `/api/targets/${id}/pool`), 404);
  });
});

describe('PUT/GET/DELETE /api/targets/{id}/idle', () => {
  it('sets an idle policy on a VM and on a compute instance', async () => {
    const vm = await register(vmId('vm-idle'));
    const res = await api.call('PUT', `/api/targets/${vm}/idle`, {
      body: { idleMinutes: 45, activity: 'cpu', cpuThresholdPercent: 7.5 },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      targetId: vm,
      idleMinutes: 45,
      activity: 'cpu',
      cpuThresholdPercent: 7.5,
    });
    const ci = await register(computeInstanceId('ci-idle'));
    const ciRes = await api.call('PUT', `/api/targets/${ci}/idle`, { body: { idleMinutes: 60 } });
    expect(ciRes.json).toMatchObject({ idleMinutes: 60, activity: 'sessions', cpuThresholdPercent: 5 });
    expect((await api.call('GET', `/api/targets/${ci}/idle`)).json).toEqual(ciRes.json);
    expect((await api.call('DELETE', `/api/targets/${ci}/idle`)).status).toBe(204);
  });

  it('refuses CPU activity on a compute instance, saying why, and stores nothing', async () => {
    const ci = await register(computeInstanceId('ci-cpu'));
    const before = await rowsOf(ci);
    const res = await api.call('PUT', `/api/targets/${ci}/idle`, {
      body: { idleMinutes: 30, activity: 'cpu' },
    });
    expectProblem(res, 400);
    expect(res.json.errors[0].pointer).toBe('/activity');
    expect(res.json.errors[0].reason).toContain('Azure Monitor');
    expect(await rowsOf(ci)).toEqual(before);
  });

  it('refuses pool fields on an idle policy', async () => {
    const vm = await register(vmId('vm-idle-fields'));
    const res = await api.call('PUT', `/api/targets/${vm}/idle`, {
      body: { idleMinutes: 30, maxCapacity: 2 },
    });
    expectProblem(res, 400);
    expect(res.json.errors[0].pointer).toBe('/maxCapacity');
  });
});
