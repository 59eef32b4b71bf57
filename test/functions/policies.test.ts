// Default policies and warnings over real HTTP: the local host with the ARM emulator behind the gateway,
// as `npm start` runs them. Azure ML's default (a stop at 22:00 Pacific every day) is the example policy.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROLE, clientPrincipalHeaders } from '../../src/auth/principal.js';
import { startLocalHost, type LocalHost } from '../../toolkit/local-host/host.js';
import { startArmEmulator, type ArmEmulator } from '../../toolkit/arm-emulator/index.js';
import { gatewayFor } from '../compute/gateway-fixture.js';
import { freshStorage } from '../support/storage.js';
import { GROUP, SUBSCRIPTION, vmId } from '../toolkit/arm-emulator/fixture.js';

const admin = { id: 'admin-oid', roles: [ADMIN_ROLE] };
const alice = { id: 'alice-oid' };
const SCOPE = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}`;
const AZURE_ML_DEFAULT = {
  scope: SCOPE,
  targetKinds: ['vm', 'computeInstance'],
  schedules: {
    computeStartStop: [
      {
        triggerType: 'Cron',
        action: 'Stop',
        cron: { expression: '0 22 * * *', timeZone: 'Pacific Standard Time' },
      },
    ],
  },
};

let emulator: ArmEmulator;
let host: LocalHost;

beforeAll(async () => {
  emulator = await startArmEmulator({ transitionDurationsInMs: 0 });
  const { config } = await freshStorage();
  host = await startLocalHost({
    config,
    port: 0,
    principal: undefined,
    overrides: { gateway: gatewayFor(emulator) },
  });
});

afterAll(async () => {
  await host?.close();
  await emulator?.close();
});

async function call(method: string, path: string, as: { id: string; roles?: string[] }, body?: unknown) {
  const response = await fetch(`${host.baseUrl}${path}`, {
    method,
    headers: {
      ...clientPrincipalHeaders(as),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    location: response.headers.get('location'),
    json: (text ? JSON.parse(text) : undefined) as Record<string, any>, // eslint-disable-line @typescript-eslint/no-explicit-any -- response fields
  };
}

describe('the policies API', () => {
  it('creates, reads, lists, replaces and deletes a policy', async () => {
    const created = await call('PUT', '/policies/nightly-stop', admin, AZURE_ML_DEFAULT);
    expect(created.status).toBe(201);
    expect(created.location).toBe(`${host.baseUrl}/policies/nightly-stop`);
    expect(created.json).toMatchObject({
      name: 'nightly-stop',
      scope: SCOPE,
      targetKinds: ['vm', 'computeInstance'],
      enforce: false,
      schedules: { computeStartStop: [{ action: 'Stop', status: 'Enabled' }] },
      updatedBy: 'admin-oid',
    });
    expect((await call('GET', '/policies/nightly-stop', admin)).json).toEqual(created.json);
    const replaced = await call('PUT', '/policies/nightly-stop', admin, {
      ...AZURE_ML_DEFAULT,
      enforce: true,
    });
    expect(replaced.status).toBe(200);
    expect((await call('GET', '/policies', admin)).json['value']).toMatchObject([
      { name: 'nightly-stop', enforce: true },
    ]);
    await call('PUT', '/policies/nightly-stop', admin, AZURE_ML_DEFAULT);
    expect((await call('PUT', '/policies/scratch', admin, AZURE_ML_DEFAULT)).status).toBe(201);
    expect((await call('DELETE', '/policies/scratch', admin)).status).toBe(204);
    expect((await call('GET', '/policies/scratch', admin)).status).toBe(404);
    expect((await call('DELETE', '/policies/scratch', admin)).status).toBe(404);
  });

  it('is for admins only', async () => {
    for (const [method, path] of [
      ['GET', '/policies'],
      ['GET', '/policies/nightly-stop'],
      ['PUT', '/policies/nightly-stop'],
      ['DELETE', '/policies/nightly-stop'],
      ['POST', '/policies/nightly-stop/apply'],
    ] as const) {
      const res = await call(method, path, alice, method === 'PUT' ? AZURE_ML_DEFAULT : undefined);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.type).toBe('application/problem+json');
    }
  });

  it('refuses an invalid policy with a 400 that names each field, and stores nothing', async () => {
    const res = await call('PUT', '/policies/bad', admin, {
      scope: 'rg-data',
      targetKinds: ['vm', 'scaleSet'],
      schedules: {
        computeStartStop: [
          {
            triggerType: 'Cron',
            action: 'Stop',
            cron: { expression: '0 22 * * *', timeZone: 'Pacific/Nowhere' },
          },
        ],
      },
      warning: { webhook: 'ftp://hooks.example.com', leadMinutes: 2000 },
    });
    expect(res.status).toBe(400);
    expect(res.type).toBe('application/problem+json');
    const pointers = (res.json['errors'] as { pointer: string }[]).map((e) => e.pointer);
    expect(pointers).toEqual(
      expect.arrayContaining([
        '/scope',
        '/targetKinds',
        '/schedules/computeStartStop/0/cron/timeZone',
        '/warning/webhook',
        '/warning/leadMinutes',
      ]),
    );
    expect((await call('GET', '/policies/bad', admin)).status).toBe(404);
    expect((await call('PUT', '/policies/Not_A_Name', admin, AZURE_ML_DEFAULT)).status).toBe(400);
  });

  it('applies a policy to registered targets without a schedule and reports each', async () => {
    emulator.addVirtualMachine(vmId('vm-api-bare'));
    emulator.addVirtualMachine(vmId('vm-api-off'), { tags: { 'compute-scheduler': 'off' } });
    const bare = await call('POST', '/targets', alice, { resourceId: vmId('vm-api-bare') });
    const off = await call('POST', '/targets', alice, { resourceId: vmId('vm-api-off') });
    const report = await call('POST', '/policies/nightly-stop/apply', admin);
    expect(report.status).toBe(200);
    expect(report.json).toMatchObject({
      policy: 'nightly-stop',
      examined: 2,
      applied: [{ targetId: bare.json['id'] as string, outcome: 'applied' }],
      skipped: [
        {
          targetId: off.json['id'] as string,
          outcome: 'opted-out',
          detail: 'it is tagged compute-scheduler: off',
        },
      ],
    });
    const schedules = await call('GET', `/targets/${bare.json['id'] as string}/schedules`, alice);
    expect(schedules.json['computeStartStop']).toMatchObject([{ cron: { expression: '0 22 * * *' } }]);
    const runs = await call('GET', `/targets/${bare.json['id'] as string}/runs`, alice);
    expect(runs.json['value']).toMatchObject([
      { requestedAction: 'ApplyPolicy', source: 'policy', outcome: 'succeeded' },
    ]);
    const again = await call('POST', '/policies/nightly-stop/apply', admin);
    expect(again.json).toMatchObject({ applied: [], examined: 2 });
  });
});

describe('a target’s warning API', () => {
  it('sets, reads and deletes a warning; its owner may, others may not', async () => {
    emulator.addVirtualMachine(vmId('vm-warned'));
    const target = await call('POST', '/targets', alice, { resourceId: vmId('vm-warned') });
    const path = `/targets/${target.json['id'] as string}/warning`;
    expect((await call('GET', path, alice)).status).toBe(404);
    const put = await call('PUT', path, alice, { webhook: 'https://hooks.example.com/team' });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({
      webhook: 'https://hooks.example.com/team',
      leadMinutes: 15,
      source: 'target',
    });
    expect((await call('GET', path, alice)).json).toEqual(put.json);
    expect((await call('PUT', path, { id: 'mallory' }, { webhook: 'https://evil.example.com' })).status).toBe(
      403,
    );
    const plain = await call('PUT', path, alice, { webhook: 'http://hooks.example.com/team' });
    expect(plain.status).toBe(400);
    expect(plain.json['errors']).toEqual([
      { pointer: '/webhook', reason: 'must use https (http only to localhost)' },
    ]);
    const early = await call('PUT', path, alice, {
      webhook: 'https://hooks.example.com/team',
      leadMinutes: 0,
    });
    expect(early.status).toBe(400);
    expect((early.json['errors'] as { pointer: string }[]).map((e) => e.pointer)).toEqual(['/leadMinutes']);
    expect((await call('GET', path, alice)).json).toEqual(put.json);
    expect((await call('DELETE', path, alice)).status).toBe(204);
    expect((await call('GET', path, alice)).status).toBe(404);
  });
});
