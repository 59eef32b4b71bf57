/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   Response bodies are untyped JSON on purpose: these tests assert their shape field by field. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeActionMessage } from '../../src/engine/action-message.js';
import { decodePoolMessage } from '../../src/engine/pool-message.js';
import { startArmEmulator, type ArmEmulator } from '../../toolkit/arm-emulator/index.js';
import { gatewayFor } from '../compute/gateway-fixture.js';
import { computeInstanceId, poolId, vmId } from '../toolkit/arm-emulator/fixture.js';
import { bob, testApi, type TestApi } from '../support/api.js';
import { allRows } from '../support/storage.js';

let api: TestApi;
let emulator: ArmEmulator;

beforeAll(async () => {
  emulator = await startArmEmulator({ transitionDurationsInMs: 20 });
  api = await testApi({}, { gateway: gatewayFor(emulator) });
});
afterAll(() => emulator?.close());

async function register(resourceId: string, connectUrl?: string): Promise<string> {
  const res = await api.call('POST', '/api/targets', {
    body: { resourceId, ...(connectUrl ? { connectUrl } : {}) },
  });
  expect(res.status).toBe(201);
  return res.json.id as string;
}

async function queued(queue: 'actions' | 'pools'): Promise<unknown[]> {
  const client = api.clients.queueService.getQueueClient(api.clients.names.queues[queue]);
  const peeked = await client.peekMessages({ numberOfMessages: 32 });
  return peeked.peekedMessageItems.map((m) =>
    queue === 'actions' ? decodeActionMessage(m.messageText) : decodePoolMessage(m.messageText),
  );
}

function expectProblem(res: { status: number; headers: Headers }, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
}

describe('POST /api/targets/{id}/wake', () => {
  it('starts a VM through the actions queue, and a second wake answers the same run', async () => {
    emulator.addVirtualMachine(vmId('vm-wake'), { powerState: 'deallocated' });
    const id = await register(vmId('vm-wake'));
    const first = await api.call('POST', `/api/targets/${id}/wake`);
    expect(first.status).toBe(202);
    expect(first.json).toMatchObject({ targetId: id, outcome: 'pending' });
    const second = await api.call('POST', `/api/targets/${id}/wake`);
    expect(second.json.runId).toBe(first.json.runId);
    const messages = (await queued('actions')).filter((m) => (m as { targetId: string }).targetId === id);
    expect(messages).toEqual([
      expect.objectContaining({ action: 'Start', source: 'wake', occurrenceAt: Number(first.json.runId) }),
    ]);
    const runs = await api.call('GET', `/api/targets/${id}/runs`);
    expect(runs.json.value).toEqual([
      expect.objectContaining({
        id: first.json.runId,
        source: 'wake',
        requestedAction: 'Start',
        outcome: 'pending',
      }),
    ]);
  });

  it('wakes a pool: a pending wake run, the wake recorded, one reconcile on the pools queue', async () => {
    emulator.addScaleSet(poolId('pool-wake'), { capacity: 0, powerState: 'deallocated' });
    const id = await register(poolId('pool-wake'));
    const first = await api.call('POST', `/api/targets/${id}/wake`);
    expect(first.status).toBe(202);
    const second = await api.call('POST', `/api/targets/${id}/wake`);
    expect(second.json.runId).toBe(first.json.runId);
    const runAt = Number(first.json.runId);
    expect(await api.store.scaling.lastWake(id)).toBe(runAt);
    const messages = (await queued('pools')).filter((m) => (m as { targetId: string }).targetId === id);
    expect(messages).toEqual([
      expect.objectContaining({ v: 1, targetId: id, source: 'wake', at: runAt, runAt }),
    ]);
    expect((await queued('actions')).filter((m) => (m as { targetId: string }).targetId === id)).toEqual([]);
  });

  it('refuses someone else’s target with 403 and an unknown one with 404, queuing nothing', async () => {
    const id = await register(computeInstanceId('ci-wake'));
    const before = await allRows(api.clients, api.clients.names.runs);
    expectProblem(await api.call('POST', `/api/targets/${id}/wake`, { as: bob }), 403);
    expectProblem(await api.call('POST', `/api/targets/${'0'.repeat(32)}/wake`), 404);
    expectProblem(await api.call('POST', `/api/targets/${id}/wake`, { as: null }), 401);
    expect(await allRows(api.clients, api.clients.names.runs)).toEqual(before);
  });
});

describe('connectUrl', () => {
  it('is set at registration and by PATCH, and "" removes it', async () => {
    const id = await register(vmId('vm-url'), 'https://vm-url.contoso.com:8000/');
    expect((await api.call('GET', `/api/targets/${id}`)).json.connectUrl).toBe(
      'https://vm-url.contoso.com:8000/',
    );
    const patched = await api.call('PATCH', `/api/targets/${id}`, {
      body: { connectUrl: 'http://10.0.0.4:8000/' },
    });
    expect(patched.status).toBe(200);
    expect(patched.json.connectUrl).toBe('http://10.0.0.4:8000/');
    const removed = await api.call('PATCH', `/api/targets/${id}`, { body: { connectUrl: '' } });
    expect(removed.json).not.toHaveProperty('connectUrl');
  });

  it('refuses what is not an absolute http(s) URL, naming the field, and changes nothing', async () => {
    const id = await register(vmId('vm-bad-url'));
    const before = await allRows(api.clients, api.clients.names.targets);
    for (const connectUrl of ['/relative', 'javascript:alert(1)', 'ftp://host/', 'https://user:pw@host/']) {
      const res = await api.call('PATCH', `/api/targets/${id}`, { body: { connectUrl } });
      expectProblem(res, 400);
      expect(res.json.errors[0].pointer).toBe('/connectUrl');
    }
    expectProblem(
      await api.call('PATCH', `/api/targets/${id}`, { body: { connectUrl: 'https://x/' }, as: bob }),
      403,
    );
    expect(await allRows(api.clients, api.clients.names.targets)).toEqual(before);
    const bad = await api.call('POST', '/api/targets', {
      body: { resourceId: vmId('vm-bad-url-2'), connectUrl: 'nope' },
    });
    expectProblem(bad, 400);
  });
});

describe('GET /api/targets/{id}/connect', () => {
  it('redirects to the connect URL when the machine is running', async () => {
    emulator.addVirtualMachine(vmId('vm-up'), { powerState: 'running' });
    const id = await register(vmId('vm-up'), 'https://vm-up.contoso.com:8000/');
    const res = await api.call('GET', `/api/targets/${id}/connect`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://vm-up.contoso.com:8000/');
  });

  it('wakes a sleeping machine and answers a page that refreshes itself, once however often it is loaded', async () => {
    emulator.addVirtualMachine(vmId('vm-asleep'), { powerState: 'deallocated' });
    const id = await register(vmId('vm-asleep'), 'https://vm-asleep.contoso.com:8000/');
    const first = await api.call('GET', `/api/targets/${id}/connect`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(first.text).toContain('<meta http-equiv="refresh" content="15">');
    expect(first.text).toContain('vm-asleep</strong> was asleep');
    expect(first.text).toContain('one to three minutes');
    expect(first.text).not.toMatch(/<script|https?:\/\/(?!vm-asleep)/);
    await api.call('GET', `/api/targets/${id}/connect`);
    const runs = await api.call('GET', `/api/targets/${id}/runs`);
    expect(runs.json.value).toHaveLength(1);
    expect(runs.json.value[0]).toMatchObject({ source: 'wake', requestedAction: 'Start' });
  });

  it('tells how long a pool usually takes, and refuses other people with a problem', async () => {
    emulator.addScaleSet(poolId('pool-connect'), { capacity: 0, powerState: 'deallocated' });
    const id = await register(poolId('pool-connect'));
    const page = await api.call('GET', `/api/targets/${id}/connect`);
    expect(page.text).toContain('two to five minutes');
    expectProblem(await api.call('GET', `/api/targets/${id}/connect`, { as: bob }), 403);
    expectProblem(await api.call('GET', `/api/targets/${id}/connect`, { as: null }), 401);
  });
});
