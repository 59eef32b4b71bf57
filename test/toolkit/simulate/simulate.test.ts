// The whole pipeline through `simulate`: registry functions, Azurite, the ARM emulator and the real SDK
// clients on a virtual clock. Every instant below is written out; the comments say why it is right.

import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../toolkit/simulate/scenario.js';
import { simulate } from '../../../toolkit/simulate/simulator.js';
import { weekScenario } from '../../../toolkit/simulate/week-scenario.js';
import { computeInstance, notInDesiredState, pool, vm, workday } from './check.js';

const okCalls = (result: Awaited<ReturnType<typeof simulate>>, resourceId: string) =>
  result.calls
    .filter((c) => c.resourceId.toLowerCase() === resourceId.toLowerCase() && c.status < 300)
    .map((c) => [c.at, c.operation]);

describe('simulate', () => {
  it('runs a daylight-saving week in three zones at the right instants', async () => {
    // 2026-03-08 is the US spring-forward; Europe and India keep their offsets that week.
    const scenario = parseScenario({
      from: '2026-03-06T00:00:00Z',
      to: '2026-03-10T00:00:00Z',
      fleet: [
        { resourceId: vm('vm-pacific'), state: 'running' },
        { resourceId: vm('vm-berlin'), state: 'running' },
        { resourceId: computeInstance('ci-kolkata'), state: 'Running' },
      ],
      targets: [
        { resourceId: vm('vm-pacific'), schedules: workday('Pacific Standard Time') },
        { resourceId: vm('vm-berlin'), schedules: workday('Europe/Berlin') },
        { resourceId: computeInstance('ci-kolkata'), schedules: workday('India Standard Time') },
      ],
    });
    const result = await simulate(scenario);
    // The window opens on Thursday 16:00 PST.
    expect(okCalls(result, vm('vm-pacific'))).toEqual([
      ['2026-03-06T02:00:00.000Z', 'deallocate'], // Thursday 18:00 PST (UTC−8)
      ['2026-03-06T16:00:00.000Z', 'start'], // Friday 08:00 PST
      ['2026-03-07T02:00:00.000Z', 'deallocate'], // Friday 18:00 PST
      ['2026-03-09T15:00:00.000Z', 'start'], // Monday 08:00 PDT (UTC−7), after the change
    ]);
    // Berlin and Kolkata open on Friday morning with the machines running: Friday's start is a no-op.
    expect(okCalls(result, vm('vm-berlin'))).toEqual([
      ['2026-03-06T17:00:00.000Z', 'deallocate'], // Friday 18:00 CET (UTC+1)
      ['2026-03-09T07:00:00.000Z', 'start'], // Monday 08:00 CET
      ['2026-03-09T17:00:00.000Z', 'deallocate'],
    ]);
    expect(okCalls(result, computeInstance('ci-kolkata'))).toEqual([
      ['2026-03-06T12:30:00.000Z', 'stop'], // Friday 18:00 IST (UTC+05:30)
      ['2026-03-09T02:30:00.000Z', 'start'], // Monday 08:00 IST
      ['2026-03-09T12:30:00.000Z', 'stop'],
    ]);
    expect(result).toMatchObject({ duplicates: 0, missed: 0 });
    expect(notInDesiredState(scenario, result)).toEqual([]);
  }, 60_000);

  it('catches up a stop missed in an outage', async () => {
    const scenario = parseScenario({
      from: '2026-03-02T12:00:00Z',
      to: '2026-03-03T12:00:00Z',
      fleet: [{ resourceId: vm('vm-a'), state: 'running' }],
      targets: [{ resourceId: vm('vm-a'), schedules: workday('UTC') }],
      faults: { outages: [{ from: '2026-03-02T17:30:00Z', to: '2026-03-02T20:30:00Z' }] },
    });
    const result = await simulate(scenario);
    // The 18:00 stop fell in the outage; the first tick after it, at 20:30, acts on it.
    expect(okCalls(result, vm('vm-a'))).toEqual([
      ['2026-03-02T20:30:00.000Z', 'deallocate'],
      ['2026-03-03T08:00:00.000Z', 'start'],
    ]);
    expect(result).toMatchObject({ duplicates: 0, missed: 0, runs: { succeeded: 2 } });
  }, 60_000);

  it('does not stop at all when an outage spans a stop and the next start', async () => {
    const scenario = parseScenario({
      from: '2026-03-02T12:00:00Z',
      to: '2026-03-03T12:00:00Z',
      fleet: [{ resourceId: vm('vm-a'), state: 'running' }],
      targets: [{ resourceId: vm('vm-a'), schedules: workday('UTC') }],
      faults: { outages: [{ from: '2026-03-02T17:00:00Z', to: '2026-03-03T09:00:00Z' }] },
    });
    const result = await simulate(scenario);
    // Only the latest desired state (Start at 08:00) is applied; the VM is running, so nothing is called.
    expect(okCalls(result, vm('vm-a'))).toEqual([]);
    expect(result.runs).toMatchObject({ superseded: 1, skipped: 1, succeeded: 0 });
    expect(result).toMatchObject({ duplicates: 0, missed: 0 });
    expect(result.final).toEqual([{ resourceId: vm('vm-a'), state: 'running' }]);
  }, 60_000);

  it('rides out a throttling storm: every target ends where its schedule wants it, nothing twice', async () => {
    const machines = Array.from({ length: 12 }, (_, i) => (i % 4 === 3 ? pool(`pool-${i}`) : vm(`vm-${i}`)));
    const scenario = parseScenario({
      from: '2026-03-02T06:00:00Z',
      to: '2026-03-03T06:00:00Z',
      fleet: machines.map((resourceId) => ({
        resourceId,
        state: 'running',
        ...(resourceId.includes('pool') ? { capacity: 2 } : {}),
      })),
      targets: machines.map((resourceId) => ({ resourceId, schedules: workday('UTC') })),
      faults: { throttle: 0.4, error: 0.1 },
      seed: 7,
    });
    const result = await simulate(scenario);
    expect(result.calls.some((c) => c.status === 429)).toBe(true);
    expect(result).toMatchObject({ duplicates: 0, missed: 0, runs: { failed: 0, poisoned: 0, pending: 0 } });
    expect(notInDesiredState(scenario, result)).toEqual([]);
  }, 60_000);

  it('survives host crashes mid-invocation: redelivered messages act once', async () => {
    const machines = Array.from({ length: 10 }, (_, i) => vm(`vm-${i}`));
    const scenario = parseScenario({
      from: '2026-03-02T06:00:00Z',
      to: '2026-03-04T06:00:00Z',
      fleet: machines.map((resourceId, i) => ({ resourceId, state: i % 2 ? 'running' : 'deallocated' })),
      targets: machines.map((resourceId) => ({ resourceId, schedules: workday('UTC') })),
      faults: { crash: 0.5 },
      seed: 3,
    });
    const stats = { hostCrashes: 0 };
    const result = await simulate(scenario, { stats });
    expect(stats.hostCrashes).toBeGreaterThan(3);
    expect(result).toMatchObject({ duplicates: 0, missed: 0, runs: { failed: 0, poisoned: 0, pending: 0 } });
    expect(notInDesiredState(scenario, result)).toEqual([]);
  }, 60_000);
});

describe('the acceptance week, scaled down', () => {
  it('60 targets, faults {throttle 0.2, error 0.05, crash 0.02} and a three-hour outage: all in place, nothing twice or missed', async () => {
    // The full 1,000-target week is the same scenario: node scripts/week-scenario.mjs 1000 (see README).
    const scenario = parseScenario(weekScenario(60));
    const stats = { hostCrashes: 0 };
    const result = await simulate(scenario, { stats });
    expect(stats.hostCrashes).toBeGreaterThan(0);
    expect(result.failures).toEqual([]);
    expect(result).toMatchObject({ duplicates: 0, missed: 0, runs: { failed: 0, poisoned: 0, pending: 0 } });
    expect(result.calls.some((c) => c.status === 429) && result.calls.some((c) => c.status === 500)).toBe(
      true,
    );
    expect(notInDesiredState(scenario, result)).toEqual([]);
  }, 120_000);
});
