// The capacity rule of a pool, as a pure function of what the reconciler read: the policy, the floor the
// schedule sets now, the pool's instances, their sessions and the last wake. No I/O and no clock: the same
// inputs give the same plan, so the rule is tested on its own (test/engine/pool-plan.test.ts) and the
// reconciler around it only reads, acts and records. The rule is written out in docs/pools.md.

import type { PoolInstance } from '../compute/pool-gateway.js';
import type { PowerState } from '../compute/gateway.js';
import type { IdleRule, InstanceActivity, PoolPolicy } from '../store/pool-ports.js';

/** A session count older than this is not believed: the reporter may have died with the machine. */
export const REPORT_FRESH_FOR_MS = 5 * 60_000;

export interface PoolPlanInput {
  policy: PoolPolicy;
  /** `wakeCapacity` inside a Start window of the schedule, `minCapacity` after a Stop or without a schedule. */
  floor: number;
  /** `sku.capacity` as read. */
  capacity: number;
  instances: PoolInstance[];
  /** Sessions per instance (pool instance ids); instances without a row have never reported. */
  activity: InstanceActivity[];
  /** Sessions waiting for a place, when fresh. */
  waiting?: { count: number; reportedAt: number };
  /** The newest wake or connect request (UTC ms). */
  lastWake?: number;
  /**
   * An enforced Stop whose grace has run out: only the floor stays, sessions or not. Its people were told
   * (the Stop's warning) and given the grace; this is what "enforced" asks for.
   */
  sessionsEnded?: boolean;
  now: number;
}

/** Why the plan changes the pool, for the run it records. */
export type PlanReason = 'floor' | 'demand' | 'wake' | 'idle' | 'enforced';

export type PoolPlan =
  | { change: 'none'; wanted: number; serving: number; sessions: number }
  | { change: 'scaleOut'; capacity: number; from: number; reason: PlanReason; sessions: number }
  | {
      change: 'remove';
      instanceIds: string[];
      from: number;
      to: number;
      reason: 'idle' | 'enforced';
      sessions: number;
    };

const serves = (i: PoolInstance) => i.power === 'running' || i.power === 'starting';

/** The instances that serve sessions now: running or starting, and not being deleted. */
export function servingInstances(instances: readonly PoolInstance[]): PoolInstance[] {
  return instances.filter((i) => !i.deleting && serves(i));
}

/**
 * What the pool should do now:
 * - wanted = the floor, or what the sessions need (ceil(sessions / sessionsPerInstance), at least one after
 *   a wake within `idleMinutes`), whichever is more, and never above `maxCapacity`;
 * - more instances serving than wanted are removed only when they have had no session for `idleMinutes`
 *   (and none since the last wake), idlest first; an instance with a session is never removed;
 * - fewer serving than wanted raises the capacity; a pool never scales out and in in the same round.
 */
export function planPool(input: PoolPlanInput): PoolPlan {
  const { policy, now } = input;
  const live = input.instances.filter((i) => !i.deleting);
  const sessions = sessionsNow(input);
  if (input.sessionsEnded) return endSessions(input, live, sessions);
  const idleMs = policy.idleMinutes * 60_000;
  const wokenRecently = input.lastWake !== undefined && now - input.lastWake < idleMs;
  const demand = Math.max(Math.ceil(sessions.total / policy.sessionsPerInstance), wokenRecently ? 1 : 0);
  const wanted = Math.min(Math.max(input.floor, demand), policy.maxCapacity);
  const serving = servingInstances(live);
  // Instances Azure is still creating may not be listed yet: the capacity counts them.
  const present = Math.max(input.capacity, live.length);
  if (serving.length < wanted && present < wanted) {
    const reason: PlanReason = demand > input.floor ? (sessions.total > 0 ? 'demand' : 'wake') : 'floor';
    return { change: 'scaleOut', capacity: wanted, from: present, reason, sessions: sessions.total };
  }
  const removable = removableInstances(input, live, sessions.byInstance, idleMs);
  return removeDownTo(wanted, { removable, serving, present, sessions: sessions.total }, 'idle');
}

/**
 * Removes, of the removable instances (in the order they should go), the stopped ones, which serve no one,
 * and serving ones only down to `wanted`; no change when none of them goes.
 */
function removeDownTo(
  wanted: number,
  pool: { removable: PoolInstance[]; serving: PoolInstance[]; present: number; sessions: number },
  reason: 'idle' | 'enforced',
): PoolPlan {
  const { removable, serving, present, sessions } = pool;
  const spare = Math.max(0, serving.length - wanted);
  const chosen = [...removable.filter((i) => !serves(i)), ...removable.filter(serves).slice(0, spare)];
  if (chosen.length === 0) return { change: 'none', wanted, serving: serving.length, sessions };
  const instanceIds = chosen.map((i) => i.instanceId);
  return { change: 'remove', instanceIds, from: present, to: present - chosen.length, reason, sessions };
}

/**
 * After an enforced Stop's grace: down to the floor whatever the sessions, stopped instances first, then
 * those without a fresh session, then the idlest. Instances protected from scale-in still stay: someone
 * protected them on purpose, and that is theirs to undo.
 */
function endSessions(
  input: PoolPlanInput,
  live: PoolInstance[],
  sessions: { total: number; byInstance: Map<string, InstanceActivity> },
): PoolPlan {
  const seen = (i: PoolInstance) => sessions.byInstance.get(i.instanceId);
  const busy = (i: PoolInstance) => (seen(i)?.sessions ?? 0) > 0;
  const serving = servingInstances(live);
  const wanted = Math.min(input.floor, input.policy.maxCapacity);
  const present = Math.max(input.capacity, live.length);
  const removable = live
    .filter((i) => !i.protectedFromScaleIn)
    .sort(
      (a, b) =>
        Number(serves(a)) - Number(serves(b)) ||
        Number(busy(a)) - Number(busy(b)) ||
        (seen(a)?.lastSessionAt ?? 0) - (seen(b)?.lastSessionAt ?? 0) ||
        a.instanceId.localeCompare(b.instanceId),
    );
  return removeDownTo(wanted, { removable, serving, present, sessions: sessions.total }, 'enforced');
}

/** Sessions now: believed per instance when freshly reported, plus those waiting for a place. */
function sessionsNow(input: PoolPlanInput): { total: number; byInstance: Map<string, InstanceActivity> } {
  const byInstance = new Map(input.activity.map((a) => [a.instanceId, a]));
  let total = 0;
  for (const instance of input.instances) {
    if (instance.deleting) continue;
    const seen = byInstance.get(instance.instanceId);
    if (seen && input.now - seen.reportedAt <= REPORT_FRESH_FOR_MS) total += seen.sessions;
  }
  const waiting = input.waiting;
  if (waiting && input.now - waiting.reportedAt <= REPORT_FRESH_FOR_MS) total += waiting.count;
  return { total, byInstance };
}

/**
 * Instances that may go, in the order to remove them: stopped ones first (they serve no one), then those
 * idle longest. An instance is idle when it has no fresh session and neither a session, its creation nor a
 * wake happened within `idleMs`; one without a fresh report but with a recent session is kept, so a reporter
 * that missed a minute never ends a session.
 */
function removableInstances(
  input: PoolPlanInput,
  live: PoolInstance[],
  activity: Map<string, InstanceActivity>,
  idleMs: number,
): PoolInstance[] {
  const lastActive = (i: PoolInstance) =>
    Math.max(activity.get(i.instanceId)?.lastSessionAt ?? 0, i.createdAt ?? 0, input.lastWake ?? 0);
  const busy = (i: PoolInstance) => {
    const seen = activity.get(i.instanceId);
    return seen !== undefined && seen.sessions > 0 && input.now - seen.reportedAt <= REPORT_FRESH_FOR_MS;
  };
  return live
    .filter((i) => !i.protectedFromScaleIn && !busy(i))
    .filter((i) => !serves(i) || input.now - lastActive(i) >= idleMs)
    .sort(
      (a, b) =>
        Number(serves(a)) - Number(serves(b)) ||
        lastActive(a) - lastActive(b) ||
        Number(a.instanceId) - Number(b.instanceId) ||
        a.instanceId.localeCompare(b.instanceId),
    );
}

export interface IdleMachineInput {
  rule: IdleRule;
  power: PowerState;
  /** The machine's own row ('' instance), when a reporter or CPU reading has written one. */
  activity?: InstanceActivity;
  lastWake?: number;
  /** When the scheduler last started it (the newest Start in its history). */
  lastStartAt?: number;
  /** When the idle policy was set: a machine is never idle for longer than it has been watched. */
  policySetAt?: number;
  now: number;
}

/**
 * Whether a single VM or compute instance should be stopped for idleness: it is running, has no fresh
 * session, and neither a session, a start, a wake nor the policy itself is younger than `idleMinutes`.
 */
export function planIdleMachine(input: IdleMachineInput): 'stop' | 'none' {
  if (input.power !== 'running') return 'none';
  const seen = input.activity;
  if (seen && seen.sessions > 0 && input.now - seen.reportedAt <= REPORT_FRESH_FOR_MS) return 'none';
  const lastActive = Math.max(
    seen?.lastSessionAt ?? 0,
    input.lastWake ?? 0,
    input.lastStartAt ?? 0,
    input.policySetAt ?? 0,
  );
  return input.now - lastActive >= input.rule.idleMinutes * 60_000 ? 'stop' : 'none';
}
