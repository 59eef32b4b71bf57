// `simulate` with people around the scheduler: someone starting machines in the portal, someone deleting
// one, and a webhook that hears of each stop before it comes (and fails half the time).

import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../toolkit/simulate/scenario.js';
import { simulate } from '../../../toolkit/simulate/simulator.js';
import { vm, workday } from './check.js';

describe('simulate with people', () => {
  it('reports people’s starts, the enforced stop, the forgotten machine and the warnings tried', async () => {
    const scenario = parseScenario({
      from: '2026-03-02T07:00:00Z',
      to: '2026-03-02T23:00:00Z',
      seed: 7,
      fleet: [
        { resourceId: vm('vm-enforced'), state: 'deallocated' },
        { resourceId: vm('vm-free'), state: 'deallocated' },
        { resourceId: vm('vm-deleted'), state: 'deallocated' },
      ],
      targets: [
        {
          resourceId: vm('vm-enforced'),
          schedules: workday('UTC'),
          enforcement: { enforce: true, graceMinutes: 10 },
          warning: { webhook: 'https://hooks.example/team', leadMinutes: 15 },
        },
        { resourceId: vm('vm-free'), schedules: workday('UTC') },
        { resourceId: vm('vm-deleted'), schedules: workday('UTC') },
      ],
      // After each machine's 18:00 stop: bob starts the enforced one, carol the free one; dave deletes one at noon.
      manualStarts: [
        { resourceId: vm('vm-enforced'), at: '2026-03-02T20:00:00Z', principal: 'bob' },
        { resourceId: vm('vm-free'), at: '2026-03-02T21:00:00Z', principal: 'carol' },
      ],
      deletes: [{ resourceId: vm('vm-deleted'), at: '2026-03-02T12:00:00Z', principal: 'dave' }],
      faults: { webhook: 0.5 },
    });
    const result = await simulate(scenario);
    expect(result.people).toMatchObject({
      manualStarts: 2,
      observedStarts: 2,
      enforcedStops: 1,
      deletes: 1,
      forgottenTargets: 1,
      // With this seed the webhook answers 500 to all four attempts: the warning failed, the stop did not wait.
      warningsSent: 0,
      warningsFailed: 1,
      webhookErrors: 4,
    });
    // Bob's start completes at 20:01:30 (machines take 90 s here): Azure's event is that instant, the grace
    // ends at 20:11:30, and the enforced stop runs at the next whole minute. Carol's machine stays on: her choice.
    const stops = result.calls.filter(
      (c) => c.resourceId.endsWith('vm-enforced') && c.operation === 'deallocate',
    );
    expect(stops.map((c) => c.at)).toEqual(['2026-03-02T18:00:00.000Z', '2026-03-02T20:12:00.000Z']);
    expect(result.final.find((f) => f.resourceId.endsWith('vm-free'))?.state).toBe('running');
    expect(result.final.find((f) => f.resourceId.endsWith('vm-deleted'))?.state).toBe('missing');
    // Nothing the schedules wanted was missed, nothing acted twice, and no accepted run stayed unsettled.
    expect(result).toMatchObject({ missed: 0, wrongFinal: 0, duplicates: 0, staleActions: 0 });
    expect(result.runs).toMatchObject({ accepted: 0, pending: 0, failed: 0, poisoned: 0 });
  }, 120_000);

  it('refuses a manual start of a machine not in the fleet, naming it', () => {
    expect(() =>
      parseScenario({
        from: '2026-03-02T07:00:00Z',
        to: '2026-03-02T23:00:00Z',
        fleet: [],
        targets: [],
        manualStarts: [{ resourceId: vm('vm-nowhere'), at: '2026-03-02T20:00:00Z' }],
      }),
    ).toThrow('/manualStarts/0/resourceId: is not in the fleet');
  });
});
