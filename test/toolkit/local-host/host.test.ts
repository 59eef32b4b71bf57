// The local host over real HTTP: routes under /api, the local principal unless a request brings its
// own, problems for unknown routes, and extensions started and stopped with the host.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROLE, clientPrincipalHeaders } from '../../../src/auth/principal.js';
import { startLocalHost, type LocalHost } from '../../../toolkit/local-host/host.js';
import { DEFAULT_LOCAL_PRINCIPAL, readLocalPrincipal } from '../../../toolkit/local-host/principal.js';
import { ConfigurationError } from '../../../src/errors.js';
import { designSchedule, vmId } from '../../support/api.js';
import { freshStorage } from '../../support/storage.js';

let host: LocalHost;
const events: string[] = [];

beforeAll(async () => {
  const { config } = await freshStorage();
  host = await startLocalHost({
    config,
    port: 0,
    principal: DEFAULT_LOCAL_PRINCIPAL,
    extensions: [
      {
        name: 'recorder',
        start: (context) => {
          events.push(`start ${context.registry.length} functions at ${context.baseUrl}`);
          return Promise.resolve({ stop: () => Promise.resolve(void events.push('stop')) });
        },
      },
    ],
  });
});

afterAll(async () => {
  await host.close();
});

const json = { 'content-type': 'application/json' };

describe('the local host', () => {
  it('serves the API under /api and answers the README’s flow', async () => {
    expect(host.baseUrl).toMatch(/^http:\/\/localhost:\d+\/api$/);
    const created = await fetch(`${host.baseUrl}/targets`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ resourceId: vmId('vm-local') }),
    });
    expect(created.status).toBe(201);
    const target = (await created.json()) as { id: string; owner: { id: string } };
    expect(created.headers.get('location')).toBe(`${host.baseUrl}/targets/${target.id}`);
    expect(target.owner.id).toBe('local-user');

    const put = await fetch(`${host.baseUrl}/targets/${target.id}/schedules`, {
      method: 'PUT',
      headers: json,
      body: JSON.stringify(designSchedule),
    });
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).toMatch(/^".+"$/);

    const timeline = await fetch(
      `${host.baseUrl}/targets/${target.id}/timeline?from=2026-11-30T00:00:00Z&to=2026-12-01T00:00:00Z`,
    );
    expect(await timeline.json()).toMatchObject({
      points: [{ at: '2026-11-30T07:00:00Z', action: 'Start', desiredState: 'Running' }],
    });
  });

  it('uses the principal a request brings instead of the local one', async () => {
    const bob = clientPrincipalHeaders({ id: 'bob-oid', name: 'bob@contoso.com' });
    const created = await fetch(`${host.baseUrl}/targets`, {
      method: 'POST',
      headers: { ...json, ...bob },
      body: JSON.stringify({ resourceId: vmId('vm-bob') }),
    });
    const target = (await created.json()) as { id: string; owner: { id: string } };
    expect(target.owner.id).toBe('bob-oid');
    const list = (await (await fetch(`${host.baseUrl}/targets`, { headers: bob })).json()) as {
      value: unknown[];
    };
    expect(list.value).toHaveLength(1);
    const carol = clientPrincipalHeaders({ id: 'carol-oid' });
    expect((await fetch(`${host.baseUrl}/targets/${target.id}`, { headers: carol })).status).toBe(403);
    const admin = clientPrincipalHeaders({ id: 'root', roles: [ADMIN_ROLE] });
    expect((await fetch(`${host.baseUrl}/targets/${target.id}`, { headers: admin })).status).toBe(200);
  });

  it('answers unknown routes with a 404 problem and unserved methods with 405', async () => {
    const missing = await fetch(`${host.baseUrl}/nothing/here`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect((await fetch(`${host.baseUrl.replace('/api', '')}/targets`)).status).toBe(404);
    const wrong = await fetch(`${host.baseUrl}/preview`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
  });

  it('matches routes case-insensitively and decodes parameters', async () => {
    expect((await fetch(`${host.baseUrl}/OpenAPI.json`)).status).toBe(200);
    expect((await fetch(`${host.baseUrl}/targets/%27%20or%20%271`)).status).toBe(404);
  });

  it('serves openapi.json', async () => {
    const doc = (await (await fetch(`${host.baseUrl}/openapi.json`)).json()) as { openapi: string };
    expect(doc.openapi).toBe('3.1.0');
  });

  it('passes bodies through unchanged, so handlers enforce their own limits', async () => {
    const res = await fetch(`${host.baseUrl}/preview`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ computeStartStop: [], pad: 'x'.repeat(100_000) }),
    });
    expect(res.status).toBe(413);
  });

  it('started its extensions with the registry', () => {
    expect(events[0]).toMatch(/^start \d+ functions at http:\/\/localhost:\d+\/api$/);
  });
});

describe('extensions', () => {
  it('are stopped in reverse order when the host closes, after they were started in order', async () => {
    const { config } = await freshStorage();
    const log: string[] = [];
    const extension = (name: string) => ({
      name,
      start: () => {
        log.push(`start ${name}`);
        return Promise.resolve({ stop: () => Promise.resolve(void log.push(`stop ${name}`)) });
      },
    });
    const local = await startLocalHost({
      config,
      port: 0,
      principal: undefined,
      extensions: [extension('timer'), extension('queues')],
    });
    await local.close();
    expect(log).toEqual(['start timer', 'start queues', 'stop queues', 'stop timer']);
  });
});

describe('the local principal setting', () => {
  it('defaults to a local admin, takes JSON, and `none` for anonymous requests', () => {
    expect(readLocalPrincipal(undefined)).toEqual(DEFAULT_LOCAL_PRINCIPAL);
    expect(readLocalPrincipal('none')).toBeUndefined();
    expect(readLocalPrincipal('{"id":"alice","roles":[]}')).toEqual({ id: 'alice', roles: [] });
    expect(() => readLocalPrincipal('alice')).toThrow(ConfigurationError);
    expect(() => readLocalPrincipal('{"roles":[]}')).toThrow(ConfigurationError);
  });

  it('lets requests through without a principal when set to none: they get 401', async () => {
    const { config } = await freshStorage();
    const anonymous = await startLocalHost({ config, port: 0, principal: undefined });
    try {
      expect((await fetch(`${anonymous.baseUrl}/targets`)).status).toBe(401);
    } finally {
      await anonymous.close();
    }
  });
});
