// The acceptance scenario of issue 4: a week of N targets (VMs, pools, compute instances) in three time
// zones across the US daylight-saving change, with faults {throttle 0.2, error 0.05, crash 0.02} and a
// three-hour outage across the Pacific stop. `scripts/week-scenario.mjs` prints it for the CLI.

const SUBSCRIPTIONS = [
  '11111111-1111-1111-1111-111111111111',
  '22222222-2222-2222-2222-222222222222',
  '33333333-3333-3333-3333-333333333333',
];
/** The three zones scenario fleets are spread over, one target in three each. */
export const ZONES = ['Pacific Standard Time', 'W. Europe Standard Time', 'India Standard Time'];

export function weekScenario(count = 1000): Record<string, unknown> {
  const fleet: Record<string, unknown>[] = [];
  const targets: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const machine = machineOf(i);
    fleet.push(machine);
    targets.push({ resourceId: machine.resourceId, schedules: { computeStartStop: schedulesOf(i) } });
  }
  return {
    from: '2026-03-05T00:00:00Z',
    to: '2026-03-12T00:00:00Z',
    fleet,
    targets,
    // 18:00 Pacific on Monday 9 March (daylight time) is 01:00Z on the 10th: the outage spans it.
    faults: {
      throttle: 0.2,
      error: 0.05,
      crash: 0.02,
      outages: [{ from: '2026-03-10T00:00:00Z', to: '2026-03-10T03:00:00Z' }],
    },
  };
}

/**
 * The i-th machine of a scenario fleet in three subscriptions: every tenth a pool, every tenth an ML compute
 * instance, the rest VMs, half of them running. The week and the cost's day share it.
 */
export function machineOf(i: number): Record<string, unknown> & { resourceId: string } {
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

/** A working week in one of three zones: every fourth as Logic Apps recurrences, the rest as crons. */
function schedulesOf(i: number): Record<string, unknown>[] {
  const timeZone = ZONES[i % ZONES.length];
  if (i % 4 !== 3) {
    return [
      { triggerType: 'Cron', action: 'Start', cron: { expression: '0 8 * * 1-5', timeZone } },
      { triggerType: 'Cron', action: 'Stop', cron: { expression: '0 18 * * 1-5', timeZone } },
    ];
  }
  const weekDays = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'];
  return [
    {
      triggerType: 'Recurrence',
      action: 'Start',
      recurrence: {
        frequency: 'Week',
        interval: 1,
        timeZone,
        schedule: { hours: [8], minutes: [30], weekDays },
      },
    },
    {
      triggerType: 'Recurrence',
      action: 'Stop',
      recurrence: { frequency: 'Day', interval: 1, timeZone, schedule: { hours: [19], minutes: [0] } },
    },
  ];
}
