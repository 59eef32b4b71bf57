/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   Response bodies are untyped JSON on purpose: these tests assert their shape field by field. */
// Storage goes away: a real Azurite, behind a proxy so that it keeps its address, is stopped, made to hang
// and restarted empty. Callers get a 503 with Retry-After within two seconds, never a 500 after six; and
// once storage is back, the app recreates its tables and queues and carries on without a restart.

import { performance } from 'node:perf_hooks';
import functions, { type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickHandler } from '../../src/functions/scheduler.js';
import { startAzurite, type RunningAzurite } from '../../toolkit/azurite.js';
import { designSchedule, testApi, vmId, type ApiResult, type TestApi } from '../support/api.js';
import { StorageProxy } from '../support/storage-proxy.js';

/** Tests that start an Azurite of their own may wait on a busy machine for it to listen. */
const RESTARTS_AZURITE = 60_000;

let azurite: RunningAzurite;
let proxy: StorageProxy;
let api: TestApi;
let targetId: string;

beforeAll(async () => {
  azurite = await startAzurite({ ports: 'free' });
  proxy = await StorageProxy.start(azurite.endpoints);
  api = await testApi({ AzureWebJobsStorage: proxy.connectionString });
  const created = await api.call('POST', '/api/targets', { body: { resourceId: vmId('vm-outage') } });
  targetId = created.json.id;
  expect((await api.call('PUT', `/api/targets/${targetId}/schedules`, { body: designSchedule })).status).toBe(
    200,
  );
});

afterAll(async () => {
  await proxy?.stop();
  await azurite?.stop();
});

/** Every operation that reads or writes storage. */
const storageRoutes = (): [string, string, unknown?][] => [
  ['POST', '/api/targets', { resourceId: vmId('vm-during-outage') }],
  ['GET', '/api/targets'],
  ['GET', `/api/targets/${targetId}`],
  ['PUT', `/api/targets/${targetId}/schedules`, designSchedule],
  ['GET', `/api/targets/${targetId}/schedules`],
  ['GET', `/api/targets/${targetId}/timeline`],
  ['POST', `/api/targets/${targetId}/actions/stop`],
  ['GET', `/api/targets/${targetId}/runs`],
  ['DELETE', `/api/targets/${targetId}`],
];

async function timed(method: string, path: string, body?: unknown): Promise<ApiResult & { ms: number }> {
  const started = performance.now();
  const res = await api.call(method, path, body === undefined ? {} : { body });
  return { ...res, ms: performance.now() - started };
}

async function expectUnavailableEverywhere(): Promise<void> {
  const answers = await Promise.all(storageRoutes().map(([m, p, b]) => timed(m, p, b)));
  for (const [i, res] of answers.entries()) {
    const [method, path] = storageRoutes()[i]!;
    const what = `${method} ${path}: ${res.status} after ${Math.round(res.ms)} ms`;
    expect(res.status, what).toBe(503);
    expect(res.ms, what).toBeLessThan(2_000);
    expect(res.headers.get('retry-after'), what).toBe('5');
    expect(res.headers.get('content-type'), what).toBe('application/problem+json');
    expect(res.json.type, what).toBe('urn:compute-scheduler:problem:unavailable');
  }
  // What needs no storage still works.
  expect((await api.call('POST', '/api/preview', { body: designSchedule })).status).toBe(200);
  expect((await api.call('GET', '/api/openapi.json')).status).toBe(200);
}

describe('when storage does not answer', () => {
  it('answers 503 with Retry-After within two seconds while storage refuses connections', async () => {
    await azurite.stop();
    await expectUnavailableEverywhere();
  });

  it('answers 503 with Retry-After within two seconds while storage accepts connections and hangs', async () => {
    proxy.silence();
    await expectUnavailableEverywhere();
  });
});

describe('when storage comes back empty', () => {
  it(
    'recreates its tables and queues on first use and carries on',
    async () => {
      azurite = await startAzurite({ ports: 'free' });
      proxy.forwardTo(azurite.endpoints);

      const listed = await api.call('GET', '/api/targets');
      expect(listed.status, listed.text).toBe(200);
      expect(listed.json.value).toEqual([]);
      expect((await api.call('GET', `/api/targets/${targetId}`)).status).toBe(404);

      const created = await api.call('POST', '/api/targets', { body: { resourceId: vmId('vm-outage') } });
      expect(created.status, created.text).toBe(201);
      const put = await api.call('PUT', `/api/targets/${targetId}/schedules`, { body: designSchedule });
      expect(put.status, put.text).toBe(200);
      const acted = await api.call('POST', `/api/targets/${targetId}/actions/start`);
      expect(acted.status, acted.text).toBe(202);
      const runs = await api.call('GET', `/api/targets/${targetId}/runs`);
      expect(runs.status, runs.text).toBe(200);
      expect(runs.json.value).toHaveLength(1);

      const queue = api.clients.queueService.getQueueClient(api.clients.names.queues.actions);
      expect((await queue.getProperties()).approximateMessagesCount).toBe(1);
      expect((await api.call('DELETE', `/api/targets/${targetId}`)).status).toBe(204);
    },
    RESTARTS_AZURITE,
  );

  it(
    'recreates a table that a batch write finds gone',
    async () => {
      await azurite.stop();
      azurite = await startAzurite({ ports: 'free' });
      proxy.forwardTo(azurite.endpoints);
      const runs = api.clients.table(api.clients.names.runs);
      await runs.submitTransaction([
        ['create', { partitionKey: targetId, rowKey: '1' }],
        ['create', { partitionKey: targetId, rowKey: '2' }],
      ]);
      const rows: unknown[] = [];
      for await (const row of runs.listEntities()) rows.push(row);
      expect(rows).toHaveLength(2);
    },
    RESTARTS_AZURITE,
  );

  it(
    'runs the tick and the poison queue again after a restart, due index included',
    async () => {
      const created = await api.call('POST', '/api/targets', {
        body: { resourceId: vmId('vm-after-restart') },
      });
      const put = await api.call('PUT', `/api/targets/${created.json.id}/schedules`, {
        body: designSchedule,
      });
      expect(put.status, put.text).toBe(200);
      const tick = tickHandler(api.deps);
      const context = () => new functions.InvocationContext({ invocationId: 'tick', functionName: 'tick' });
      const timer: Timer = {
        isPastDue: false,
        schedule: { adjustForDST: false },
        scheduleStatus: { last: '', next: '', lastUpdated: '' },
      };
      await tick(timer, context()); // sets the checkpoint at 2026-11-25T21:00Z

      // Storage restarts empty; the schedule is written again and the process still believes in its hour tables.
      await azurite.stop();
      azurite = await startAzurite({ ports: 'free' });
      proxy.forwardTo(azurite.endpoints);
      expect(
        (await api.call('POST', '/api/targets', { body: { resourceId: vmId('vm-after-restart') } })).status,
      ).toBe(201);
      expect(
        (await api.call('PUT', `/api/targets/${created.json.id}/schedules`, { body: designSchedule })).status,
      ).toBe(200);
      await tick(timer, context());
      // 18:00 Pacific on Wednesday 25 November is 02:00 UTC on the 26th: the Stop is due, and is sent.
      api.clock.set('2026-11-26T02:00:30Z');
      await tick(timer, context());
      const actions = api.clients.queueService.getQueueClient(api.clients.names.queues.actions);
      expect((await actions.getProperties()).approximateMessagesCount).toBe(1);

      await api.deps.actions.sendToPoison('a message no delivery can carry out');
      const poison = api.clients.queueService.getQueueClient(`${api.clients.names.queues.actions}-poison`);
      expect((await poison.getProperties()).approximateMessagesCount).toBe(1);
    },
    RESTARTS_AZURITE,
  );
});
