// Pools under a storm: nine in ten ARM requests throttled, one in ten failing, one invocation in five
// crashing. A pool's Start or Stop once needed its read and its write to get through in the same attempt
// (about one chance in a hundred and twenty), against a VM's one in eleven, and pools were left in the wrong
// state at the end of the window. Now a throttled write goes again from what it read, If-Match.

import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../toolkit/simulate/scenario.js';
import { simulate } from '../../../toolkit/simulate/simulator.js';
import { notInDesiredState, pool } from './check.js';

function poolsThereAndBack(seed: number) {
  const names = Array.from({ length: 16 }, (_, i) => `pool-${String(i).padStart(2, '0')}`);
  // Half start running and are stopped, started and stopped again; half start empty and are started,
  // stopped and started again: every pool must end where it did not start. The entries are written in
  // Adelaide's wall time (UTC+10:30 in March): 11:00 there is 00:30 UTC.
  const entry = (minute: number, action: 'Start' | 'Stop') => ({
    triggerType: 'Cron',
    action,
    cron: { expression: `${minute} 11 2 3 *`, timeZone: 'Australia/Adelaide' },
  });
  return parseScenario({
    from: '2026-03-02T00:00:00Z',
    to: '2026-03-02T02:30:00Z',
    fleet: names.map((name, i) =>
      i % 2 === 0
        ? { resourceId: pool(name), state: 'running', capacity: 2 }
        : { resourceId: pool(name), state: 'deallocated', capacity: 0 },
    ),
    targets: names.map((name, i) => ({
      resourceId: pool(name),
      schedules: {
        computeStartStop:
          i % 2 === 0
            ? [entry(i % 4, 'Stop'), entry(4 + (i % 4), 'Start'), entry(10 + (i % 4), 'Stop')]
            : [entry(i % 4, 'Start'), entry(4 + (i % 4), 'Stop'), entry(10 + (i % 4), 'Start')],
      },
    })),
    faults: { throttle: 0.9, error: 0.1, crash: 0.2 },
    seed,
  });
}

describe('pools under nine in ten requests throttled', () => {
  for (const seed of [11, 12]) {
    it(`16 pools each scaled three times end where their schedules want them (seed ${seed})`, async () => {
      const scenario = poolsThereAndBack(seed);
      const result = await simulate(scenario);
      expect(notInDesiredState(scenario, result)).toEqual([]);
      expect(result).toMatchObject({ wrongFinal: 0, staleActions: 0, duplicates: 0, missed: 0 });
      expect(result.runs).toMatchObject({ poisoned: 0, failed: 0 });
    }, 180_000);
  }
});
