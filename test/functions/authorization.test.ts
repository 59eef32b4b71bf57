/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   Response bodies are untyped JSON on purpose: these tests assert their shape field by field. */
// Who may do what: owners and assignees act on their targets, Scheduler.Admin on all, anyone else gets
// 403, nobody at all 401; and the principal header counts only where the setting says it is trusted.

import { beforeAll, describe, expect, it } from 'vitest';
import {
  admin,
  alice,
  bob,
  designSchedule,
  testApi,
  vmId,
  type Caller,
  type TestApi,
} from '../support/api.js';

const carol: Caller = { id: 'carol-oid', name: 'carol@contoso.com', roles: ['Scheduler.Reader'] };

let api: TestApi;
const ids: Record<'alices' | 'bobs' | 'adminsForBob', string> = { alices: '', bobs: '', adminsForBob: '' };

beforeAll(async () => {
  api = await testApi();
  ids.alices = (
    await api.call('POST', '/api/targets', { as: alice, body: { resourceId: vmId('vm-alice') } })
  ).json.id;
  ids.bobs = (
    await api.call('POST', '/api/targets', { as: bob, body: { resourceId: vmId('vm-bob') } })
  ).json.id;
  ids.adminsForBob = (
    await api.call('POST', '/api/targets', {
      as: admin,
      body: { resourceId: vmId('vm-team'), assignedTo: bob.id },
    })
  ).json.id;
});

type Operation = [method: string, suffix: string, body?: unknown];
const operations: Operation[] = [
  ['GET', ''],
  ['GET', '/schedules'],
  ['PUT', '/schedules', designSchedule],
  ['GET', '/timeline'],
];

const matrix: [caller: Caller | null, target: keyof typeof ids, status: number][] = [
  [alice, 'alices', 200],
  [alice, 'bobs', 403],
  [alice, 'adminsForBob', 403],
  [bob, 'alices', 403],
  [bob, 'bobs', 200],
  [bob, 'adminsForBob', 200],
  [carol, 'alices', 403],
  [carol, 'adminsForBob', 403],
  [admin, 'alices', 200],
  [admin, 'bobs', 200],
  [admin, 'adminsForBob', 200],
  [null, 'alices', 401],
];

describe('the authorization matrix', () => {
  for (const [caller, target, status] of matrix) {
    for (const [method, suffix, body] of operations) {
      it(`${caller?.id ?? 'nobody'} → ${method} ${target}${suffix}: ${status}`, async () => {
        const res = await api.call(method, `/api/targets/${ids[target]}${suffix}`, {
          as: caller,
          ...(body ? { body } : {}),
        });
        expect(res.status).toBe(status);
      });
    }
  }

  it('refuses to delete someone else’s target (403) and lets the assignee delete it', async () => {
    const own = await testApi();
    const { json } = await own.call('POST', '/api/targets', {
      as: admin,
      body: { resourceId: vmId('vm-x'), assignedTo: bob.id },
    });
    expect((await own.call('DELETE', `/api/targets/${json.id}`, { as: alice })).status).toBe(403);
    expect((await own.call('DELETE', `/api/targets/${json.id}`, { as: null })).status).toBe(401);
    expect((await own.call('GET', `/api/targets/${json.id}`, { as: admin })).status).toBe(200);
    expect((await own.call('DELETE', `/api/targets/${json.id}`, { as: bob })).status).toBe(204);
  });

  it('refuses to register a resource someone else already registered (403), and lets an admin see it', async () => {
    const res = await api.call('POST', '/api/targets', { as: alice, body: { resourceId: vmId('vm-bob') } });
    expect(res.status).toBe(403);
    expect(
      (await api.call('POST', '/api/targets', { as: admin, body: { resourceId: vmId('vm-bob') } })).status,
    ).toBe(200);
  });

  it('lists each person their own and assigned targets, and an admin everyone’s', async () => {
    const names = async (caller: Caller): Promise<string[]> => {
      const list = (await api.call('GET', '/api/targets', { as: caller })).json.value as { name: string }[];
      return list.map((t) => t.name).sort();
    };
    expect(await names(alice)).toEqual(['vm-alice']);
    expect(await names(bob)).toEqual(['vm-bob', 'vm-team']);
    expect(await names(carol)).toEqual([]);
    expect(await names(admin)).toEqual(['vm-alice', 'vm-bob', 'vm-team']);
    expect((await api.call('GET', '/api/targets', { as: null })).status).toBe(401);
  });

  it('reads admin roles from the role claim type the principal names, and from `roles`', async () => {
    const payload = {
      auth_typ: 'aad',
      name_typ: 'name',
      role_typ: 'custom-role-claim',
      claims: [
        { typ: 'custom-role-claim', val: 'Scheduler.Admin' },
        { typ: 'name', val: 'ops@contoso.com' },
      ],
    };
    const res = await api.call('GET', `/api/targets/${ids.alices}`, {
      as: null,
      headers: {
        'x-ms-client-principal': Buffer.from(JSON.stringify(payload)).toString('base64'),
        'x-ms-client-principal-id': 'ops-oid',
      },
    });
    expect(res.status).toBe(200);
  });

  it('lets anyone signed in preview, nobody else', async () => {
    expect((await api.call('POST', '/api/preview', { as: carol, body: designSchedule })).status).toBe(200);
    expect((await api.call('POST', '/api/preview', { as: null, body: designSchedule })).status).toBe(401);
  });

  it('serves openapi.json to anyone', async () => {
    expect((await api.call('GET', '/api/openapi.json', { as: null })).status).toBe(200);
  });
});

describe('where the principal header is not trusted', () => {
  it('treats every caller as unauthenticated, whatever headers they send', async () => {
    const untrusted = await testApi({ SCHEDULER_TRUST_PRINCIPAL_HEADER: 'false' });
    for (const caller of [alice, admin]) {
      const res = await untrusted.call('POST', '/api/targets', {
        as: caller,
        body: { resourceId: vmId('vm-u') },
      });
      expect(res.status).toBe(401);
    }
  });
});
