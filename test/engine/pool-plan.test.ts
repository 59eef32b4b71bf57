import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PoolInstance } from '../../src/compute/pool-gateway.js';
import { planPool, planIdleMachine, type PoolPlanInput } from '../../src/engine/pool-plan.js';
import type { InstanceActivity, PoolPolicy } from '../../src/store/pool-ports.js';

const MIN = 60_000;
const NOW = Date.UTC(2026, 10, 26, 12, 0);
const policy: PoolPolicy = {
  minCapacity: 0,
  wakeCapacity: 1,
  maxCapacity: 4,
  sessionsPerInstance: 4,
  idleMinutes: 30,
  activity: 'sessions',
  cpuThresholdPercent: 5,
};

const running = (instanceId: string, createdAt = NOW - 120 * MIN): PoolInstance => ({
  instanceId,
  power: 'running',
  deleting: false,
  protectedFromScaleIn: false,
  createdAt,
});
const seen = (instanceId: string, sessions: number, lastSessionAgoMin?: number): InstanceActivity => ({
  instanceId,
  sessions,
  reportedAt: NOW - 30_000,
  ...(lastSessionAgoMin !== undefined ? { lastSessionAt: NOW - lastSessionAgoMin * MIN } : {}),
});
const input = (over: Partial<PoolPlanInput>): PoolPlanInput => ({
  policy,
  floor: 0,
  capacity: 0,
  instances: [],
  activity: [],
  now: NOW,
  ...over,
});

describe('planPool', () => {
  it('leaves an empty pool with no one asking at zero', () => {
    expect(planPool(input({}))).toMatchObject({ change: 'none', wanted: 0 });
  });

  it('after an enforced Stop’s grace, goes down to the floor whatever the sessions: the quietest first, protected ones stay', () => {
    const instances = [
      running('1'),
      running('2'),
      running('3'),
      { ...running('4'), protectedFromScaleIn: true },
    ];
    const activity = [seen('1', 3), seen('2', 0, 40), seen('3', 1), seen('4', 2)];
    const ended = planPool(input({ floor: 1, capacity: 4, instances, activity, sessionsEnded: true }));
    // Down to a floor of one: the protected fourth is that one, and the three others go, the idle one first.
    expect(ended).toMatchObject({ change: 'remove', reason: 'enforced', from: 4, to: 1, sessions: 6 });
    expect(ended.change === 'remove' && ended.instanceIds).toEqual(['2', '1', '3']);
    // Without it, sessions keep theirs: only the idle one goes.
    expect(planPool(input({ floor: 1, capacity: 4, instances, activity }))).toMatchObject({
      change: 'remove',
      reason: 'idle',
      instanceIds: ['2'],
    });
  });

  it('raises an empty pool to one instance on a wake', () => {
    expect(planPool(input({ lastWake: NOW - 10_000 }))).toMatchObject({
      change: 'scaleOut',
      capacity: 1,
      from: 0,
      reason: 'wake',
    });
  });

  it('raises the pool to the floor of a Start window', () => {
    expect(planPool(input({ floor: 2 }))).toMatchObject({ change: 'scaleOut', capacity: 2, reason: 'floor' });
  });

  it('scales out when the sessions need more instances, never past maxCapacity', () => {
    const instances = [running('0'), running('1')];
    const activity = [seen('0', 4, 0), seen('1', 4, 0)];
    expect(
      planPool(input({ capacity: 2, instances, activity, waiting: { count: 3, reportedAt: NOW } })),
    ).toMatchObject({
      change: 'scaleOut',
      capacity: 3,
      reason: 'demand',
    });
    expect(
      planPool(input({ capacity: 2, instances, activity, waiting: { count: 30, reportedAt: NOW } })),
    ).toMatchObject({ change: 'scaleOut', capacity: 4 });
  });

  it('removes only instances idle for idleMinutes, idlest first, and never one with a session', () => {
    const instances = [running('0'), running('1'), running('2'), running('3')];
    const activity = [seen('0', 1, 0), seen('1', 0, 31), seen('2', 0, 29), seen('3', 0, 90)];
    expect(planPool(input({ capacity: 4, instances, activity }))).toEqual({
      change: 'remove',
      instanceIds: ['3', '1'],
      from: 4,
      to: 2,
      reason: 'idle',
      sessions: 1,
    });
  });

  it('keeps the floor even when every instance is idle', () => {
    const instances = [running('0'), running('1'), running('2')];
    const activity = [seen('0', 0, 60), seen('1', 0, 61), seen('2', 0, 62)];
    expect(planPool(input({ floor: 1, capacity: 3, instances, activity }))).toMatchObject({
      change: 'remove',
      instanceIds: ['2', '1'],
    });
  });

  it('keeps an instance whose reporter went quiet while its last session is recent', () => {
    const stale: InstanceActivity = {
      instanceId: '0',
      sessions: 2,
      reportedAt: NOW - 10 * MIN,
      lastSessionAt: NOW - 10 * MIN,
    };
    expect(planPool(input({ capacity: 1, instances: [running('0')], activity: [stale] }))).toMatchObject({
      change: 'none',
    });
  });

  it('keeps a new instance for idleMinutes after it was created, and after a wake', () => {
    expect(planPool(input({ capacity: 1, instances: [running('0', NOW - 5 * MIN)] }))).toMatchObject({
      change: 'none',
    });
    expect(
      planPool(input({ capacity: 1, instances: [running('0')], lastWake: NOW - 29 * MIN })),
    ).toMatchObject({ change: 'none' });
    expect(planPool(input({ capacity: 1, instances: [running('0')] }))).toMatchObject({
      change: 'remove',
      instanceIds: ['0'],
    });
  });

  it('never removes a protected instance or counts one being deleted', () => {
    const protectedOne = { ...running('0'), protectedFromScaleIn: true };
    const deleting = { ...running('1'), deleting: true };
    expect(planPool(input({ capacity: 1, instances: [protectedOne, deleting] }))).toMatchObject({
      change: 'none',
    });
  });

  it('holds these properties for any pool', () => {
    const arbitraryInstance = fc.record({
      power: fc.constantFrom<PoolInstance['power']>('running', 'starting', 'stopped', 'stopping'),
      deleting: fc.boolean(),
      protectedFromScaleIn: fc.boolean(),
      ageMin: fc.integer({ min: 0, max: 600 }),
      sessions: fc.option(fc.integer({ min: 0, max: 9 })),
      lastSessionAgoMin: fc.option(fc.integer({ min: 0, max: 600 })),
    });
    fc.assert(
      fc.property(
        fc.array(arbitraryInstance, { maxLength: 8 }),
        fc.integer({ min: 0, max: 3 }),
        fc.option(fc.integer({ min: 0, max: 120 })),
        fc.integer({ min: 0, max: 12 }),
        (raw, floor, wakeAgoMin, waiting) => {
          const instances = raw.map((r, i) => ({
            instanceId: String(i),
            power: r.power,
            deleting: r.deleting,
            protectedFromScaleIn: r.protectedFromScaleIn,
            createdAt: NOW - r.ageMin * MIN,
          }));
          const activity = raw.flatMap((r, i) =>
            r.sessions === null ? [] : [seen(String(i), r.sessions, r.lastSessionAgoMin ?? undefined)],
          );
          const plan = planPool(
            input({
              floor,
              capacity: instances.filter((i) => !i.deleting).length,
              instances,
              activity,
              waiting: { count: waiting, reportedAt: NOW },
              ...(wakeAgoMin !== null ? { lastWake: NOW - wakeAgoMin * MIN } : {}),
            }),
          );
          if (plan.change === 'scaleOut') expect(plan.capacity).toBeLessThanOrEqual(policy.maxCapacity);
          if (plan.change === 'remove') {
            for (const id of plan.instanceIds) {
              const raw0 = raw[Number(id)]!;
              expect(raw0.deleting || raw0.protectedFromScaleIn).toBe(false);
              expect(raw0.sessions ?? 0).toBe(0);
              // Every serving instance removed has been idle for idleMinutes.
              if (raw0.power === 'running' || raw0.power === 'starting') {
                const lastActive = Math.max(
                  raw0.sessions === null || raw0.lastSessionAgoMin === null
                    ? -Infinity
                    : -raw0.lastSessionAgoMin,
                  -raw0.ageMin,
                );
                expect(-lastActive).toBeGreaterThanOrEqual(policy.idleMinutes);
              }
            }
            const servingLeft = instances.filter(
              (i) =>
                !i.deleting &&
                !plan.instanceIds.includes(i.instanceId) &&
                (i.power === 'running' || i.power === 'starting'),
            ).length;
            const servingBefore = instances.filter(
              (i) => !i.deleting && (i.power === 'running' || i.power === 'starting'),
            ).length;
            // Stopped instances may go first (the next round scales out): serving never drops below the floor.
            expect(servingLeft).toBeGreaterThanOrEqual(Math.min(floor, servingBefore));
          }
        },
      ),
    );
  });
});

describe('planIdleMachine', () => {
  const rule = { idleMinutes: 30, activity: 'sessions' as const, cpuThresholdPercent: 5 };
  it('stops a running machine with no session for idleMinutes', () => {
    expect(planIdleMachine({ rule, power: 'running', activity: seen('', 0, 31), now: NOW })).toBe('stop');
  });
  it('leaves a machine with a session, a recent one, a recent start or wake, or one not running', () => {
    expect(planIdleMachine({ rule, power: 'running', activity: seen('', 1, 0), now: NOW })).toBe('none');
    expect(planIdleMachine({ rule, power: 'running', activity: seen('', 0, 29), now: NOW })).toBe('none');
    expect(planIdleMachine({ rule, power: 'running', lastStartAt: NOW - 10 * MIN, now: NOW })).toBe('none');
    expect(planIdleMachine({ rule, power: 'running', lastWake: NOW - 10 * MIN, now: NOW })).toBe('none');
    expect(planIdleMachine({ rule, power: 'stopped', activity: seen('', 0, 90), now: NOW })).toBe('none');
  });
  it('stops a machine that never reported once it has run idleMinutes since it was started', () => {
    expect(planIdleMachine({ rule, power: 'running', lastStartAt: NOW - 31 * MIN, now: NOW })).toBe('stop');
  });
});
