// The fleet a month's cost is quoted for: N targets (VMs, every tenth a pool, every tenth an ML compute
// instance) in three time zones, each started at 08:00 and stopped at 18:00 local time every day: two
// actions a day. One day of it, 2026-03-04 UTC, with no faults: what an ordinary day costs.

const SUBSCRIPTIONS = [
  '11111111-1111-1111-1111-111111111111',
  '22222222-2222-2222-2222-222222222222',
  '33333333-3333-3333-3333-333333333333',
];
const ZONES = ['Pacific Standard Time', 'W. Europe Standard Time', 'India Standard Time'];

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

function machineOf(i: number): Record<string, unknown> & { resourceId: string } {
  const group = `/subscriptions/${SUBSCRIPTIONS[i % SUBSCRIPTIONS.length]}/resourceGroups/rg-team-${i % 7}/providers`;
  if (i % 10 === 8)
    return {
      resourceId: `${group}/Microsoft.Compute/virtualMachineScaleSets/pool-${i}`,
      state: 'running',
      capacity: 2,
    };
  if (i % 10 === 9)
    return {
      resourceId: `${group}/Microsoft.MachineLearningServices/workspaces/ws-team/computes/ci-user${i}`,
      state: 'Running',
    };
  return {
    resourceId: `${group}/Microsoft.Compute/virtualMachines/vm-${i}`,
    state: i % 2 === 0 ? 'running' : 'deallocated',
  };
}
