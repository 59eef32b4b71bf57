/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call --
   Response bodies are untyped JSON on purpose: these tests assert their shape field by field. */
// Whatever a client sends is the client's problem, never ours: each of these once answered 500. Each is
// now a 400 (401 for the caller's identity) problem document naming the field, and storage is untouched.

import { beforeAll, describe, expect, it } from 'vitest';
import { operations } from '../../src/api-contract/operations.js';
import { admin, alice, designSchedule, testApi, vmId, type ApiResult, type TestApi } from '../support/api.js';
import { storageSnapshot } from '../support/snapshot.js';

let api: TestApi;
let targetId: string;

beforeAll(async () => {
  api = await testApi();
  targetId = (await api.call('POST', '/api/targets', { body: { resourceId: vmId('vm-input') } })).json.id;
  await api.call('PUT', `/api/targets/${targetId}/schedules`, { body: designSchedule });
  await api.call('POST', `/api/targets/${targetId}/actions/start`);
});

/** Sends the request and checks it changed nothing in storage. */
async function refused(send: () => Promise<ApiResult>): Promise<ApiResult> {
  const before = await storageSnapshot(api.clients);
  const res = await send();
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(await storageSnapshot(api.clients)).toEqual(before);
  return res;
}

const token = (decoded: unknown) =>
  encodeURIComponent(Buffer.from(JSON.stringify(decoded)).toString('base64'));

describe('prototype names in the URL', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'refuses the action %j with 400 naming the action',
    async (action) => {
      const res = await refused(() => api.call('POST', `/api/targets/${targetId}/actions/${action}`));
      expect(res.status).toBe(400);
      expect(res.json.errors).toEqual([{ parameter: 'action', reason: 'must be start, stop or restart' }]);
    },
  );
});

describe('continuation tokens whose fields have the wrong JSON types', () => {
  const tokens = {
    'a number partition key': { nextPartitionKey: 5 },
    'an object row key': { nextPartitionKey: 'cDI=', nextRowKey: {} },
    'a number row key': { nextPartitionKey: 'cDI=', nextRowKey: 7 },
    'an array row key': { nextPartitionKey: 'cDI=', nextRowKey: ['a'] },
    'a null row key': { nextPartitionKey: 'cDI=', nextRowKey: null },
    'an unknown field': { nextPartitionKey: 'cDI=', nextTableName: 'x' },
    'a key with a quote': { nextPartitionKey: "cDI' or 1 eq 1" },
    'an empty key': { nextPartitionKey: '' },
    'an array': ['cDI='],
  };
  const routes = () =>
    [
      ['GET /api/targets as an admin', '/api/targets', admin],
      ['GET /api/targets as a user', '/api/targets', alice],
      ['GET /api/targets/{id}/runs', `/api/targets/${targetId}/runs`, alice],
    ] as const;

  it.each(Object.entries(tokens))('refuses %s with 400 on every list route', async (_, decoded) => {
    for (const [, path, as] of routes()) {
      const res = await refused(() => api.call('GET', `${path}?continuationToken=${token(decoded)}`, { as }));
      expect(res.status, path).toBe(400);
      expect(res.json.errors[0].parameter, path).toBe('continuationToken');
    }
  });

  it('knows every list route that takes one', () => {
    const paging = operations.filter((o) => o.parameters?.some((p) => p.name === 'continuationToken'));
    expect(paging.map((o) => `${o.method} /api/${o.route}`).sort()).toEqual([
      'GET /api/targets',
      'GET /api/targets/{id}/runs',
    ]);
  });

  it('still follows the tokens storage issues', async () => {
    for (const name of ['vm-page-1', 'vm-page-2']) {
      await api.call('POST', '/api/targets', { body: { resourceId: vmId(name) } });
    }
    const first = await api.call('GET', '/api/targets?maxPageSize=1');
    expect(first.json.continuationToken).toEqual(expect.any(String));
    const next = await api.call(
      'GET',
      `/api/targets?maxPageSize=1&continuationToken=${encodeURIComponent(first.json.continuationToken)}`,
    );
    expect(next.status).toBe(200);
    expect(next.json.value).toHaveLength(1);
  });
});

describe('bodies nested thousands of levels deep', () => {
  const array = (depth: number, inner = '"x"') => '['.repeat(depth) + inner + ']'.repeat(depth);
  const object = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  const entry = (field: string) =>
    `{"computeStartStop":[{"triggerType":"Recurrence","action":"Stop","recurrence":{"frequency":"Day",` +
    `"interval":1,"schedule":{"hours":${field},"minutes":[0]}}}]}`;
  const bodies: [string, string, string][] = [
    [
      'cron.expression',
      `{"computeStartStop":[{"cron":{"expression":${array(31_000)}}}]}`,
      '/computeStartStop/0/cron/expression',
    ],
    ['recurrence hours', entry(array(31_000, '1')), '/computeStartStop/0/recurrence/schedule/hours'],
    ['an unknown field', `{"computeStartStop":[],"x":${object(10_000)}}`, '/x'],
    ['the whole body', array(32_000), ''],
  ];

  it.each(bodies)(
    'refuses %s with 400 pointing into it, on every route with a body',
    async (_, raw, under) => {
      expect(raw.length).toBeLessThanOrEqual(64 * 1024);
      for (const [method, path] of [
        ['PUT', `/api/targets/${targetId}/schedules`],
        ['POST', '/api/preview'],
        ['POST', '/api/targets'],
      ] as const) {
        const res = await refused(() => api.call(method, path, { rawBody: raw }));
        expect(res.status, `${method} ${path}`).toBe(400);
        expect(res.json.errors[0].pointer.startsWith(under), res.json.errors[0].pointer).toBe(true);
        expect(res.json.errors[0].reason).toMatch(/more than 32 levels deep/);
      }
    },
  );

  it('still reads a body 32 levels deep (and lets the schedule engine say what is wrong with it)', async () => {
    const res = await api.call('POST', '/api/preview', { rawBody: entry(array(27, '1')) });
    expect(res.status).toBe(400);
    expect(res.json.errors[0].reason).not.toMatch(/levels deep/);
  });
});

describe('principal ids that cannot be stored', () => {
  it('refuses a 6,000-character principal id with 401 naming the header, on reads and writes', async () => {
    const caller = { id: 'p'.repeat(6_000) };
    for (const [method, path, body] of [
      ['POST', '/api/targets', { resourceId: vmId('vm-long-principal') }],
      ['GET', '/api/targets', undefined],
      ['POST', `/api/targets/${targetId}/actions/stop`, undefined],
    ] as const) {
      const res = await refused(() => api.call(method, path, { as: caller, ...(body ? { body } : {}) }));
      expect(res.status).toBe(401);
      expect(res.json.errors).toEqual([
        { header: 'x-ms-client-principal-id', reason: 'the id must be at most 128 characters' },
      ]);
    }
  });

  it('refuses an overlong id or name that only the encoded principal carries', async () => {
    const tooLong = await refused(() =>
      api.call('GET', '/api/targets', {
        as: null,
        headers: {
          'x-ms-client-principal': Buffer.from(
            JSON.stringify({ claims: [{ typ: 'oid', val: '€'.repeat(129) }] }),
          ).toString('base64'),
        },
      }),
    );
    expect(tooLong.status).toBe(401);
    const claims = (typ: string, val: string) =>
      Buffer.from(
        JSON.stringify({
          claims: [
            { typ: 'oid', val: 'oid-1' },
            { typ, val },
          ],
        }),
      ).toString('base64');
    const long = 'n'.repeat(257);
    const named = await refused(() =>
      api.call('GET', '/api/targets', {
        as: null,
        headers: {
          'x-ms-client-principal': claims('http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name', long),
        },
      }),
    );
    expect(named.status).toBe(401);
    expect(named.json.errors[0].header).toBe('x-ms-client-principal');
  });

  it('refuses control characters and unpaired surrogates in a principal id', async () => {
    for (const id of ['alice\u0000', 'bob\u0085', 'eve\ud800']) {
      const encoded = Buffer.from(JSON.stringify({ claims: [{ typ: 'oid', val: id }] })).toString('base64');
      const res = await refused(() =>
        api.call('POST', '/api/targets', {
          as: null,
          headers: { 'x-ms-client-principal': encoded },
          body: { resourceId: vmId('vm-odd-principal') },
        }),
      );
      expect(res.status, JSON.stringify(id)).toBe(401);
    }
  });

  it('serves the longest principal id it accepts, in the widest characters', async () => {
    // 384 bytes of UTF-8, a 512-character key. Headers are Latin-1, so it comes in the encoded principal.
    const id = '€'.repeat(128);
    const headers = {
      'x-ms-client-principal': Buffer.from(JSON.stringify({ claims: [{ typ: 'oid', val: id }] })).toString(
        'base64',
      ),
    };
    const created = await api.call('POST', '/api/targets', {
      as: null,
      headers,
      body: { resourceId: vmId('vm-euro') },
    });
    expect(created.status).toBe(201);
    expect(created.json.owner.id).toBe(id);
    const listed = await api.call('GET', '/api/targets', { as: null, headers });
    expect(listed.json.value.map((t: { name: string }) => t.name)).toEqual(['vm-euro']);
  });

  it('holds assignees to the same limit: 128 characters fit, 129 are refused', async () => {
    const fits = await api.call('POST', '/api/targets', {
      as: admin,
      body: { resourceId: vmId('vm-assigned-euro'), assignedTo: '€'.repeat(128) },
    });
    expect(fits.status).toBe(201);
    const res = await refused(() =>
      api.call('POST', '/api/targets', {
        as: admin,
        body: { resourceId: vmId('vm-assigned-long'), assignedTo: 'x'.repeat(129) },
      }),
    );
    expect(res.status).toBe(400);
    expect(res.json.errors[0]).toEqual({ pointer: '/assignedTo', reason: 'must be at most 128 characters' });
  });
});
