// What `npm start` shows a new user: the demo fleet in the ARM emulator, registered through the API with
// schedules that act within the first five minutes, and a manual action carried out end to end.

import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmComputeGateway } from '../../src/compute/arm-gateway.js';
import {
  emulatorCredential,
  startArmEmulator,
  type ArmEmulator,
} from '../../src/local/arm-emulator/index.js';
import { addDemoFleet, demoFleet, registerDemo } from '../../src/local/demo.js';
import { startLocalHost, type LocalHost } from '../../src/local/host/host.js';
import { DEFAULT_LOCAL_PRINCIPAL } from '../../src/local/host/principal.js';
import { queuePollers } from '../../src/local/host/triggers.js';
import { freshStorage } from '../support/storage.js';

let emulator: ArmEmulator;
let host: LocalHost;

beforeAll(async () => {
  emulator = await startArmEmulator({ transitionDurationsInMs: 0 });
  addDemoFleet(emulator);
  const gateway = new ArmComputeGateway({
    endpoint: emulator.url,
    credential: emulatorCredential({ principalId: 'compute-scheduler-test' }),
    agent: new https.Agent({ ca: emulator.certificatePem }),
    pollIntervalInMs: 10,
  });
  const { config } = await freshStorage();
  host = await startLocalHost({
    config,
    port: 0,
    principal: DEFAULT_LOCAL_PRINCIPAL,
    overrides: { gateway },
    extensions: [queuePollers],
  });
});

afterAll(async () => {
  await host.close();
  await emulator.close();
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
    for (let i = 0; i < 100 && outcome === 'pending'; i++) {
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
