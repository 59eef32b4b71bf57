/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument --
   Response bodies are untyped JSON on purpose: these tests assert their shape field by field. */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  admin,
  alice,
  bob,
  computeInstanceId,
  poolId,
  SUBSCRIPTION,
  testApi,
  vmId,
  type TestApi,
} from '../support/api.js';
import type { StoredTarget } from '../../src/store/ports.js';
import { createTableStore } from '../../src/store/index.js';
import { targetIdFor } from '../../src/store/keys.js';
import { storageCalls } from '../../src/store/storage-calls.js';
import { allRows } from '../support/storage.js';

let api: TestApi;
beforeAll(async () => {
  api = await testApi();
});

/** Registers alice's VM `name` through another instance of the app on the same storage, an hour ago. */
function registeredElsewhere(name: string): Promise<StoredTarget> {
  return createTableStore(api.clients).targets.create({
    id: targetIdFor(vmId(name)),
    resourceId: vmId(name),
    kind: 'vm',
    subscriptionId: SUBSCRIPTION,
    resourceGroup: 'rg-data',
    name,
    owner: { id: alice.id },
    createdAt: Date.parse('2026-11-25T20:00:00Z'),
  });
}

describe('POST /api/targets', () => {
  it('registers a VM: 201, Location, the kind inferred and the caller as owner', async () => {
    const res = await api.call('POST', '/api/targets', { body: { resourceId: vmId('vm-ds-01') } });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      resourceId: vmId('vm-ds-01'),
      kind: 'vm',
      subscriptionId: '00000000-0000-0000-0000-000000000000',
      resourceGroup: 'rg-data',
      name: 'vm-ds-01',
      owner: { id: 'alice-oid', name: 'alice@contoso.com' },
      createdAt: '2026-11-25T21:00:00Z',
    });
    expect(res.json.id).toMatch(/^[0-9a-f]{32}$/);
    expect(res.headers.get('location')).toBe(`http://localhost:7071/api/targets/${res.json.id}`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('is idempotent: the same resource, in any letter case, is the same target (200, no Location)', async () => {
    const first = await api.call('POST', '/api/targets', { body: { resourceId: vmId('vm-idem') } });
    const again = await api.call('POST', '/api/targets', {
      body: { resourceId: vmId('vm-idem').toUpperCase() },
    });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.headers.get('location')).toBeNull();
    expect(again.json).toEqual(first.json);
  });

  it('infers pools and compute instances', async () => {
    const pool = await api.call('POST', '/api/targets', { body: { resourceId: poolId('pool-gpu') } });
    expect(pool.json).toMatchObject({ kind: 'pool', name: 'pool-gpu' });
    const ci = await api.call('POST', '/api/targets', {
      body: { resourceId: computeInstanceId('ci-alice') },
    });
    expect(ci.json).toMatchObject({ kind: 'computeInstance', name: 'ci-alice', workspace: 'ws-research' });
  });

  it('lets an admin register on behalf of someone, who may then use the target', async () => {
    const res = await api.call('POST', '/api/targets', {
      as: admin,
      body: { resourceId: vmId('vm-for-bob'), assignedTo: bob.id },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ owner: { id: admin.id }, assignedTo: bob.id });
    expect((await api.call('GET', `/api/targets/${res.json.id}`, { as: bob })).status).toBe(200);
  });

  it('lets an admin reassign a target by registering it again', async () => {
    const first = await api.call('POST', '/api/targets', {
      as: admin,
      body: { resourceId: vmId('vm-move'), assignedTo: bob.id },
    });
    const moved = await api.call('POST', '/api/targets', {
      as: admin,
      body: { resourceId: vmId('vm-move'), assignedTo: alice.id },
    });
    expect(moved.status).toBe(200);
    expect(moved.json).toMatchObject({ id: first.json.id, assignedTo: alice.id });
    expect((await api.call('GET', `/api/targets/${first.json.id}`, { as: bob })).status).toBe(403);
  });

  it('registers a new machine in two storage calls: its owner’s list entry and one transaction', async () => {
    // Counted by the storage clients' own counting policy, against Azurite: a registration that grows back
    // a read before the create, or a read after it, fails here.
    const before = storageCalls.snapshot();
    const res = await api.call('POST', '/api/targets', { body: { resourceId: vmId('vm-counted') } });
    expect(res.status).toBe(201);
    expect(storageCalls.since(before)).toEqual({ 'table batch': 1, 'table insert': 1 });
    const stored = await api.call('GET', `/api/targets/${res.json.id}`);
    expect(stored.json).toEqual(res.json);
  });

  it('registers a machine it registered lately again in two storage calls: a read and the list entry (there already: 409)', async () => {
    const { clients } = api;
    await api.call('POST', '/api/targets', { body: { resourceId: vmId('vm-counted-again') } });
    const rows = await allRows(clients, clients.names.targets);
    const before = storageCalls.snapshot();
    const again = await api.call('POST', '/api/targets', {
      body: { resourceId: vmId('vm-counted-again') },
    });
    expect(again.status).toBe(200);
    expect(storageCalls.since(before)).toEqual({ 'table point read': 1, 'table insert': 1 });
    expect(await allRows(clients, clients.names.targets)).toEqual(rows);
  });

  it('registers a machine another instance registered: the create is refused, then it is read (200)', async () => {
    const { clients } = api;
    const first = await registeredElsewhere('vm-elsewhere');
    const rows = await allRows(clients, clients.names.targets);
    const before = storageCalls.snapshot();
    const again = await api.call('POST', '/api/targets', { body: { resourceId: vmId('vm-elsewhere') } });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ id: first.id, createdAt: '2026-11-25T20:00:00Z' });
    expect(storageCalls.since(before)).toEqual({
      'table batch': 1,
      'table point read': 1,
      'table insert': 1,
    });
    expect(await allRows(clients, clients.names.targets)).toEqual(rows);
  });

  it.each([
    ['this instance registered', false],
    ['another instance registered (the create is refused first)', true],
  ])('refuses someone else’s machine %s (403), leaving nothing in their list', async (_, elsewhere) => {
    const { clients } = api;
    const name = `vm-alices-${elsewhere ? 'elsewhere' : 'here'}`;
    const mine = elsewhere
      ? await registeredElsewhere(name)
      : (await api.call('POST', '/api/targets', { body: { resourceId: vmId(name) } })).json;
    const access = await allRows(clients, clients.names.access);
    const res = await api.call('POST', '/api/targets', { as: bob, body: { resourceId: vmId(name) } });
    expect(res.status).toBe(403);
    expect(await allRows(clients, clients.names.access)).toEqual(access);
    expect((await api.call('GET', '/api/targets', { as: bob })).json.value).not.toContainEqual(
      expect.objectContaining({ id: mine.id }),
    );
  });

  it('refuses assignedTo from someone who is not an admin (403), writing nothing', async () => {
    const { clients } = api;
    const before = await allRows(clients, clients.names.targets);
    const res = await api.call('POST', '/api/targets', {
      as: bob,
      body: { resourceId: vmId('vm-sneaky'), assignedTo: alice.id },
    });
    expect(res.status).toBe(403);
    expect(await allRows(clients, clients.names.targets)).toEqual(before);
  });

  it.each([
    ['an empty object', {}, '/resourceId', 'is required'],
    ['an unknown field', { resourceId: vmId('vm-x'), owner: 'eve' }, '/owner', 'is not a known field'],
    ['a number for the id', { resourceId: 42 }, '/resourceId', 'must be a string'],
    [
      'a storage account',
      {
        resourceId: vmId('x').replace(
          'Microsoft.Compute/virtualMachines',
          'Microsoft.Storage/storageAccounts',
        ),
      },
      '/resourceId',
      'is not schedulable',
    ],
    [
      'a subscription that is not a GUID',
      { resourceId: vmId('vm-x').replace(/0{8}-0{4}-0{4}-0{4}-0{12}/, 'my-sub') },
      '/resourceId',
      'is not a GUID',
    ],
    [
      'a compute instance name with a digit after its last hyphen',
      { resourceId: computeInstanceId('ci-1') },
      '/resourceId',
      "letter somewhere after every '-'",
    ],
    [
      'a compute instance name of 2 characters',
      { resourceId: computeInstanceId('ab') },
      '/resourceId',
      '3 to 24',
    ],
    [
      'a compute instance name starting with a digit',
      { resourceId: computeInstanceId('1abc') },
      '/resourceId',
      'start with a letter',
    ],
    ['a trailing slash', { resourceId: `${vmId('vm-x')}/` }, '/resourceId', 'empty segment'],
    ['an array body', [], '', 'must be an object'],
  ])('refuses %s with a problem that points at the field', async (_label, body, pointer, reason) => {
    const res = await api.call('POST', '/api/targets', { body });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json).toMatchObject({
      type: expect.stringContaining('invalid'),
      status: 400,
      title: expect.any(String),
    });
    expect(res.json.errors).toContainEqual({ pointer, reason: expect.stringContaining(reason) });
  });

  it('refuses a body that is not JSON (415), malformed JSON (400), an empty body (400) and > 64 KiB (413)', async () => {
    const text = await api.call('POST', '/api/targets', {
      rawBody: 'resourceId=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const broken = await api.call('POST', '/api/targets', { rawBody: '{"resourceId": ' });
    expect(broken.status).toBe(400);
    expect(broken.json.errors[0].pointer).toBe('');
    const empty = await api.call('POST', '/api/targets', { rawBody: '' });
    expect(empty.status).toBe(400);
    const huge = await api.call('POST', '/api/targets', {
      body: { resourceId: vmId('vm-big'), padding: 'x'.repeat(64 * 1024) },
    });
    expect(huge.status).toBe(413);
    const badUtf8 = await api.call('POST', '/api/targets', { rawBody: new Uint8Array([0x7b, 0xff, 0x7d]) });
    expect(badUtf8.status).toBe(400);
  });

  it('answers 401 without a principal', async () => {
    const res = await api.call('POST', '/api/targets', { as: null, body: { resourceId: vmId('vm-anon') } });
    expect(res.status).toBe(401);
    expect(res.json.type).toBe('urn:compute-scheduler:problem:unauthenticated');
  });

  it('answers 401 for a principal header that is not base64 JSON', async () => {
    const res = await api.call('POST', '/api/targets', {
      as: null,
      headers: { 'x-ms-client-principal': '%%%not-base64%%%', 'x-ms-client-principal-id': 'x' },
      body: { resourceId: vmId('vm-anon') },
    });
    expect(res.status).toBe(401);
  });
});

describe('GET and DELETE /api/targets/{id}', () => {
  it('reads a target, deletes it (204), then no longer finds it (404)', async () => {
    const { json } = await api.call('POST', '/api/targets', { body: { resourceId: vmId('vm-del') } });
    const read = await api.call('GET', `/api/targets/${json.id}`);
    expect(read.status).toBe(200);
    expect(read.json).toEqual(json);
    const deleted = await api.call('DELETE', `/api/targets/${json.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await api.call('GET', `/api/targets/${json.id}`)).status).toBe(404);
    expect((await api.call('DELETE', `/api/targets/${json.id}`)).status).toBe(404);
  });

  it('answers 404 for ids that are not target ids at all', async () => {
    for (const id of ['nope', 'f'.repeat(32), "x'%20or%20'1'%20eq%20'1", 'A'.repeat(32)]) {
      const res = await api.call('GET', `/api/targets/${id}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });
});

describe('GET /api/targets', () => {
  it('pages with a continuation token and a nextLink', async () => {
    const own = await testApi();
    for (const name of ['vm-l1', 'vm-l2', 'vm-l3']) {
      await own.call('POST', '/api/targets', { as: bob, body: { resourceId: vmId(name) } });
    }
    const names: string[] = [];
    let path = '/api/targets?maxPageSize=2';
    for (let pages = 0; pages < 5; pages++) {
      const res = await own.call('GET', path, { as: bob });
      expect(res.status).toBe(200);
      names.push(...res.json.value.map((t: { name: string }) => t.name));
      if (!res.json.nextLink) break;
      expect(res.json.continuationToken).toEqual(expect.any(String));
      path = new URL(res.json.nextLink as string).pathname + new URL(res.json.nextLink as string).search;
    }
    expect(names.sort()).toEqual(['vm-l1', 'vm-l2', 'vm-l3']);
  });

  it('refuses a bad page size or token with 400 naming the parameter', async () => {
    const size = await api.call('GET', '/api/targets?maxPageSize=0');
    expect(size.status).toBe(400);
    expect(size.json.errors).toEqual([{ parameter: 'maxPageSize', reason: 'must be at least 1' }]);
    const nan = await api.call('GET', '/api/targets?maxPageSize=ten');
    expect(nan.json.errors[0].parameter).toBe('maxPageSize');
    const token = await api.call('GET', '/api/targets?continuationToken=garbage!');
    expect(token.status).toBe(400);
    expect(token.json.errors[0].parameter).toBe('continuationToken');
  });

  it('keeps the function key out of nextLink', async () => {
    const own = await testApi();
    for (const name of ['vm-k1', 'vm-k2'])
      await own.call('POST', '/api/targets', { body: { resourceId: vmId(name) } });
    const res = await own.call('GET', '/api/targets?maxPageSize=1&code=secret-key');
    expect(res.json.nextLink).toBeDefined();
    expect(res.json.nextLink).not.toContain('secret-key');
  });
});

describe('methods a route does not serve', () => {
  it.each([
    ['PUT', '/api/targets', 'GET, POST'],
    ['PUT', '/api/targets/0123456789abcdef0123456789abcdef', 'GET, PATCH, DELETE'],
    ['POST', '/api/targets/0123456789abcdef0123456789abcdef/schedules', 'GET, PUT'],
    ['DELETE', '/api/targets/0123456789abcdef0123456789abcdef/timeline', 'GET'],
    ['GET', '/api/preview', 'POST'],
    ['POST', '/api/openapi.json', 'GET'],
  ])('%s %s is 405 with Allow: %s', async (method, path, allow) => {
    const res = await api.call(method, path);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(res.json.type).toBe('urn:compute-scheduler:problem:method-not-allowed');
  });
});
