// The acceptance scenario of issue 4: a week of N targets (VMs, pools, compute instances) in three time
// zones across the US daylight-saving change, with faults {throttle 0.2, error 0.05, crash 0.02} and a
// three-hour outage across the Pacific stop. `scripts/week-scenario.mjs` prints it for the CLI.

export function weekScenario(count = 1000): Record<string, unknown> {
  const fleet: Record<string, unknown>[] = [];
  const targets: Record<string, unknown>[] = [];
  const subscriptions = [
    '11111111-1111-1111-1111-111111111111',
    '22222222-2222-2222-2222-222222222222',
    '33333333-3333-3333-3333-333333333333',
  ];
  const zones = ['Pacific Standard Time', 'W. Europe Standard Time', 'India Standard Time'];

  for (let i = 0; i < count; i++) {
    const subscription = subscriptions[i % subscriptions.length];
    const group = `/subscriptions/${subscription}/resourceGroups/rg-team-${i % 7}/providers`;
    const zone = zones[i % zones.length];
    let resourceId;
    if (i % 10 === 8) {
      resourceId = `${group}/Microsoft.Compute/virtualMachineScaleSets/pool-${i}`;
      fleet.push({ resourceId, state: 'running', capacity: 2 });
    } else if (i % 10 === 9) {
      resourceId = `${group}/Microsoft.MachineLearningServices/workspaces/ws-team/computes/ci-user${i}`;
      fleet.push({ resourceId, state: 'Running' });
    } else {
      resourceId = `${group}/Microsoft.Compute/virtualMachines/vm-${i}`;
      fleet.push({ resourceId, state: i % 2 === 0 ? 'running' : 'deallocated' });
    }
    const computeStartStop =
      i % 4 === 3
        ? [
            {
              triggerType: 'Recurrence',
              action: 'Start',
              recurrence: {
                frequency: 'Week',
                interval: 1,
                timeZone: zone,
                schedule: {
                  hours: [8],
                  minutes: [30],
                  weekDays: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'],
                },
              },
            },
            {
              triggerType: 'Recurrence',
              action: 'Stop',
              recurrence: {
                frequency: 'Day',
                interval: 1,
                timeZone: zone,
                schedule: { hours: [19], minutes: [0] },
              },
            },
          ]
        : [
            { triggerType: 'Cron', action: 'Start', cron: { expression: '0 8 * * 1-5', timeZone: zone } },
            { triggerType: 'Cron', action: 'Stop', cron: { expression: '0 18 * * 1-5', timeZone: zone } },
          ];
    targets.push({ resourceId, schedules: { computeStartStop } });
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
