// The local host's Event Grid endpoint, as the Functions host serves it, with `npm start`'s wiring: the ARM
// emulator posts its resource events there. Deleting, starting by hand and failing after acceptance all
// happen in the emulator; what the scheduler makes of them is read back through the API.

import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmComputeGateway } from '../../../src/compute/arm-gateway.js';
import {
  emulatorCredential,
  startArmEmulator,
  type ArmEmulator,
} from '../../../toolkit/arm-emulator/index.js';
import { startLocalHost, type LocalHost } from '../../../toolkit/local-host/host.js';
import { DEFAULT_LOCAL_PRINCIPAL } from '../../../toolkit/local-host/principal.js';
import { queuePollers } from '../../../toolkit/local-host/triggers.js';
import { validateSchedules } from '../../../src/schedule/index.js';
import { targetIdFor } from '../../../src/store/keys.js';
import { vmId } from '../../support/api.js';
import { freshStorage } from '../../support/storage.js';

const IDENTITY = 'compute-scheduler-events-test';
let emulator: ArmEmulator;
let host: LocalHost;
let webhook: string;

beforeAll(async () => {
  emulator = await startArmEmulator({ transitionDurationsInMs: 200 });
  const gateway = new ArmComputeGateway({
    endpoint: emulator.url,
    credential: emulatorCredential({ principalId: IDENTITY }),
    agent: new https.Agent({ ca: emulator.certificatePem }),
    pollIntervalInMs: 10,
  });
  const { config } = await freshStorage({ SCHEDULER_IDENTITY_IDS: IDENTITY });
  host = await startLocalHost({
    config,
    port: 0,
    principal: DEFAULT_LOCAL_PRINCIPAL,
    overrides: { gateway },
    extensions: [queuePollers],
  });
  webhook = `${host.eventGridUrl}?functionName=resourceEvents`;
  emulator.setEventGridWebhook(webhook);
});

afterAll(async () => {
  await host.close();
  await emulator.close();
});

const json = { 'content-type': 'application/json' };

async function register(name: string, schedule?: unknown): Promise<string> {
  const res = await fetch(`${host.baseUrl}/targets`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ resourceId: vmId(name) }),
  });
  const { id } = (await res.json()) as { id: string };
  if (schedule) {
    await fetch(`${host.baseUrl}/targets/${id}/schedules`, {
      method: 'PUT',
      headers: json,
      body: JSON.stringify(schedule),
    });
  }
  return id;
}

async function runs(
  id: string,
): Promise<{ outcome: string; source: string; requestedAction: string; note?: string }[]> {
  const res = await fetch(`${host.baseUrl}/targets/${id}/runs`);
  return ((await res.json()) as { value: { outcome: string; source: string; requestedAction: string }[] })
    .value;
}

/** Waits (without timing anything) until `done` holds, or gives up after many short sleeps. */
async function eventually(done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await done()); i++) await new Promise((r) => setTimeout(r, 50));
}

/** A schedule that has wanted the machine stopped since a minute ago, every day. */
function stoppedNow() {
  const now = new Date(Date.now() - 60_000);
  return {
    computeStartStop: [
      {
        triggerType: 'Cron',
        action: 'Stop',
        cron: { expression: `${now.getUTCMinutes()} ${now.getUTCHours()} * * *`, timeZone: 'UTC' },
      },
    ],
  };
}

describe('POST /runtime/webhooks/eventgrid?functionName=resourceEvents', () => {
  it('answers Event Grid’s subscription validation with the code it was sent', async () => {
    const res = await fetch(webhook, {
      method: 'POST',
      headers: { ...json, 'aeg-event-type': 'SubscriptionValidation' },
      body: JSON.stringify([
        {
          id: '2d1781af-3a4c-4d7c-bd0c-e34b19da4e66',
          topic: '/subscriptions/00000000-0000-0000-0000-000000000000',
          subject: '',
          data: {
            validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6',
            validationUrl: 'https://example.invalid',
          },
          eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
          eventTime: '2026-11-25T21:00:00Z',
          metadataVersion: '1',
          dataVersion: '1',
        },
      ]),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
  });

  it('answers the CloudEvents abuse-protection OPTIONS handshake, allowing the origin that asked', async () => {
    const res = await fetch(webhook, {
      method: 'OPTIONS',
      headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    const without = await fetch(webhook, { method: 'OPTIONS' });
    expect(without.status).toBe(400);
  });

  it('refuses an unknown function and a body that is not JSON', async () => {
    const unknown = await fetch(`${host.eventGridUrl}?functionName=nothing`, {
      method: 'POST',
      headers: json,
      body: '[]',
    });
    expect(unknown.status).toBe(404);
    const junk = await fetch(webhook, { method: 'POST', headers: json, body: '{not json' });
    expect(junk.status).toBe(400);
  });
});

describe('the emulator’s events, delivered to the local host', () => {
  it('deleting a registered VM in the emulator removes its target', async () => {
    emulator.addVirtualMachine(vmId('vm-ev-delete'), { powerState: 'running' });
    const id = await register('vm-ev-delete');
    emulator.perform(vmId('vm-ev-delete'), 'delete', { as: { principalId: 'alice', isUser: true } });
    let status = 200;
    await eventually(async () => {
      status = (await fetch(`${host.baseUrl}/targets/${id}`)).status;
      return status === 404;
    });
    expect(status).toBe(404);
  });

  it('a start by another principal on an enforced VM is recorded and stopped after the grace period', async () => {
    emulator.addVirtualMachine(vmId('vm-ev-enforce'), { powerState: 'deallocated' });
    const id = await register('vm-ev-enforce', stoppedNow());
    await fetch(`${host.baseUrl}/targets/${id}/enforcement`, {
      method: 'PUT',
      headers: json,
      body: JSON.stringify({ enforce: true, graceMinutes: 0 }),
    });
    emulator.perform(vmId('vm-ev-enforce'), 'start', { as: { principalId: 'bob', isUser: true } });
    let history: Awaited<ReturnType<typeof runs>> = [];
    await eventually(async () => {
      history = await runs(id);
      return history.some((r) => r.source === 'enforce' && r.outcome === 'succeeded');
    });
    expect(history.map((r) => [r.requestedAction, r.source, r.outcome])).toEqual([
      ['Stop', 'enforce', 'succeeded'],
      ['Start', 'event', 'observed'],
    ]);
    expect(history[1]!.note).toContain('started by bob@example.com');
    emulator.settle();
    expect(emulator.stateOf(vmId('vm-ev-enforce'))).toMatchObject({ powerState: 'deallocated' });
  });

  it('creating a VM in an enforcing policy’s scope gives it the policy’s schedule and enforcement', async () => {
    const { computeStartStop: entries } = validateSchedules({
      computeStartStop: [
        {
          triggerType: 'Cron',
          action: 'Stop',
          cron: { expression: '0 22 * * *', timeZone: 'Pacific Standard Time' },
        },
      ],
    });
    await host.deps.store.policies.put({
      name: 'nightly-stop',
      scope: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-new',
      targetKinds: ['vm'],
      entries,
      enforce: true,
      updatedAt: Date.now(),
      updatedBy: 'admin',
    });
    emulator.createVirtualMachine(vmId('vm-ev-new', 'rg-new'), {
      as: { principalId: 'carol', isUser: true },
    });
    const id = targetIdFor(vmId('vm-ev-new', 'rg-new'));
    let schedule: { computeStartStop?: unknown[] } = {};
    await eventually(async () => {
      const res = await fetch(`${host.baseUrl}/targets/${id}/schedules`);
      schedule = res.ok ? ((await res.json()) as typeof schedule) : {};
      return (schedule.computeStartStop?.length ?? 0) > 0;
    });
    const given = schedule.computeStartStop as { action: string; cron: { expression: string } }[];
    expect(given.map((e) => [e.action, e.cron.expression])).toEqual([['Stop', '0 22 * * *']]);
    const enforcement = await fetch(`${host.baseUrl}/targets/${id}/enforcement`);
    expect(await enforcement.json()).toMatchObject({ enforce: true, graceMinutes: 30 });
  });

  it('a stop that Azure accepted and then failed ends `failed`', async () => {
    emulator.addVirtualMachine(vmId('vm-ev-fails'), { powerState: 'running' });
    const id = await register('vm-ev-fails');
    emulator.failNextOperation(vmId('vm-ev-fails'));
    const accepted = await fetch(`${host.baseUrl}/targets/${id}/actions/stop`, { method: 'POST' });
    expect(accepted.status).toBe(202);
    let outcome = 'pending';
    await eventually(async () => {
      outcome = (await runs(id))[0]?.outcome ?? 'pending';
      return outcome !== 'pending' && outcome !== 'accepted';
    });
    expect(outcome).toBe('failed');
  });
});
