/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call --
   Response bodies are untyped JSON on purpose: these tests assert their shape field by field. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArmEmulator, type ArmEmulator } from '../../toolkit/arm-emulator/index.js';
import { gatewayFor } from '../compute/gateway-fixture.js';
import { poolId as emulatorPoolId } from '../toolkit/arm-emulator/fixture.js';
import {
  admin,
  bob,
  computeInstanceId,
  testApi,
  vmId,
  type CallOptions,
  type TestApi,
} from '../support/api.js';
import { allRows } from '../support/storage.js';

let api: TestApi;
let emulator: ArmEmulator;
let pool: string;
let instanceIds: string[];

beforeAll(async () => {
  emulator = await startArmEmulator({ transitionDurationsInMs: 20 });
  api = await testApi({}, { gateway: gatewayFor(emulator) });
  emulator.addScaleSet(emulatorPoolId('pool-activity'), { capacity: 2, powerState: 'running' });
  pool = await register(emulatorPoolId('pool-activity'));
  const view = await gatewayFor(emulator).readPool({
    resourceId: emulatorPoolId('pool-activity'),
    kind: 'pool',
  });
  instanceIds = view.instances.map((i) => i.instanceId);
});
afterAll(() => emulator?.close());

async function register(resourceId: string): Promise<string> {
  const res = await api.call('POST', '/api/targets', { body: { resourceId } });
  expect(res.status).toBe(201);
  return res.json.id as string;
}

async function newToken(targetId: string, body: unknown = {}, options: CallOptions = {}) {
  return api.call('POST', `/api/targets/${targetId}/activity-tokens`, { body, ...options });
}

const bearer = (token: string): CallOptions => ({ as: null, headers: { authorization: `Bearer ${token}` } });

async function partition(targetId: string) {
  const rows = await allRows(api.clients, api.clients.names.targets);
  return rows.filter((r) => r.partitionKey === targetId);
}

function expectProblem(res: { status: number; headers: Headers }, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
}

describe('activity tokens', () => {
  it('creates a token shown once, lists it without its secret, and stores only a hash', async () => {
    const created = await newToken(pool, { expiresAt: '2026-12-31T00:00:00Z' });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      tokenId: expect.stringMatching(/^[0-9a-f]{16}$/),
      targetId: pool,
      createdAt: '2026-11-25T21:00:00Z',
      createdBy: 'alice-oid',
      expiresAt: '2026-12-31T00:00:00Z',
      token: expect.stringMatching(/^csat_[0-9a-f]{32}_[0-9a-f]{16}_[0-9a-f]{64}$/),
    });
    const listed = await api.call('GET', `/api/targets/${pool}/activity-tokens`);
    const { token, ...withoutSecret } = created.json;
    expect(listed.json.value).toContainEqual(withoutSecret);
    const secret = (token as string).split('_')[3]!;
    expect(JSON.stringify(await partition(pool))).not.toContain(secret);
    expect(JSON.stringify(listed.json)).not.toContain(secret);
  });

  it('lets only the owner or an admin create or revoke tokens, and refuses an expiry in the past', async () => {
    const vm = await register(vmId('vm-tokens'));
    const before = await partition(vm);
    expectProblem(await newToken(vm, {}, { as: bob }), 403);
    expectProblem(await newToken(vm, { expiresAt: '2026-11-25T20:59:59Z' }), 400);
    expectProblem(await newToken(vm, { lifetime: 3 }), 400);
    expect(await partition(vm)).toEqual(before);
    expect((await newToken(vm, {}, { as: admin })).status).toBe(201);
  });

  it('revokes a token: it stops working at once, and a second revoke is 404', async () => {
    const created = await newToken(pool);
    const revoke = `/api/targets/${pool}/activity-tokens/${created.json.tokenId}`;
    expectProblem(await api.call('DELETE', revoke, { as: bob }), 403);
    expect((await api.call('DELETE', revoke)).status).toBe(204);
    expectProblem(await api.call('DELETE', revoke), 404);
    const report = await api.call('POST', `/api/targets/${pool}/activity`, {
      body: { instances: [] },
      ...bearer(created.json.token),
    });
    expectProblem(report, 401);
  });
});

describe('POST /api/targets/{id}/activity', () => {
  it('records a pool’s sessions per instance with an activity token', async () => {
    const { json } = await newToken(pool);
    const res = await api.call('POST', `/api/targets/${pool}/activity`, {
      body: { instances: [{ instanceId: instanceIds[0], sessions: 2 }], waiting: 1 },
      ...bearer(json.token),
    });
    expect(res.status).toBe(204);
    const activity = await api.store.scaling.readActivity(pool);
    const at = Date.parse('2026-11-25T21:00:00Z');
    expect(activity.instances).toContainEqual({
      instanceId: instanceIds[0],
      sessions: 2,
      reportedAt: at,
      lastSessionAt: at,
    });
    expect(activity.waiting).toEqual({ count: 1, reportedAt: at });
  });

  it('records a single machine’s sessions as a signed-in person who may manage it', async () => {
    const ci = await register(computeInstanceId('ci-activity'));
    const res = await api.call('POST', `/api/targets/${ci}/activity`, { body: { sessions: 1 } });
    expect(res.status).toBe(204);
    expect((await api.store.scaling.readActivity(ci)).instances).toEqual([
      expect.objectContaining({ instanceId: '', sessions: 1 }),
    ]);
    expectProblem(
      await api.call('POST', `/api/targets/${ci}/activity`, { body: { sessions: 1 }, as: bob }),
      403,
    );
  });

  it('refuses a token for another target with 403, and changes nothing', async () => {
    const vm = await register(vmId('vm-other'));
    const { json } = await newToken(vm);
    const before = await partition(pool);
    const res = await api.call('POST', `/api/targets/${pool}/activity`, {
      body: { instances: [{ instanceId: instanceIds[0], sessions: 1 }] },
      ...bearer(json.token),
    });
    expectProblem(res, 403);
    expect(await partition(pool)).toEqual(before);
  });

  it('refuses an expired token, a garbage one and a forged secret with 401, and changes nothing', async () => {
    const { json } = await newToken(pool, { expiresAt: '2026-11-25T22:00:00Z' });
    const body = { instances: [{ instanceId: instanceIds[0], sessions: 3 }] };
    const before = await partition(pool);
    api.clock.set('2026-11-25T22:00:00Z');
    try {
      expectProblem(
        await api.call('POST', `/api/targets/${pool}/activity`, { body, ...bearer(json.token) }),
        401,
      );
    } finally {
      api.clock.set('2026-11-25T21:00:00Z');
    }
    const forged = (json.token as string).replace(/_[0-9a-f]{64}$/, `_${'0'.repeat(64)}`);
    for (const options of [
      bearer('garbage'),
      bearer(forged),
      { as: null, headers: { authorization: 'Basic YWxpY2U6cHc=' } },
      { as: null },
    ]) {
      const res = await api.call('POST', `/api/targets/${pool}/activity`, { body, ...options });
      expectProblem(res, 401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
    }
    expect(await partition(pool)).toEqual(before);
  });

  it('refuses an unknown instance, an instance named twice and the wrong shape, naming the field', async () => {
    const { json } = await newToken(pool);
    const before = await partition(pool);
    const cases: [unknown, string][] = [
      [{ instances: [{ instanceId: '999', sessions: 1 }] }, '/instances/0/instanceId'],
      [
        {
          instances: [
            { instanceId: instanceIds[0], sessions: 1 },
            { instanceId: instanceIds[0], sessions: 2 },
          ],
        },
        '/instances/1/instanceId',
      ],
      [{ sessions: 2 }, '/sessions'],
      [{ instances: [{ instanceId: instanceIds[0], sessions: -1 }] }, '/instances/0/sessions'],
      [{ instances: [{ instanceId: 'a/b', sessions: 1 }] }, '/instances/0/instanceId'],
      [{ instances: [], extra: true }, '/extra'],
    ];
    for (const [body, pointer] of cases) {
      const res = await api.call('POST', `/api/targets/${pool}/activity`, { body, ...bearer(json.token) });
      expectProblem(res, 400);
      expect(res.json.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    }
    expect(await partition(pool)).toEqual(before);
    const vm = await register(vmId('vm-shape'));
    const onVm = await api.call('POST', `/api/targets/${vm}/activity`, { body: { instances: [] } });
    expectProblem(onVm, 400);
    expect(onVm.json.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/sessions', '/instances']);
  });

  it('answers 404 for an unknown target', async () => {
    expectProblem(
      await api.call('POST', `/api/targets/${'0'.repeat(32)}/activity`, { body: { sessions: 1 } }),
      404,
    );
  });

  it('stops accepting a token once its target is deleted and registered again', async () => {
    emulator.addScaleSet(emulatorPoolId('pool-again'), { capacity: 1, powerState: 'running' });
    const id = await register(emulatorPoolId('pool-again'));
    const { json } = await newToken(id);
    expect((await api.call('DELETE', `/api/targets/${id}`)).status).toBe(204);
    expect(await register(emulatorPoolId('pool-again'))).toBe(id);
    const res = await api.call('POST', `/api/targets/${id}/activity`, {
      body: { instances: [] },
      ...bearer(json.token),
    });
    expectProblem(res, 401);
  });
});
