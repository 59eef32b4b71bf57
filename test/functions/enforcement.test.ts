/* eslint-disable @typescript-eslint/no-unsafe-member-access --
   Response bodies are untyped JSON on purpose: these tests assert their shape field by field. */
import { beforeAll, describe, expect, it } from 'vitest';
import { setEnforcement } from '../../src/engine/enforcement.js';
import { bob, testApi, vmId, type TestApi } from '../support/api.js';

let api: TestApi;
beforeAll(async () => {
  api = await testApi();
});

async function register(name: string): Promise<string> {
  const res = await api.call('POST', '/api/targets', { body: { resourceId: vmId(name) } });
  return res.json.id as string;
}

describe('/api/targets/{id}/enforcement', () => {
  it('is off with 30 minutes’ grace until set, and has no ETag then', async () => {
    const id = await register('vm-enforce-default');
    const res = await api.call('GET', `/api/targets/${id}/enforcement`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ targetId: id, enforce: false, graceMinutes: 30 });
    expect(res.headers.get('etag')).toBeNull();
  });

  it('stores enforce with the default grace, answers its ETag and 304 for it', async () => {
    const id = await register('vm-enforce-put');
    const put = await api.call('PUT', `/api/targets/${id}/enforcement`, { body: { enforce: true } });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({
      targetId: id,
      enforce: true,
      graceMinutes: 30,
      updatedAt: '2026-11-25T21:00:00Z',
      updatedBy: 'alice-oid',
    });
    const etag = put.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{16}"$/);
    const get = await api.call('GET', `/api/targets/${id}/enforcement`);
    expect(get.json).toMatchObject({ enforce: true, graceMinutes: 30 });
    expect(get.headers.get('etag')).toBe(etag);
    const again = await api.call('GET', `/api/targets/${id}/enforcement`, {
      headers: { 'if-none-match': etag! },
    });
    expect(again.status).toBe(304);
  });

  it('refuses a stale If-Match with 412 and changes nothing', async () => {
    const id = await register('vm-enforce-etag');
    const first = await api.call('PUT', `/api/targets/${id}/enforcement`, {
      body: { enforce: true, graceMinutes: 10 },
    });
    const etag = first.headers.get('etag')!;
    const second = await api.call('PUT', `/api/targets/${id}/enforcement`, {
      body: { enforce: true, graceMinutes: 20 },
      headers: { 'if-match': etag },
    });
    expect(second.status).toBe(200);
    const stale = await api.call('PUT', `/api/targets/${id}/enforcement`, {
      body: { enforce: false },
      headers: { 'if-match': etag },
    });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toContain('application/problem+json');
    const get = await api.call('GET', `/api/targets/${id}/enforcement`);
    expect(get.json).toMatchObject({ enforce: true, graceMinutes: 20 });
  });

  it('answers a bad body with 400 naming the field, and stores nothing', async () => {
    const id = await register('vm-enforce-bad');
    for (const body of [{ enforce: 'yes' }, { enforce: true, graceMinutes: -1 }, { graceMinutes: 5 }]) {
      const res = await api.call('PUT', `/api/targets/${id}/enforcement`, { body });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.json.errors)).toMatch(/enforce|graceMinutes/);
    }
    const res = await api.call('PUT', `/api/targets/${id}/enforcement`, {
      body: { enforce: true, extra: 1 },
    });
    expect(res.status).toBe(400);
    expect((await api.call('GET', `/api/targets/${id}/enforcement`)).json.enforce).toBe(false);
  });

  it('lets only the owner, assignee or an admin see or change it', async () => {
    const id = await register('vm-enforce-owner');
    expect((await api.call('GET', `/api/targets/${id}/enforcement`, { as: bob })).status).toBe(403);
    const put = await api.call('PUT', `/api/targets/${id}/enforcement`, { as: bob, body: { enforce: true } });
    expect(put.status).toBe(403);
    expect((await api.call('GET', '/api/targets/0123456789abcdef0123456789abcdef/enforcement')).status).toBe(
      404,
    );
  });

  it('DELETE turns it off; a deleted and re-registered target starts unenforced', async () => {
    const id = await register('vm-enforce-delete');
    await api.call('PUT', `/api/targets/${id}/enforcement`, { body: { enforce: true } });
    expect((await api.call('DELETE', `/api/targets/${id}/enforcement`)).status).toBe(204);
    expect((await api.call('GET', `/api/targets/${id}/enforcement`)).json.enforce).toBe(false);
    await api.call('PUT', `/api/targets/${id}/enforcement`, { body: { enforce: true } });
    expect((await api.call('DELETE', `/api/targets/${id}`)).status).toBe(204);
    expect(await register('vm-enforce-delete')).toBe(id);
    expect((await api.call('GET', `/api/targets/${id}/enforcement`)).json.enforce).toBe(false);
  });

  it('setEnforcement lets a policy set it without a caller, naming who set it', async () => {
    const id = await register('vm-enforce-policy');
    const target = (await api.deps.store.targets.get(id))!;
    const stored = await setEnforcement(
      { targets: api.deps.store.targets, controls: api.deps.store.controls, clock: api.clock },
      target,
      { enforce: true, graceMinutes: 5 },
      { updatedBy: 'policy:nightly-stop' },
    );
    expect(stored.value).toMatchObject({ enforce: true, graceMinutes: 5, updatedBy: 'policy:nightly-stop' });
    const get = await api.call('GET', `/api/targets/${id}/enforcement`);
    expect(get.json).toMatchObject({ enforce: true, graceMinutes: 5, updatedBy: 'policy:nightly-stop' });
  });
});
