// What `npm start` shows a new user: the demo fleet in the ARM emulator, registered through the API with
// schedules that act within the first five minutes, and a manual action carried out end to end.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArmEmulator, type ArmEmulator } from '../../toolkit/arm-emulator/index.js';
import { addDemoFleet, demoFleet, demoSchedules, registerDemo } from '../../toolkit/demo.js';
import { nextOccurrence, validateSchedules } from '../../src/schedule/index.js';
import { startLocalHost, type LocalHost } from '../../toolkit/local-host/host.js';
import { DEFAULT_LOCAL_PRINCIPAL } from '../../toolkit/local-host/principal.js';
import { queuePollers } from '../../toolkit/local-host/triggers.js';
import { emulatorGateway } from '../support/emulator.js';
import { freshStorage } from '../support/storage.js';

let emulator: ArmEmulator;
let host: LocalHost;

beforeAll(async () => {
  emulator = await startArmEmulator({ transitionDurationsInMs: 0 });
  addDemoFleet(emulator);
  const gateway = emulatorGateway(emulator);
  const { config } = await freshStorage({ SCHEDULER_IDENTITY_IDS: 'compute-scheduler-test' });
  host = await startLocalHost({
    config,
    port: 0,
    principal: DEFAULT_LOCAL_PRINCIPAL,
    overrides: { gateway },
    extensions: [queuePollers],
  });
  // As `npm start` does: the emulator's events settle the runs Azure accepted.
  emulator.setEventGridWebhook(`${host.eventGridUrl}?functionName=resourceEvents`);
});

afterAll(async () => {
  await host.close();
  await emulator.close();
});

describe('the demo schedules, whenever `npm start` runs', () => {
  // Every 7 minutes through the days around the daylight-saving changes in Berlin and Los Angeles (the
  // demo's zones), and around 08:00 and 18:00 on weekdays, where its entries meet the working day's.
  const days = [
    '2027-03-13',
    '2027-03-14',
    '2027-03-27',
    '2027-03-28',
    '2027-10-30',
    '2027-10-31',
    '2027-11-07',
  ];
  const instants = days.flatMap((day) =>
    Array.from({ length: (24 * 60) / 7 + 1 }, (_, i) => Date.parse(`${day}T00:00:00Z`) + i * 7 * 60_000),
  );
  instants.push(
    ...Array.from({ length: 12 }, (_, i) => Date.parse('2026-11-25T07:50:00-08:00') + i * 60_000),
    ...Array.from({ length: 12 }, (_, i) => Date.parse('2026-11-25T17:50:00+01:00') + i * 60_000),
  );

  it('register without a conflict and act within the first minutes', () => {
    for (const now of instants) {
      for (const { resourceId, computeStartStop } of demoSchedules(now)) {
        const where = `${resourceId} at ${new Date(now).toISOString()}`;
        let entries;
        try {
          entries = validateSchedules({ computeStartStop }, { now }).computeStartStop;
        } catch (error) {
          throw new Error(`${where}: ${String(error)}`);
        }
        const soonest = Math.min(...entries.map((e) => nextOccurrence(e, now) ?? Infinity));
        expect(soonest - now, where).toBeLessThanOrEqual(16 * 60_000);
      }
    }
  });
});

describe('the demo', () => {
  it('registers four targets whose schedules act within five minutes', async () => {
    const now = Date.now();
    const ids = await registerDemo(host.baseUrl, now);
    expect(ids).toHaveLength(4);
    for (const id of ids) {
      const response = await fetch(`${host.baseUrl}/targets/${id}/schedules`);
      const body = (await response.json()) as { computeStartStop: { nextOccurrences: string[] }[] };
      const soonest = Math.min(...body.computeStartStop.map((e) => Date.parse(e.nextOccurrences[0]!)));
      expect(soonest - now).toBeLessThanOrEqual(5 * 60_000 + 60_000);
    }
  });

  it('carries out a manual stop through the queue, the executor and the emulator', async () => {
    const registered = await fetch(`${host.baseUrl}/targets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceId: demoFleet.pacificVm }),
    });
    const { id } = (await registered.json()) as { id: string };
    const accepted = await fetch(`${host.baseUrl}/targets/${id}/actions/stop`, { method: 'POST' });
    expect(accepted.status).toBe(202);
    let outcome = 'pending';
    for (let i = 0; i < 100 && (outcome === 'pending' || outcome === 'accepted'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const runs = (await (await fetch(`${host.baseUrl}/targets/${id}/runs`)).json()) as {
        value: { outcome: string }[];
      };
      outcome = runs.value[0]?.outcome ?? 'pending';
    }
    expect(outcome).toBe('succeeded');
    emulator.settle();
    expect(emulator.stateOf(demoFleet.pacificVm)).toMatchObject({ powerState: 'deallocated' });
  });
});
