/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   Response bodies are untyped JSON on purpose: these tests assert their shape field by field. */
// The Event Grid function `resourceEvents`, fed events shaped like Microsoft's documented samples for
// resource groups and subscriptions ("Azure resource group as an Event Grid source"), in the Event Grid
// schema and as CloudEvents 1.0, against real storage.

import functions from '@azure/functions';
import { beforeEach, describe, expect, it } from 'vitest';
import { execute } from '../../src/engine/execute.js';
import type { Dependencies } from '../../src/functions/dependencies.js';
import { resourceEventsHandler } from '../../src/functions/resource-events.js';
import { admin, testApi, vmId, type TestApi } from '../support/api.js';
import { ThrottledError } from '../../src/compute/gateway.js';
import { FakeGateway, MemoryActionQueue } from '../engine/fakes.js';

const { InvocationContext } = functions;
const SCHEDULER = 'c5f0a6f1-0000-4000-8000-5c4ed01e0001';
const OBJECT_ID = 'http://schemas.microsoft.com/identity/claims/objectidentifier';
const UPN = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn';

/** Claims as the documented samples carry them, for a person or for the scheduler's managed identity. */
function claimsOf(who: 'alice' | 'scheduler'): Record<string, string> {
  const common = {
    aud: 'https://management.azure.com/',
    iss: 'https://sts.windows.net/{tenant-id}/',
    ver: '1.0',
  };
  return who === 'alice'
    ? { ...common, [OBJECT_ID]: 'alice-oid', [UPN]: 'alice@contoso.com', name: 'Alice', appid: 'portal' }
    : { ...common, [OBJECT_ID]: SCHEDULER, appid: 'a1b2c3d4-0000-4000-8000-5c4ed01e0002', appidacr: '2' };
}

interface Shape {
  type: string;
  resourceId: string;
  operationName: string;
  at: string;
  who: 'alice' | 'scheduler';
  id: string;
}

function data(e: Shape) {
  return {
    authorization: {
      scope: e.resourceId,
      action: e.operationName,
      evidence: { role: 'Contributor', principalType: e.who === 'alice' ? 'User' : 'ServicePrincipal' },
    },
    claims: claimsOf(e.who),
    correlationId: `corr-${e.id}`,
    httpRequest: {
      clientRequestId: e.id,
      clientIpAddress: '10.0.0.4',
      method: 'POST',
      url: `https://management.azure.com${e.resourceId}`,
    },
    resourceProvider: 'Microsoft.Compute',
    resourceUri: e.resourceId,
    operationName: e.operationName,
    status: e.type.endsWith('Success') ? 'Succeeded' : 'Failed',
    subscriptionId: '00000000-0000-0000-0000-000000000000',
    tenantId: '11111111-0000-0000-0000-000000000000',
  };
}

const gridEvent = (e: Shape) => ({
  subject: e.resourceId,
  eventType: e.type,
  eventTime: e.at,
  id: e.id,
  data: data(e),
  dataVersion: '2',
  metadataVersion: '1',
  topic: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-data',
});

const cloudEvent = (e: Shape) => ({
  specversion: '1.0',
  type: e.type,
  source: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-data',
  subject: e.resourceId,
  id: e.id,
  time: e.at,
  data: data(e),
});

const SCHEMAS = { 'Event Grid schema': gridEvent, 'CloudEvents 1.0': cloudEvent } as const;

let api: TestApi;
let queue: MemoryActionQueue;
let gateway: FakeGateway;
let warnings: unknown[][];
let deliver: (event: unknown) => Promise<void>;

beforeEach(async () => {
  api = await testApi({ SCHEDULER_IDENTITY_IDS: SCHEDULER });
  queue = new MemoryActionQueue();
  gateway = new FakeGateway();
  warnings = [];
  const deps = { store: api.deps.store, clock: api.clock, config: api.deps.config, actions: queue, gateway };
  const handler = resourceEventsHandler(deps as unknown as Dependencies);
  deliver = async (event) => {
    const context = new InvocationContext({
      functionName: 'resourceEvents',
      logHandler: (level, ...args) => (level === 'warning' ? warnings.push(args) : undefined),
    });
    await handler(event as never, context);
  };
});

/** A VM whose schedule wants it stopped from 18:00 to 08:00 UTC; registered at 21:00 (the test clock). */
async function registerVm(name: string): Promise<string> {
  const created = await api.call('POST', '/api/targets', { body: { resourceId: vmId(name) } });
  const id = created.json.id as string;
  await api.call('PUT', `/api/targets/${id}/schedules`, {
    body: {
      computeStartStop: [
        { triggerType: 'Cron', action: 'Stop', cron: { expression: '0 18 * * *', timeZone: 'UTC' } },
        { triggerType: 'Cron', action: 'Start', cron: { expression: '0 8 * * *', timeZone: 'UTC' } },
      ],
    },
  });
  return id;
}

async function runsOf(id: string, registration?: string) {
  const query = registration ? `?registration=${registration}` : '';
  const res = await api.call('GET', `/api/targets/${id}/runs${query}`, { as: admin });
  return res.json.value as Record<string, unknown>[];
}

const START = 'Microsoft.Compute/virtualMachines/start/action';
const DEALLOCATE = 'Microsoft.Compute/virtualMachines/deallocate/action';

for (const [schema, shape] of Object.entries(SCHEMAS)) {
  describe(`resource events (${schema})`, () => {
    it('a deleted VM is forgotten; its history stays readable and says why; redelivery does nothing', async () => {
      const id = await registerVm('vm-deleted');
      const registration = (await api.call('GET', `/api/targets/${id}`)).json.registration as string;
      const event = shape({
        type: 'Microsoft.Resources.ResourceDeleteSuccess',
        resourceId: vmId('vm-deleted'),
        operationName: 'Microsoft.Compute/virtualMachines/delete',
        at: '2026-11-25T21:05:00.1234567Z',
        who: 'alice',
        id: '19a69642-1aad-4a96-a5ab-8d05494513ce',
      });
      await deliver(schema === 'Event Grid schema' ? [event] : event);
      expect((await api.call('GET', `/api/targets/${id}`)).status).toBe(404);
      const runs = await runsOf(id, registration);
      expect(runs).toEqual([
        expect.objectContaining({
          requestedAction: 'Delete',
          source: 'event',
          outcome: 'observed',
          occurrence: '2026-11-25T21:05:00Z',
          requestedBy: 'alice-oid',
          note: expect.stringContaining('deleted in Azure by alice@contoso.com at 2026-11-25T21:05:00Z'),
        }),
      ]);
      // Registered again, then the same event redelivered: it was handled once, so the new target stays.
      await registerVm('vm-deleted');
      await deliver(event);
      expect((await api.call('GET', `/api/targets/${id}`)).status).toBe(200);
    });

    it('a start by someone else while the schedule wants the VM stopped is recorded, not undone, without enforcement', async () => {
      const id = await registerVm('vm-started');
      api.clock.set('2026-11-25T21:10:05Z');
      await deliver(
        shape({
          type: 'Microsoft.Resources.ResourceActionSuccess',
          resourceId: vmId('vm-started'),
          operationName: START,
          at: '2026-11-25T21:10:00Z',
          who: 'alice',
          id: 'start-1',
        }),
      );
      const [run] = await runsOf(id);
      expect(run).toMatchObject({
        requestedAction: 'Start',
        source: 'event',
        outcome: 'observed',
        requestedBy: 'alice-oid',
      });
      expect(run!.note).toMatch(
        /^started by alice@contoso\.com while the schedule wants it stopped; not enforced/,
      );
      expect(queue.sent).toEqual([]);
    });

    it('on an enforced VM the start is stopped after the grace period, once however often it is delivered', async () => {
      const id = await registerVm('vm-enforced');
      await api.call('PUT', `/api/targets/${id}/enforcement`, { body: { enforce: true, graceMinutes: 30 } });
      api.clock.set('2026-11-25T21:10:05Z');
      const event = shape({
        type: 'Microsoft.Resources.ResourceActionSuccess',
        resourceId: vmId('vm-enforced'),
        operationName: START,
        at: '2026-11-25T21:10:00Z',
        who: 'alice',
        id: 'start-2',
      });
      await deliver(event);
      await deliver(event);
      expect(queue.sent).toHaveLength(1);
      expect(queue.sent[0]).toMatchObject({
        message: {
          action: 'Stop',
          source: 'enforce',
          targetId: id,
          occurrenceAt: Date.parse('2026-11-25T21:40:00.002Z'),
        },
        visibilityDelayInMs: 29 * 60_000 + 55_002,
      });
      const runs = await runsOf(id);
      expect(runs.map((r) => [r.occurrence, r.requestedAction, r.source, r.outcome])).toEqual([
        ['2026-11-25T21:40:00Z', 'Stop', 'enforce', 'pending'],
        ['2026-11-25T21:10:00Z', 'Start', 'event', 'observed'],
      ]);
      expect(runs[1]!.note).toContain('enforced: it is stopped after 30 minutes’ grace');

      // The queued stop, carried out: the machine is stopped and the run says so.
      const gateway = new FakeGateway();
      gateway.states.set(vmId('vm-enforced'), 'running');
      api.clock.set('2026-11-25T21:40:01Z');
      const report = await execute(
        {
          store: api.deps.store,
          gateway,
          actions: queue,
          clock: api.clock,
          options: api.deps.executeOptions,
        },
        queue.sent[0]!.message,
        { messageId: 'm-enforce', dequeueCount: 1 },
      );
      expect(report.outcome).toBe('succeeded');
      expect(gateway.calls).toEqual([{ resourceId: vmId('vm-enforced'), action: 'stop' }]);
    });

    it('an override in force suspends enforcement: no stop is queued, and the history says why', async () => {
      const id = await registerVm('vm-snoozed');
      await api.call('PUT', `/api/targets/${id}/enforcement`, { body: { enforce: true } });
      const override = await api.call('POST', `/api/targets/${id}/override`, {
        body: { until: '2026-11-25T23:00:00Z', state: 'Stopped' },
      });
      expect(override.status).toBe(200);
      const queuedByOverride = queue.sent.length;
      api.clock.set('2026-11-25T21:10:05Z');
      await deliver(
        shape({
          type: 'Microsoft.Resources.ResourceActionSuccess',
          resourceId: vmId('vm-snoozed'),
          operationName: START,
          at: '2026-11-25T21:10:00Z',
          who: 'alice',
          id: 'start-3',
        }),
      );
      expect(queue.sent.length).toBe(queuedByOverride);
      const observed = (await runsOf(id)).find((r) => r.outcome === 'observed');
      expect(observed?.note).toContain(
        'not stopped: an override keeps the schedule suspended until 2026-11-25T23:00:00Z',
      );
    });

    it('events out of order: a start older than a later change, or than the registration, changes nothing', async () => {
      const id = await registerVm('vm-reordered');
      await api.call('PUT', `/api/targets/${id}/enforcement`, { body: { enforce: true } });
      api.clock.set('2026-11-25T21:30:00Z');
      const base = { resourceId: vmId('vm-reordered'), who: 'alice' as const };
      await deliver(
        shape({
          ...base,
          type: 'Microsoft.Resources.ResourceActionSuccess',
          operationName: DEALLOCATE,
          at: '2026-11-25T21:20:00Z',
          id: 'stop-late',
        }),
      );
      await deliver(
        shape({
          ...base,
          type: 'Microsoft.Resources.ResourceActionSuccess',
          operationName: START,
          at: '2026-11-25T21:10:00Z',
          id: 'start-early',
        }),
      );
      await deliver(
        shape({
          ...base,
          type: 'Microsoft.Resources.ResourceActionSuccess',
          operationName: START,
          at: '2026-11-25T20:00:00Z',
          id: 'start-before-registration',
        }),
      );
      expect(await runsOf(id)).toEqual([]);
      expect(queue.sent).toEqual([]);
    });

    it('the scheduler’s own success and failure events settle the runs Azure had accepted', async () => {
      const id = await registerVm('vm-own');
      const target = (await api.deps.store.targets.get(id))!;
      const history = { targetId: id, registration: target.registration! };
      for (const [occurrence, operation] of [
        ['2026-11-25T21:01:00Z', 'deallocate'],
        ['2026-11-25T21:02:00Z', 'start'],
      ] as const) {
        await api.deps.store.runs.createIfAbsent({
          ...history,
          occurrenceAt: Date.parse(occurrence),
          requestedAction: operation === 'start' ? 'Start' : 'Stop',
          source: 'schedule',
          outcome: 'accepted',
          attempts: 1,
          createdAt: Date.parse(occurrence),
          startedAt: Date.parse(occurrence),
          operation,
        });
      }
      api.clock.set('2026-11-25T21:05:00Z');
      const own = { resourceId: vmId('vm-own'), who: 'scheduler' as const };
      await deliver(
        shape({
          ...own,
          type: 'Microsoft.Resources.ResourceActionSuccess',
          operationName: DEALLOCATE,
          at: '2026-11-25T21:03:00Z',
          id: 'own-1',
        }),
      );
      await deliver(
        shape({
          ...own,
          type: 'Microsoft.Resources.ResourceActionFailure',
          operationName: START,
          at: '2026-11-25T21:04:00Z',
          id: 'own-2',
        }),
      );
      const runs = await runsOf(id);
      expect(runs.map((r) => [r.occurrence, r.outcome])).toEqual([
        ['2026-11-25T21:02:00Z', 'failed'],
        ['2026-11-25T21:01:00Z', 'succeeded'],
      ]);
      expect(runs[0]).toMatchObject({ error: { code: 'OperationFailed' } });
      expect(runs[0]!.note).toContain('Azure accepted the start and then reported it failed');
      // The scheduler's own start is not "someone else's": nothing recorded or queued for it.
      expect(queue.sent).toEqual([]);
    });

    it('a failed operation of ours on a machine already where the run wanted it is no failure; unread, it waits', async () => {
      const id = await registerVm('vm-there');
      const target = (await api.deps.store.targets.get(id))!;
      const history = { targetId: id, registration: target.registration! };
      const stops = ['2026-11-25T21:01:00Z', '2026-11-25T21:02:00Z'];
      for (const occurrence of stops) {
        await api.deps.store.runs.createIfAbsent({
          ...history,
          occurrenceAt: Date.parse(occurrence),
          requestedAction: 'Stop',
          source: 'schedule',
          outcome: 'accepted',
          attempts: 1,
          createdAt: Date.parse(occurrence),
          startedAt: Date.parse(occurrence),
          operation: 'deallocate',
        });
      }
      api.clock.set('2026-11-25T21:05:00Z');
      const failed = (id: string) =>
        shape({
          resourceId: vmId('vm-there'),
          who: 'scheduler',
          type: 'Microsoft.Resources.ResourceActionFailure',
          operationName: DEALLOCATE,
          at: '2026-11-25T21:03:00Z',
          id,
        });
      // Azure would not say: the newest accepted stop stays accepted, for its check to read later.
      gateway.readFailures.push(
        new ThrottledError('busy', { resourceId: vmId('vm-there'), retryAfterInMs: 1000 }),
      );
      await deliver(failed('own-3'));
      expect((await runsOf(id)).map((r) => r.outcome)).toEqual(['accepted', 'accepted']);
      // A failure event for a machine that is deallocated: the stop it reports on had nothing to do.
      gateway.states.set(vmId('vm-there'), 'stopped');
      await deliver(failed('own-4'));
      const runs = await runsOf(id);
      expect(runs.map((r) => [r.occurrence, r.outcome])).toEqual([
        ['2026-11-25T21:02:00Z', 'skipped-already-there'],
        ['2026-11-25T21:01:00Z', 'accepted'],
      ]);
      expect(runs[0]!.note).toContain('Azure failed the deallocate');
      expect(runs[0]!.note).toContain('already stopped');
      expect(runs[0]!.error).toBeUndefined();
    });
  });
}

describe('resource events that are not for us, or not events at all', () => {
  it('junk is logged and dropped, unknown types and other resources are ignored, and nothing is stored', async () => {
    const id = await registerVm('vm-junk');
    const valid = {
      type: 'Microsoft.Resources.ResourceDeleteSuccess',
      resourceId: vmId('vm-junk'),
      operationName: 'Microsoft.Compute/virtualMachines/delete',
      at: '2026-11-25T21:05:00Z',
      who: 'alice' as const,
      id: 'junk',
    };
    for (const junk of [
      null,
      'text',
      {},
      { ...gridEvent(valid), eventTime: 'yesterday' },
      { ...gridEvent(valid), data: 'none' },
      { ...cloudEvent(valid), specversion: '0.3' },
      { ...gridEvent(valid), id: undefined },
    ]) {
      await deliver(junk);
    }
    expect(warnings).toHaveLength(7);
    await deliver({ ...gridEvent(valid), eventType: 'Microsoft.Storage.BlobCreated' });
    await deliver(gridEvent({ ...valid, resourceId: `${vmId('vm-junk')}/extensions/agent` }));
    await deliver(
      gridEvent({
        ...valid,
        resourceId:
          '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/data',
      }),
    );
    expect(warnings).toHaveLength(7);
    expect((await api.call('GET', `/api/targets/${id}`)).status).toBe(200);
  });
});
