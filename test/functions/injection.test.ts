/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call --
   Response bodies are untyped JSON on purpose: these tests assert their shape field by field. */
// OData injection: resource ids, names, principal ids and tokens are data. Filters are built only with
// the `odata` tag, keys never hold user text, and what cannot be a resource id never reaches storage.

import { describe, expect, it } from 'vitest';
import { admin, bob, testApi, vmId, type Caller } from '../support/api.js';
import { allRows } from '../support/storage.js';

const attacks = [
  "vm' or PartitionKey ne '",
  "vm') or (RowKey ne '",
  'vm%27%20or%20true',
  "x' or 1 eq 1 or 'x' eq '",
  'vm"; DROP TABLE targets; --',
  'vm\u0000',
  'vm/../../other',
  "vm'",
];

describe('OData injection', () => {
  it.each(attacks)('refuses %j inside a resource id with 400 and stores nothing', async (name) => {
    const api = await testApi();
    for (const resourceId of [vmId(name), vmId('vm-ok', `rg-${name}`)]) {
      const res = await api.call('POST', '/api/targets', { body: { resourceId } });
      expect(res.status).toBe(400);
      expect(res.json.errors[0].pointer).toBe('/resourceId');
    }
    expect(await allRows(api.clients, api.clients.names.targets)).toEqual([]);
  });

  it('keeps legal but unusual resource group names (parentheses, dots, other scripts) intact', async () => {
    const api = await testApi();
    for (const group of ['rg(prod).eu', 'rg-données', 'グループ']) {
      const res = await api.call('POST', '/api/targets', { body: { resourceId: vmId('vm-1', group) } });
      expect(res.status).toBe(201);
      expect(res.json.resourceGroup).toBe(group);
      expect((await api.call('GET', `/api/targets/${res.json.id}`)).json.resourceGroup).toBe(group);
    }
  });

  it.each(attacks)(
    'lists nothing for a principal id of %j that would widen a filter',
    async (principalId) => {
      const api = await testApi();
      await api.call('POST', '/api/targets', { as: bob, body: { resourceId: vmId('vm-bob') } });
      const attacker: Caller = { id: principalId.replace('\u0000', '') || 'x' };
      const res = await api.call('GET', '/api/targets', { as: attacker });
      expect(res.status).toBe(200);
      expect(res.json.value).toEqual([]);
    },
  );

  it('stores an assignee id with quotes as data, and only that principal sees the target', async () => {
    const api = await testApi();
    const odd = "eve' or PartitionKey ne '";
    const created = await api.call('POST', '/api/targets', {
      as: admin,
      body: { resourceId: vmId('vm-odd'), assignedTo: odd },
    });
    expect(created.status).toBe(201);
    expect(created.json.assignedTo).toBe(odd);
    expect((await api.call('GET', '/api/targets', { as: { id: odd } })).json.value).toHaveLength(1);
    expect((await api.call('GET', '/api/targets', { as: { id: 'eve' } })).json.value).toEqual([]);
  });

  it.each(["' or 1 eq 1", 'eyJuZXh0UGFydGl0aW9uS2V5IjoiJyBvciAxIGVxIDEifQ==', '../../'])(
    'treats continuation token %j as a token or refuses it, never as filter text',
    async (token) => {
      const api = await testApi();
      await api.call('POST', '/api/targets', { as: bob, body: { resourceId: vmId('vm-bob') } });
      const res = await api.call('GET', `/api/targets?continuationToken=${encodeURIComponent(token)}`, {
        as: admin,
      });
      expect([200, 400]).toContain(res.status);
      if (res.status === 200)
        expect(res.json.value.every((t: { name: string }) => t.name === 'vm-bob')).toBe(true);
    },
  );

  it.each(["x' or '1' eq '1", '%27', '0123456789abcdef0123456789abcdeg'])(
    'answers 404 for target id %j in the URL',
    async (id) => {
      const api = await testApi();
      expect((await api.call('GET', `/api/targets/${encodeURIComponent(id)}`)).status).toBe(404);
    },
  );
});
