// What a perfect scheduler would have spent on a pool: computed from the scenario alone (its sessions, its
// connects, its schedule's floor and the policy), never from what the pipeline did, so `simulate` can say how
// close the real reconciler came. Minute by minute, the oracle keeps exactly the instances the sessions
// need, each for `idleMinutes` after its last session, and never fewer than the schedule's floor.

import { desiredStateAt, timeline, type ScheduleEntry } from '../../src/schedule/index.js';
import type { PoolPolicy } from '../../src/store/pool-ports.js';
import type { ScenarioActivity, ScenarioConnect } from './scenario.js';

const MINUTE_MS = 60_000;

export interface PoolDemand {
  policy: PoolPolicy;
  entries: ScheduleEntry[];
  registeredAt: number;
  /** This pool's sessions and connects, from the scenario. */
  activity: ScenarioActivity[];
  connects: ScenarioConnect[];
}

/** Sessions open at `t` on the pool. */
export function sessionsAt(activity: readonly ScenarioActivity[], t: number): number {
  let sessions = 0;
  for (const a of activity) if (a.from <= t && t < a.to) sessions += a.sessions;
  return sessions;
}

/**
 * The schedule's floor for each minute from `from`: `wakeCapacity` inside a Start window, `minCapacity`
 * otherwise. One timeline read, not a look-back per minute.
 */
export function floors(demand: PoolDemand, from: number, minutes: number): number[] {
  const { policy } = demand;
  const floorOf = (state: string | undefined) =>
    state === 'Running' ? policy.wakeCapacity : policy.minCapacity;
  const points = timeline(demand.entries, from + 1, from + minutes * MINUTE_MS, demand.registeredAt);
  let current = floorOf(desiredStateAt(demand.entries, from, demand.registeredAt));
  const out: number[] = [];
  let next = 0;
  for (let m = 0; m < minutes; m++) {
    const t = from + m * MINUTE_MS;
    while (next < points.length && points[next]!.at <= t) current = floorOf(points[next++]!.desiredState);
    out.push(current);
  }
  return out;
}

/** Instances the sessions need at `t`, one after a connect, capped at `maxCapacity`. */
function neededAt(demand: PoolDemand, t: number): number {
  const { policy } = demand;
  const sessions = sessionsAt(demand.activity, t);
  const connected = demand.connects.some((c) => c.at <= t && t - c.at < MINUTE_MS);
  return Math.min(
    policy.maxCapacity,
    Math.max(Math.ceil(sessions / policy.sessionsPerInstance), connected ? 1 : 0),
  );
}

export interface OracleFigures {
  /** Node-hours of the perfect scheduler. */
  oracleNodeHours: number;
  /** Node-hours of the smallest pool that, always on, would have served every session: peak need × hours. */
  alwaysOnNodeHours: number;
  /** Per minute from `from`: the oracle's capacity (what `simulate` compares the real pool against). */
  capacity: number[];
}

/** The oracle over [from, to), minute by minute. */
export function oracle(demand: PoolDemand, from: number, to: number): OracleFigures {
  const idle = demand.policy.idleMinutes;
  const minutes = Math.max(0, Math.floor((to - from) / MINUTE_MS));
  const needed = Array.from({ length: minutes }, (_, m) => neededAt(demand, from + m * MINUTE_MS));
  const floor = floors(demand, from, minutes);
  const capacity: number[] = [];
  let peak = 0;
  for (let m = 0; m < minutes; m++) {
    let kept = 0;
    for (let back = Math.max(0, m - idle + 1); back <= m; back++) kept = Math.max(kept, needed[back]!);
    capacity.push(Math.min(demand.policy.maxCapacity, Math.max(floor[m]!, kept)));
    peak = Math.max(peak, Math.max(floor[m]!, needed[m]!));
  }
  const sum = capacity.reduce((a, b) => a + b, 0);
  return { oracleNodeHours: sum / 60, alwaysOnNodeHours: (peak * minutes) / 60, capacity };
}

/** The p-th percentile (0–100) of the values, by nearest rank; undefined for none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
