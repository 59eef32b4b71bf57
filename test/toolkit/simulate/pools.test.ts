// Pools through the whole pipeline on a virtual clock: the scenario's people open sessions, the reporter
// posts them, the round and the reconciler scale the pool through the real SDK clients against the emulator.
// The figures are the bar of docs/pools.md: nobody's session is ended, idle capacity goes back to the
// floor, and the pool costs close to the oracle and far less than an always-on pool.

import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../toolkit/simulate/scenario.js';
import { simulate } from '../../../toolkit/simulate/simulator.js';
import { poolScenario } from '../../../toolkit/simulate/pool-scenario.js';

const SUB = '/subscriptions/00000000-0000-0000-0000-0000000000b1/resourceGroups/rg/providers';
const POOL = `${SUB}/Microsoft.Compute/virtualMachineScaleSets/pool-day`;
const VM = `${SUB}/Microsoft.Compute/virtualMachines/vm-idle`;
const policy = {
  minCapacity: 0,
  wakeCapacity: 1,
  maxCapacity: 4,
  sessionsPerInstance: 4,
  idleMinutes: 30,
  activity: 'sessions',
  cpuThresholdPercent: 5,
};

/** A Monday morning: a connect before the day starts, a crowd, a Stop while someone still works. */
function dayScenario(faults: Record<string, number> = {}) {
  return parseScenario({
    from: '2026-03-02T07:45:00Z',
    to: '2026-03-02T12:40:00Z',
    seed: 5,
    fleet: [
      { resourceId: POOL, state: 'running', capacity: 0 },
      { resourceId: VM, state: 'running' },
    ],
    targets: [
      {
        resourceId: POOL,
        schedules: {
          computeStartStop: [
            { triggerType: 'Cron', action: 'Start', cron: { expression: '0 8 * * 1-5', timeZone: 'UTC' } },
            { triggerType: 'Cron', action: 'Stop', cron: { expression: '45 11 * * 1-5', timeZone: 'UTC' } },
          ],
        },
        pool: policy,
      },
      {
        resourceId: VM,
        schedules: { computeStartStop: [] },
        idle: { idleMinutes: 20, activity: 'sessions', cpuThresholdPercent: 5 },
      },
    ],
    activity: [
      { resourceId: POOL, from: '2026-03-02T08:10:00Z', to: '2026-03-02T11:30:00Z', sessions: 6 },
      { resourceId: POOL, from: '2026-03-02T09:00:00Z', to: '2026-03-02T10:00:00Z', sessions: 7 },
      { resourceId: POOL, from: '2026-03-02T11:20:00Z', to: '2026-03-02T12:05:00Z', sessions: 1 },
      { resourceId: VM, from: '2026-03-02T07:45:00Z', to: '2026-03-02T08:15:00Z', sessions: 1 },
    ],
    connects: [
      { resourceId: POOL, at: '2026-03-02T07:50:00Z' },
      { resourceId: VM, at: '2026-03-02T10:00:00Z' },
    ],
    faults,
  });
}

describe('simulate: pools', () => {
  it('follows the sessions: none interrupted, idle capacity back at the floor, near the oracle', async () => {
    const result = await simulate(dayScenario());
    console.log(JSON.stringify({ ...result, calls: result.calls.length }, null, 1));
    const pool = result.pools!.find((p) => p.resourceId === POOL)!;
    expect(pool.interruptedSessions).toBe(0);
    expect(pool.idleAboveFloorMinutes).toBe(0);
    expect(pool.nodeHours).toBeLessThanOrEqual(pool.oracleNodeHours * 1.1);
    expect(pool.nodeHours).toBeLessThanOrEqual(pool.alwaysOnNodeHours * 0.6);
    // A connect wakes the empty pool: scale-out, boot (90 s in the simulator), a round's spread.
    expect(pool.connectToRunningSeconds.p99).toBeLessThanOrEqual(240);
    expect(pool.demandWaitSeconds.max).toBeLessThanOrEqual(240);
    const vm = result.pools!.find((p) => p.resourceId === VM)!;
    expect(vm.interruptedSessions).toBe(0);
    // Stopped 20 idle minutes after its session, started again by the connect, stopped 20 minutes later.
    expect(vm.nodeHours).toBeLessThan(1.5);
    expect(vm.connectToRunningSeconds.p99).toBeLessThanOrEqual(240);
    expect(result.duplicates).toBe(0);
    // Every ARM request of the day is in the one subscription, none refused for the budget.
    const [subscription, ...others] = result.armPerSubscription!;
    expect(others).toHaveLength(0);
    expect(subscription!.subscriptionId).toBe('00000000-0000-0000-0000-0000000000b1');
    expect(subscription!.readsPerMinute.peak).toBeGreaterThanOrEqual(subscription!.readsPerMinute.mean);
    // The mean is over the span's 295 minutes, rounded to hundredths.
    expect(subscription!.readsPerMinute.mean * 295).toBeGreaterThanOrEqual(pool.armReads + vm.armReads - 2);
    expect(subscription!.throttledByBudget).toEqual({});
  }, 600_000);

  it('the shipped two-week scenario is a valid scenario for one pool and for many', () => {
    const one = parseScenario(poolScenario({ pools: 1 }));
    expect(one.targets).toHaveLength(1);
    expect(one.connects.length).toBeGreaterThan(0);
    const many = parseScenario(poolScenario({ pools: 8 }));
    expect(new Set(many.fleet.map((m) => m.resourceId.split('/')[2])).size).toBe(4);
  });

  it('a window keeps hours of one working day: pools start at 0, sessions cut at its edges', () => {
    const day = parseScenario(poolScenario({ pools: 8, days: 1, window: { from: 9, to: 15 } }));
    // Berlin is UTC+1 in March.
    expect(new Date(day.from).toISOString()).toBe('2026-03-02T08:00:00.000Z');
    expect(new Date(day.to).toISOString()).toBe('2026-03-02T14:00:00.000Z');
    expect(day.fleet.every((m) => m.capacity === 0 && m.state === 'deallocated')).toBe(true);
    expect(day.activity.length).toBeGreaterThan(8);
    expect(day.activity.every((a) => a.from >= day.from && a.to <= day.to)).toBe(true);
    expect(day.connects.every((c) => c.at >= day.from && c.at < day.to)).toBe(true);
    // Someone who arrived before nine is still there at nine.
    expect(day.activity.some((a) => a.from === day.from)).toBe(true);
    expect(() => poolScenario({ window: { from: 10, to: 9 } })).toThrow(RangeError);
  });
});
