// simulate's `cost` section: what a window would be billed for, counted from the storage clients' pipeline,
// the registry's handlers and the emulator's request log. Counts only, never times: wall time varies.

import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../toolkit/simulate/scenario.js';
import { simulate } from '../../../toolkit/simulate/simulator.js';
import { vm, workday } from './check.js';

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

// Two hours around Monday 08:00 UTC: two machines start at 08:00, a third stops at 09:00.
const scenario = parseScenario({
  from: '2026-03-02T07:30:00Z',
  to: '2026-03-02T09:30:00Z',
  fleet: [
    { resourceId: vm('vm-a'), state: 'deallocated' },
    { resourceId: vm('vm-b'), state: 'deallocated' },
    { resourceId: vm('vm-c'), state: 'running' },
  ],
  targets: [
    { resourceId: vm('vm-a'), schedules: workday('UTC') },
    { resourceId: vm('vm-b'), schedules: workday('UTC') },
    {
      resourceId: vm('vm-c'),
      schedules: {
        computeStartStop: [
          { triggerType: 'Cron', action: 'Stop', cron: { expression: '0 9 * * *', timeZone: 'UTC' } },
        ],
      },
    },
  ],
});

describe("simulate's cost section", () => {
  it('counts every minute’s timers, the actions’ messages and executions, and their ARM requests', async () => {
    const result = await simulate(scenario, { tickEveryMinute: true });
    const { cost } = result;
    const actions = result.runs.succeeded + result.runs.accepted;
    expect(actions).toBe(3);
    // 07:31 to 09:30: 120 minutes, each ticked, each a timer execution of its own.
    for (const timer of ['tick', 'warnBeforeStops', 'poolRound']) {
      expect(cost.executions[timer]).toMatchObject({ trigger: 'timer', count: 120, periods: 120 });
    }
    // Each action is a message sent, received, handled by `execute` and deleted.
    expect(cost.executions.execute?.trigger).toBe('queue');
    expect(cost.executions.execute?.count).toBeGreaterThanOrEqual(actions);
    expect(cost.storage.queue.send).toBeGreaterThanOrEqual(actions);
    expect(cost.storage.queue['delete message']).toBeGreaterThanOrEqual(actions);
    // The actions queue is polled at least once a minute.
    expect(cost.storage.queue.receive).toBeGreaterThanOrEqual(120);
    // Every tick reads the table at least once.
    expect(total(cost.storage.table)).toBeGreaterThanOrEqual(120);
    expect(cost.arm.writes).toBeGreaterThanOrEqual(result.calls.length);
    expect(cost.arm.reads).toBeGreaterThan(0);
    expect(cost.busyWallMs).toBeGreaterThan(0);
  }, 60_000);

  it('ticking every minute changes what is counted, not what happens', async () => {
    const [skipping, everyMinute] = [
      await simulate(scenario),
      await simulate(scenario, { tickEveryMinute: true }),
    ];
    const { cost: skippingCost, ...skippingReport } = skipping;
    const { cost: everyMinuteCost, ...everyMinuteReport } = everyMinute;
    expect(everyMinuteReport).toEqual(skippingReport);
    expect(skippingCost.executions.tick?.count).toBeLessThan(120);
    expect(everyMinuteCost.executions.tick?.count).toBe(120);
    // Registration through the API is setup, not the window's running.
    expect(Object.keys(everyMinuteCost.executions).sort()).toEqual([
      'execute',
      'poolRound',
      'resourceEvents',
      'tick',
      'warnBeforeStops',
    ]);
  }, 60_000);
});
