// The API's list of a pool's instances: read once for many reports, again for an id it lacks.

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { PoolView } from '../../src/compute/pool-gateway.js';
import { CHECK_READS, KnownPoolInstances } from '../../src/engine/pool-instances.js';
import type { StoredTarget } from '../../src/store/ports.js';

const target = {
  id: 'p1',
  subscriptionId: 's',
  resourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/pool',
  kind: 'pool',
} as StoredTarget;

function pool(ids: string[]) {
  const gateway = {
    reads: 0,
    ids,
    readPool(): Promise<PoolView> {
      gateway.reads++;
      const instances = gateway.ids.map((instanceId) => ({
        instanceId,
        power: 'running' as const,
        deleting: false,
        protectedFromScaleIn: false,
      }));
      return Promise.resolve({ capacity: instances.length, instances, tags: {}, armReads: 2 });
    },
  };
  return gateway;
}

describe('the instances a pool is known to have', () => {
  it('reads the pool once for a reporter posting every minute about the instances it has', async () => {
    const gateway = pool(['0', '1']);
    const clock = new ManualClock('2026-11-26T10:00:00Z');
    const known = new KnownPoolInstances(gateway, clock);
    for (let minute = 0; minute < 10; minute++) {
      expect(await known.unknown(target, ['0', '1'])).toEqual([]);
      clock.advance(60_000);
    }
    expect(gateway.reads).toBe(1);
    // Ten minutes on, the list is read again.
    await known.unknown(target, ['0']);
    expect(gateway.reads).toBe(2);
  });

  it('reads again for an id it lacks (a new instance), but not twice within ten seconds', async () => {
    const gateway = pool(['0']);
    const clock = new ManualClock('2026-11-26T10:00:00Z');
    const known = new KnownPoolInstances(gateway, clock);
    await known.unknown(target, ['0']);
    clock.advance(5_000);
    expect(await known.unknown(target, ['7'])).toEqual(['7']);
    expect(gateway.reads).toBe(1);
    gateway.ids = ['0', '7'];
    clock.advance(30_000);
    expect(await known.unknown(target, ['7'])).toEqual([]);
    expect(gateway.reads).toBe(2);
  });

  it('after a Start of many pools, reads no more than its allowance per subscription: the rest go unchecked', async () => {
    const gateway = pool(['0']);
    const clock = new ManualClock('2026-11-26T10:00:00Z');
    const known = new KnownPoolInstances(gateway, clock);
    const poolOf = (subscription: string, n: number) =>
      ({
        id: `${subscription}-${n}`,
        subscriptionId: subscription,
        resourceId: `/subscriptions/${subscription}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/p${n}`,
        kind: 'pool',
      }) as StoredTarget;
    // 50 pools' first reports in the same second, naming an id none of them has: only the allowance is read.
    const answers = [];
    for (let n = 0; n < 50; n++) answers.push(await known.unknown(poolOf('a', n), ['9']));
    expect(gateway.reads).toBe(CHECK_READS.burst);
    expect(answers.filter((a) => a.length > 0)).toHaveLength(CHECK_READS.burst);
    // Another subscription has an allowance of its own.
    expect(await known.unknown(poolOf('b', 0), ['9'])).toEqual(['9']);
    expect(gateway.reads).toBe(CHECK_READS.burst + 1);
    // It refills: five seconds on, five more pools of the first subscription are read.
    clock.advance(5_000);
    for (let n = 0; n < 10; n++) await known.unknown(poolOf('a', 100 + n), ['9']);
    expect(gateway.reads).toBe(CHECK_READS.burst + 1 + 5 * CHECK_READS.perSecond);
  });
});
