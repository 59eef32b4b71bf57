// GET /api/targets/{id}/pool/history over real HTTP on the local host, with its queue pollers, Azurite and the
// ARM emulator: wakes make the reconciler read the pool, and what it read shows in the history only when it
// changed. Bad windows are 400 problem documents naming the parameter; others' pools are 403.

/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call --
   Response bodies are untyped JSON on purpose: these tests assert their shape field by field. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROLE, clientPrincipalHeaders } from '../../src/auth/principal.js';
import { reporterView } from '../../toolkit/arm-emulator/reporter-view.js';
import { startArmEmulator, type ArmEmulator } from '../../toolkit/arm-emulator/index.js';
import { startLocalHost, type LocalHost } from '../../toolkit/local-host/host.js';
import { queuePollers } from '../../toolkit/local-host/triggers.js';
import { emulatorGateway } from '../support/emulator.js';
import { freshStorage } from '../support/storage.js';
import { poolId, vmId } from '../toolkit/arm-emulator/fixture.js';

const alice = { id: 'alice-oid', name: 'alice@contoso.com' };
const bob = { id: 'bob-oid', name: 'bob@contoso.com' };
const admin = { id: 'admin-oid', name: 'admin@contoso.com', roles: [ADMIN_ROLE] };
const policy = { minCapacity: 0, wakeCapacity: 1, maxCapacity: 4, sessionsPerInstance: 2, idleMinutes: 30 };

let emulator: ArmEmulator;
let host: LocalHost;

beforeAll(async () => {
  emulator = await startArmEmulator({ transitionDurationsInMs: 0 });
  const { config } = await freshStorage();
  host = await startLocalHost({
    config,
    port: 0,
    principal: undefined,
    overrides: { gateway: emulatorGateway(emulator) },
    extensions: [queuePollers],
  });
}, 60_000);

afterAll(async () => {
  await host?.close();
  await emulator?.close();
});

async function call(method: string, path: string, as = alice, body?: unknown) {
  const response = await fetch(`${host.baseUrl}${path}`, {
    method,
    headers: {
      ...clientPrincipalHeaders(as),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}

async function register(resourceId: string): Promise<string> {
  const res = await call('POST', '/targets', alice, { resourceId });
  expect(res.status).toBe(201);
  return res.json.id as string;
}

/** Reports what the emulator's people do on the pool, then wakes it: the reconciler reads it at once. */
async function reportAndWake(id: string, resourceId: string, report = true) {
  if (report) {
    const body = reporterView(emulator, resourceId)!.report;
    expect((await call('POST', `/targets/${id}/activity`, alice, body)).status).toBe(204);
  }
  const wake = await call('POST', `/targets/${id}/wake`);
  expect(wake.status).toBe(202);
  // The wake's run settles when the reconciler has read the pool and done what it would.
  for (;;) {
    const runs = await call('GET', `/targets/${id}/runs`);
    const run = (runs.json.value as { id: string; outcome: string }[]).find((r) => r.id === wake.json.runId);
    if (run && run.outcome !== 'pending') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let bad = 0;
const shape = (points: { capacity: number; serving: number; sessions: number }[]) =>
  points.map((p) => [p.capacity, p.serving, p.sessions]);

describe('GET /api/targets/{id}/pool/history', () => {
  it('shows each change the reconciler saw, once, oldest first', async () => {
    const resourceId = poolId('pool-history');
    emulator.addScaleSet(resourceId, { capacity: 2, powerState: 'running' });
    const id = await register(resourceId);
    expect((await call('PUT', `/targets/${id}/pool`, alice, policy)).status).toBe(200);
    emulator.setSessionDemand(resourceId, 3, { seatsPerInstance: 2 });
    await reportAndWake(id, resourceId); // reads 2 instances, 3 sessions: enough
    await reportAndWake(id, resourceId); // the same again: nothing new to record
    emulator.setSessionDemand(resourceId, 6, { seatsPerInstance: 2 });
    await reportAndWake(id, resourceId); // reads 2 instances, 6 sessions: scales out to 3
    // The API learns of a new instance within a minute; the last report (2 + 2 seated, 2 waiting) still holds.
    await reportAndWake(id, resourceId, false); // reads 3 instances
    const res = await call('GET', `/targets/${id}/pool/history`);
    expect(res.status).toBe(200);
    expect(res.json.targetId).toBe(id);
    expect(shape(res.json.points)).toEqual([
      [2, 2, 3],
      [2, 2, 6],
      [3, 3, 6],
    ]);
    const at = (res.json.points as { at: string }[]).map((p) => Date.parse(p.at));
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(Date.parse(res.json.to) - Date.parse(res.json.from)).toBe(7 * 86_400_000);
    // A window before the first point has none; the owner's admin reads it too.
    const before = await call(
      'GET',
      `/targets/${id}/pool/history?to=${res.json.points[0].at.replace(/:\d\dZ$/, ':00Z')}`,
      admin,
    );
    expect(before.status).toBe(200);
    expect(before.json.points).toEqual([]);
  });

  it.each([
    ['a from that is not an instant', '?from=yesterday', 'from'],
    ['a date the month does not have', '?from=2026-02-30T00:00:00Z', 'from'],
    ['a to that is not an instant', '?to=2026-11-26', 'to'],
    ['a window that ends before it starts', '?from=2026-11-26T00:00:00Z&to=2026-11-25T00:00:00Z', 'to'],
    ['a window over 31 days', '?from=2026-10-01T00:00:00Z&to=2026-11-26T00:00:00Z', 'to'],
  ])('refuses %s with a 400 problem naming the parameter', async (_label, query, parameter) => {
    const resourceId = poolId(`pool-bad-${++bad}`);
    const id = await register(resourceId);
    const res = await call('GET', `/targets/${id}/pool/history${query}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.json.errors[0].parameter).toBe(parameter);
  });

  it('refuses a VM with a 400 naming the id', async () => {
    const id = await register(vmId('vm-history'));
    const res = await call('GET', `/targets/${id}/pool/history`);
    expect(res.status).toBe(400);
    expect(res.json.errors[0].parameter).toBe('id');
  });

  it('answers only those who may read the target’s runs: others get 403, unknown targets 404', async () => {
    const id = await register(poolId('pool-private'));
    expect((await call('GET', `/targets/${id}/runs`, bob)).status).toBe(403);
    const res = await call('GET', `/targets/${id}/pool/history`, bob);
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await call('GET', `/targets/${'f'.repeat(32)}/pool/history`)).status).toBe(404);
    expect((await call('GET', `/targets/${id}/pool/history`, admin)).status).toBe(200);
  });
});
