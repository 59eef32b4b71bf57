// The demo pool `npm start` brings to life: its policy and reporter on the local host, and what that policy
// does with the demo's people, played through the whole pipeline by `simulate`.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetIdFor } from '../../src/store/keys.js';
import { startArmEmulator, type ArmEmulator } from '../../toolkit/arm-emulator/index.js';
import { reporterView } from '../../toolkit/arm-emulator/reporter-view.js';
import { addDemoFleet, demoFleet, demoSchedules, registerDemo } from '../../toolkit/demo.js';
import { DEMO_POOL_POLICY, demoPoolPeople, startDemoPool, type DemoPool } from '../../toolkit/demo-pool.js';
import { startLocalHost, type LocalHost } from '../../toolkit/local-host/host.js';
import { DEFAULT_LOCAL_PRINCIPAL } from '../../toolkit/local-host/principal.js';
import { parseScenario } from '../../toolkit/simulate/scenario.js';
import { simulate } from '../../toolkit/simulate/simulator.js';
import { emulatorGateway } from '../support/emulator.js';
import { freshStorage } from '../support/storage.js';

const MINUTE_MS = 60_000;
const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

describe('the demo pool on the local host', () => {
  let emulator: ArmEmulator;
  let host: LocalHost;
  let pool: DemoPool | undefined;

  beforeAll(async () => {
    emulator = await startArmEmulator({ transitionDurationsInMs: 0 });
    addDemoFleet(emulator);
    const gateway = emulatorGateway(emulator);
    const { config } = await freshStorage();
    host = await startLocalHost({
      config,
      port: 0,
      principal: DEFAULT_LOCAL_PRINCIPAL,
      overrides: { gateway },
    });
  });

  afterAll(async () => {
    pool?.stop();
    await host.close();
    await emulator.close();
  });

  it('gets its policy, and its reporter’s first report is taken with an activity token', async () => {
    const now = Date.now();
    await registerDemo(host.baseUrl, now);
    const id = targetIdFor(demoFleet.pool);
    // startDemoPool throws unless the API answers 204 to the report sent with the token.
    pool = await startDemoPool(host.baseUrl, emulator, id, now);
    const policy = await (await fetch(`${host.baseUrl}/targets/${id}/pool`)).json();
    expect(policy).toMatchObject(DEMO_POOL_POLICY);
    // Three people on two instances of two seats: all placed, nobody waiting.
    const report = reporterView(emulator, demoFleet.pool)?.report;
    expect(report).toMatchObject({ waiting: 0 });
    const instances = report && 'instances' in report ? report.instances : [];
    expect(instances.reduce((n, i) => n + i.sessions, 0)).toBe(3);
    const stored = await host.deps.store.scaling.readActivity(id);
    expect(stored.instances.reduce((n, i) => n + i.sessions, 0)).toBe(3);
  });
});

describe('what the demo pool’s policy does with its people', () => {
  const now = Date.parse('2026-03-03T10:00:00Z');
  const scenario = (minutes: number) =>
    parseScenario({
      from: iso(now),
      to: iso(now + minutes * MINUTE_MS),
      fleet: [{ resourceId: demoFleet.pool, state: 'running', capacity: 2 }],
      targets: [
        {
          resourceId: demoFleet.pool,
          schedules: {
            computeStartStop: demoSchedules(now).find((t) => t.resourceId === demoFleet.pool)!
              .computeStartStop,
          },
          pool: DEMO_POOL_POLICY,
        },
      ],
      activity: demoPoolPeople(now).map((p) => ({
        resourceId: demoFleet.pool,
        from: iso(p.from),
        to: iso(p.to),
        sessions: p.sessions,
      })),
    });

  it('scales to zero once its three people have gone and it has been idle', async () => {
    const result = await simulate(scenario(11));
    expect(result.final).toEqual([expect.objectContaining({ capacity: 0 })]);
    expect(result.pools?.[0]).toMatchObject({ interruptedSessions: 0, idleAboveFloorMinutes: 0 });
  }, 120_000);

  it('wakes when someone comes back, within two minutes and the boot', async () => {
    const result = await simulate(scenario(16));
    expect(result.final[0]?.capacity).toBeGreaterThanOrEqual(1);
    const [report] = result.pools ?? [];
    expect(report?.interruptedSessions).toBe(0);
    // The person who came back waited for a seat, and not longer than two minutes plus the 90 s boot.
    expect(report?.demandWaitSeconds.max).toBeGreaterThan(0);
    expect(report?.demandWaitSeconds.max).toBeLessThanOrEqual(120 + 90);
  }, 120_000);
});
