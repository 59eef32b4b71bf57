/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument --
   Response bodies are untyped JSON on purpose: these tests assert their shape field by field. */
// Manual actions and run histories end to end: the HTTP functions on Azurite, the executor polling the real
// queue, the real SDK clients against the ARM emulator. One run per accepted request, the latest request
// wins, each registration has a history of its own, and the executor acts only on registered targets.

import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmComputeGateway } from '../../src/compute/arm-gateway.js';
import { encodeActionMessage } from '../../src/engine/action-message.js';
import { createDependencies } from '../../src/functions/dependencies.js';
import { createFunctionRegistry, hasTrigger, type DefinitionOf } from '../../src/functions/registry.js';
import { emulatorCredential, startArmEmulator, type ArmEmulator } from '../../toolkit/arm-emulator/index.js';
import { QueuePoller } from '../../toolkit/local-host/queue-poller.js';
import { admin, alice, bob, testApi, type TestApi } from '../support/api.js';

const SUBSCRIPTION = '6f1c1e2a-3b4d-4c5e-8f90-1a2b3c4d5e6f';
const vmId = (name: string) =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-history/providers/Microsoft.Compute/virtualMachines/${name}`;

let emulator: ArmEmulator;
beforeAll(async () => {
  emulator = await startArmEmulator({ transitionDurationsInMs: 0 });
});
afterAll(async () => {
  await emulator.close();
});

/** The executor of the `actions` queue, as the host runs it, with the real SDK clients on the emulator. */
function executor(api: TestApi) {
  const gateway = new ArmComputeGateway({
    endpoint: emulator.url,
    credential: emulatorCredential({ principalId: 'compute-scheduler' }),
    agent: new https.Agent({ ca: emulator.certificatePem, keepAlive: true }),
    pollIntervalInMs: 1,
    retryDelayInMs: 1,
    maxRetryAfterInMs: 0,
  });
  const deps = createDependencies(api.config, { clock: api.clock, store: api.store, gateway });
  const execute = createFunctionRegistry(deps).find(
    (d): d is DefinitionOf<'queue'> => hasTrigger(d, 'queue') && d.name === 'execute',
  )!;
  const poller = new QueuePoller({
    service: api.clients.queueService,
    definition: execute,
    log: () => undefined,
  });
  return {
    /** Handles every visible message, and what handling them sends, until the queue is quiet. */
    async drain() {
      while ((await poller.pollOnce()) > 0);
    },
  };
}

const actionCalls = (resourceId: string) =>
  emulator.requests.filter(
    (r) => r.method === 'POST' && r.path.toLowerCase().startsWith(`${resourceId.toLowerCase()}/`),
  );

async function register(api: TestApi, name: string, as = alice) {
  const resourceId = vmId(name);
  if (!emulator.stateOf(resourceId)) emulator.addVirtualMachine(resourceId, { powerState: 'deallocated' });
  const created = await api.call('POST', '/api/targets', { as, body: { resourceId } });
  expect(created.status).toBe(201);
  return { resourceId, id: created.json.id as string, registration: created.json.registration as string };
}

describe('manual actions', () => {
  it('50 parallel requests on one target are 50 runs; the latest wins and Azure is called once', async () => {
    const api = await testApi();
    const { resourceId, id } = await register(api, 'vm-crowd');
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api.call('POST', `/api/targets/${id}/actions/${i % 2 === 0 ? 'stop' : 'start'}`),
      ),
    );
    expect(answers.filter((a) => a.status !== 202).map((a) => [a.status, a.text])).toEqual([]);
    const runIds = answers.map((a) => a.json.runId as string);
    expect(new Set(runIds).size).toBe(50);
    // The latest request is the one with the latest instant: the 50 are ordered, not merely distinct.
    const latest = answers.reduce((a, b) => (Number(b.json.runId) > Number(a.json.runId) ? b : a));

    await executor(api).drain();
    const runs = (await api.call('GET', `/api/targets/${id}/runs?maxPageSize=100`)).json.value as {
      id: string;
      outcome: string;
      requestedAction: string;
    }[];
    expect(runs.map((r) => r.id).sort()).toEqual([...runIds].sort());
    const byOutcome = new Map<string, string[]>();
    for (const run of runs) byOutcome.set(run.outcome, [...(byOutcome.get(run.outcome) ?? []), run.id]);
    expect(byOutcome.get('superseded')).toHaveLength(49);
    const winner = runs.find((r) => r.outcome !== 'superseded')!;
    expect(winner.id).toBe(latest.json.runId);
    expect(actionCalls(resourceId).length).toBeLessThanOrEqual(1);
    const expected = latest.json.action === 'Start' ? 'running' : 'deallocated';
    const state = emulator.stateOf(resourceId);
    expect(state?.kind === 'vm' ? state.powerState : undefined).toMatch(
      expected === 'running' ? /^(running|starting)$/ : /^deallocat/,
    );
  });

  it('a request queued for a registration that was deleted is closed as failed, without calling Azure', async () => {
    const api = await testApi();
    const { resourceId, id, registration } = await register(api, 'vm-gone');
    expect((await api.call('POST', `/api/targets/${id}/actions/start`)).status).toBe(202);
    expect((await api.call('DELETE', `/api/targets/${id}`)).status).toBe(204);
    await register(api, 'vm-gone'); // registered again before the old request ran
    await executor(api).drain();
    expect(actionCalls(resourceId)).toEqual([]);
    const old = await api.call('GET', `/api/targets/${id}/runs?registration=${registration}`, { as: admin });
    expect(old.json.value).toMatchObject([{ outcome: 'failed', note: 'the target is no longer registered' }]);
  });
});

describe('run histories', () => {
  it('a new registration of the same machine starts a fresh history; the old one is for admins only', async () => {
    const api = await testApi();
    const first = await register(api, 'vm-reused');
    expect((await api.call('POST', `/api/targets/${first.id}/actions/start`)).status).toBe(202);
    expect((await api.call('GET', `/api/targets/${first.id}/runs`)).json.value).toHaveLength(1);
    expect((await api.call('DELETE', `/api/targets/${first.id}`)).status).toBe(204);

    const second = await register(api, 'vm-reused', bob);
    expect(second.id).toBe(first.id);
    expect(second.registration).not.toBe(first.registration);
    const fresh = await api.call('GET', `/api/targets/${second.id}/runs`, { as: bob });
    expect(fresh.status).toBe(200);
    expect(fresh.json).toEqual({ registration: second.registration, value: [] });

    // Neither the new owner nor the old one may read the earlier registration's history…
    for (const as of [bob, alice]) {
      const refused = await api.call(
        'GET',
        `/api/targets/${first.id}/runs?registration=${first.registration}`,
        {
          as,
        },
      );
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect((await api.call('GET', `/api/targets/${first.id}/registrations`, { as })).status).toBe(403);
    }
    // …admins may, and find it listed.
    const listed = await api.call('GET', `/api/targets/${first.id}/registrations`, { as: admin });
    expect(listed.status).toBe(200);
    expect(listed.json.current).toBe(second.registration);
    expect(listed.json.value).toMatchObject([{ registration: first.registration, latestAction: 'Start' }]);
    const old = await api.call('GET', listed.json.value[0].links.runs, { as: admin });
    expect(old.status).toBe(200);
    expect(old.json.value).toMatchObject([{ requestedAction: 'Start', outcome: 'pending' }]);
  });
});

describe('the executor', () => {
  it('sends a message that is not an action message straight to the poison queue, not five retries first', async () => {
    const api = await testApi();
    const queue = api.clients.queueService.getQueueClient(api.clients.names.queues.actions);
    const poison = api.clients.queueService.getQueueClient(`${api.clients.names.queues.actions}-poison`);
    const junk = Buffer.from('{"v":1,"targetId":7}').toString('base64');
    await queue.sendMessage(junk);
    await executor(api).drain();
    expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
    const poisoned = await poison.receiveMessages();
    expect(poisoned.receivedMessageItems.map((m) => m.messageText)).toEqual([junk]);
    expect(poisoned.receivedMessageItems[0]?.dequeueCount).toBe(1);
  });

  it('does not act on a resource the message names unless it is the registered target', async () => {
    const api = await testApi();
    const { id } = await register(api, 'vm-registered');
    const stranger = vmId('vm-not-registered');
    emulator.addVirtualMachine(stranger, { powerState: 'deallocated' });
    const queue = api.clients.queueService.getQueueClient(api.clients.names.queues.actions);
    const forged = {
      v: 1,
      kind: 'vm',
      action: 'Start',
      occurrenceAt: Date.parse('2026-11-25T21:00:00Z'),
      source: 'manual',
    };
    // A registered target's id with another machine's resource id, and an id nobody registered.
    await queue.sendMessage(encodeActionMessage({ ...forged, targetId: id, resourceId: stranger } as never));
    await queue.sendMessage(
      encodeActionMessage({ ...forged, targetId: 'f'.repeat(32), resourceId: stranger } as never),
    );
    await executor(api).drain();
    expect(actionCalls(stranger)).toEqual([]);
    expect(actionCalls(vmId('vm-registered'))).toEqual([]);
  });
});
