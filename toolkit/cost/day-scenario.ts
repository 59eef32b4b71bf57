// The fleet a month's cost is quoted for: N targets (VMs, every tenth a pool, every tenth an ML compute
// instance) in three time zones, each started at 08:00 and stopped at 18:00 local time every day: two
// actions a day. One day of it, 2026-03-04 UTC, with no faults: what an ordinary day costs.

import { machineOf, ZONES } from '../simulate/week-scenario.js';

/** The day's scenario for `simulate`, as JSON. */
export function dayScenario(count: number): Record<string, unknown> {
  const fleet: Record<string, unknown>[] = [];
  const targets: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const machine = machineOf(i);
    fleet.push(machine);
    const timeZone = ZONES[i % ZONES.length];
    targets.push({
      resourceId: machine.resourceId,
      schedules: {
        computeStartStop: [
          { triggerType: 'Cron', action: 'Start', cron: { expression: '0 8 * * *', timeZone } },
          { triggerType: 'Cron', action: 'Stop', cron: { expression: '0 18 * * *', timeZone } },
        ],
      },
    });
  }
  return { from: '2026-03-04T00:00:00Z', to: '2026-03-05T00:00:00Z', seed: 1, fleet, targets };
}
