// People working on the emulated machines: sessions placed on running pool instances (or on a single VM or
// compute instance), waiting when no seat is free, interrupted when their machine goes away; the CPU load they
// cause, minute by minute, for Azure Monitor; and the node-minutes the machines bill, for the simulator.

import type { Resource } from './resource.js';
import { shownInstancePower, type ScaleSetInstance } from './scale-sets.js';
import { shownVmPower } from './virtual-machines.js';

/** `Percentage CPU` of a machine that serves nobody, and what each session adds (capped at 100). */
export const IDLE_CPU_PERCENT = 1.5;
export const CPU_PERCENT_PER_SESSION = 20;
/** How far back CPU history is kept, for Azure Monitor's queries. */
const CPU_HISTORY_MS = 2 * 60 * 60_000;

/** A machine's sessions and what they cost, as the control API reports them. */
export interface WorkloadReport {
  /** Sessions one instance seats (a single machine: unlimited, shown as null). */
  seatsPerInstance: number | null;
  /** Sessions people want now: placed plus waiting. */
  demand: number;
  /** Sessions placed, by instance id ('' for a single machine); instances without any are left out. */
  sessions: Record<string, number>;
  /** Sessions that found no free seat on a running machine. */
  waiting: number;
  /** Sessions whose machine was deleted, deallocated or stopped under them, since the emulator started. */
  interrupted: number;
  /** Minutes of compute billed (instances or the machine not deallocated/stopped), since it was added. */
  nodeMinutes: number;
}

/** One step of demand over time: from `at` on, `sessions` want a seat. */
export interface DemandStep {
  at: number;
  sessions: number;
}

interface Sessions {
  seatsPerInstance: number;
  waiting: number;
  interrupted: number;
  placed: Map<string, number>;
  /** Demand changes still to come, oldest first. */
  plan: DemandStep[];
}

/** A machine's load over time: sessions while it serves, undefined while it does not. */
interface LoadChange {
  at: number;
  sessions: number | undefined;
}

/** A machine's billed time so far, added up to `since`. */
interface Billing {
  ms: number;
  since: number;
}

/**
 * Kept lazily, per machine: billed time is added up to now when the machine is about to change or is
 * reported (billed time between two changes depends only on the state it shows, so adding it up in one go or
 * in pieces gives the same), and sessions and load move when something changes or falls due for that machine.
 * A fleet of thousands costs nothing for the machines nothing happened to.
 */
export class Workloads {
  private readonly sessions = new Map<string, Sessions>();
  private readonly billing = new Map<string, Billing>();
  /** Per resource key and instance id, load changes oldest first. */
  private readonly load = new Map<string, Map<string, LoadChange[]>>();

  /** Sets a machine's demand from now on (and its seats per instance, for a pool), dropping any plan. */
  setDemand(resource: Resource, sessions: number, seatsPerInstance?: number): void {
    const state = this.stateOf(resource, seatsPerInstance);
    state.plan = [];
    this.applyDemand(state, sessions);
  }

  /** Demand that changes over time; steps apply as the clock reaches them. */
  planDemand(resource: Resource, steps: readonly DemandStep[], seatsPerInstance?: number): void {
    const state = this.stateOf(resource, seatsPerInstance);
    state.plan = [...steps].sort((a, b) => a.at - b.at);
  }

  /** A machine just added bills from its creation (one re-added under an old id keeps what it billed before). */
  added(resource: Resource): void {
    const billing = this.billing.get(resource.key);
    if (billing) billing.since = resource.createdAt;
    else this.billing.set(resource.key, { ms: 0, since: resource.createdAt });
  }

  /**
   * Adds the machine's billed time from the last time this was done up to `now`, judged by what it shows: call
   * it before the machine changes. A machine on its way to deallocated bills until its change ends.
   */
  accrue(resource: Resource, now: number): void {
    let billing = this.billing.get(resource.key);
    if (!billing) {
      billing = { ms: 0, since: resource.createdAt };
      this.billing.set(resource.key, billing);
    }
    if (now <= billing.since) return;
    billing.ms += billedBetween(resource, billing.since, now);
    billing.since = now;
  }

  /**
   * After the changes due by `now`: demand steps that are due, sessions on a machine that no longer serves are
   * interrupted (they wait again: people reconnect), waiting sessions take free seats, and load is recorded.
   * With nothing changed or due for the machine since the last time, this changes nothing.
   */
  serve(resource: Resource, now: number): void {
    const state = this.sessions.get(resource.key);
    if (state) {
      while (state.plan[0] && state.plan[0].at <= now) this.applyDemand(state, state.plan.shift()!.sessions);
      const serving = servingSeats(resource);
      interrupt(state, serving);
      place(state, serving);
    }
    this.recordLoad(resource, now);
  }

  /** When the machine's next demand step applies, if it has one to come. */
  nextDemandAt(resource: Resource): number | undefined {
    return this.sessions.get(resource.key)?.plan[0]?.at;
  }

  report(resource: Resource): WorkloadReport {
    const state = this.sessions.get(resource.key);
    const sessions: Record<string, number> = {};
    for (const [id, count] of state?.placed ?? []) if (count > 0) sessions[id] = count;
    const placed = Object.values(sessions).reduce((sum, n) => sum + n, 0);
    const seats = state?.seatsPerInstance ?? Number.POSITIVE_INFINITY;
    return {
      seatsPerInstance: Number.isFinite(seats) ? seats : null,
      demand: placed + (state?.waiting ?? 0),
      sessions,
      waiting: state?.waiting ?? 0,
      interrupted: state?.interrupted ?? 0,
      nodeMinutes: (this.billing.get(resource.key)?.ms ?? 0) / 60_000,
    };
  }

  /**
   * Average `Percentage CPU` of each whole minute from `from` to `to`, per instance ('' for a single
   * machine); a minute in which the machine never served has no average. Its load is recorded as of `now`
   * first, and history older than what Azure Monitor is asked for is let go as of `now`.
   */
  cpuByMinute(
    resource: Resource,
    { from, to, now }: { from: number; to: number; now: number },
  ): { instanceId: string; points: { at: number; average?: number }[] }[] {
    this.recordLoad(resource, now);
    const series: { instanceId: string; points: { at: number; average?: number }[] }[] = [];
    for (const [instanceId, changes] of this.load.get(resource.key) ?? []) {
      const points: { at: number; average?: number }[] = [];
      for (let at = Math.ceil(from / 60_000) * 60_000; at + 60_000 <= to; at += 60_000) {
        const average = averageCpu(changes, at, at + 60_000);
        points.push(average === undefined ? { at } : { at, average });
      }
      series.push({ instanceId, points });
    }
    return series;
  }

  private stateOf(resource: Resource, seatsPerInstance: number | undefined): Sessions {
    let state = this.sessions.get(resource.key);
    if (!state) {
      state = {
        seatsPerInstance: Number.POSITIVE_INFINITY,
        waiting: 0,
        interrupted: 0,
        placed: new Map(),
        plan: [],
      };
      this.sessions.set(resource.key, state);
    }
    if (resource.kind === 'pool' && seatsPerInstance !== undefined) state.seatsPerInstance = seatsPerInstance;
    return state;
  }

  /** More demand waits for seats; less ends waiting sessions first, then those on the least busy machines. */
  private applyDemand(state: Sessions, sessions: number): void {
    let total = state.waiting + [...state.placed.values()].reduce((sum, n) => sum + n, 0);
    if (sessions > total) state.waiting += sessions - total;
    while (total > sessions) {
      if (state.waiting > 0) state.waiting--;
      else {
        const [id] = [...state.placed].filter(([, n]) => n > 0).sort(leastBusyFirst)[0]!;
        state.placed.set(id, state.placed.get(id)! - 1);
      }
      total--;
    }
  }

  private recordLoad(resource: Resource, now: number): void {
    const serving = servingSeats(resource);
    const placed = this.sessions.get(resource.key)?.placed;
    const machines =
      resource.kind === 'pool'
        ? resource.instances.map((i) => ({ id: i.instanceId, createdAt: i.createdAt }))
        : [{ id: '', createdAt: resource.createdAt }];
    const history = this.load.get(resource.key) ?? new Map<string, LoadChange[]>();
    this.load.set(resource.key, history);
    for (const { id, createdAt } of machines) {
      const changes = history.get(id) ?? [];
      const sessions = serving.has(id) ? (placed?.get(id) ?? 0) : undefined;
      // Nothing moved a machine seen for the first time since it was added as it is.
      if (changes.length === 0) changes.push({ at: Math.min(now, createdAt), sessions });
      else if (changes[changes.length - 1]!.sessions !== sessions) changes.push({ at: now, sessions });
      history.set(id, changes);
    }
    const current = new Set(machines.map((m) => m.id));
    for (const [id, changes] of history) {
      if (!current.has(id) && changes[changes.length - 1]!.sessions !== undefined) {
        changes.push({ at: now, sessions: undefined });
      }
    }
    forgetOldLoad(history, current, now);
  }
}

/**
 * Keeps the load change in effect `CPU_HISTORY_MS` before `now` and those after it; an instance gone since
 * then is forgotten. Letting go later than that never changes what a query as of `now` sees.
 */
function forgetOldLoad(history: Map<string, LoadChange[]>, current: Set<string>, now: number): void {
  for (const [id, changes] of history) {
    while (changes.length > 1 && changes[1]!.at < now - CPU_HISTORY_MS) changes.shift();
    if (!current.has(id) && changes.length === 1 && changes[0]!.at < now - CPU_HISTORY_MS) history.delete(id);
  }
}

/** The machines of a resource that can hold sessions now: running and not being removed. */
function servingSeats(resource: Resource): Set<string> {
  switch (resource.kind) {
    case 'pool':
      return new Set(resource.instances.filter(serves).map((i) => i.instanceId));
    case 'vm':
      return new Set(shownVmPower(resource) === 'running' && !resource.deleting ? [''] : []);
    case 'computeInstance':
      return new Set(
        (resource.state === 'Running' || resource.state === 'JobRunning') && !resource.deleting ? [''] : [],
      );
  }
}

function serves(instance: ScaleSetInstance): boolean {
  return instance.removalEndsAt === undefined && shownInstancePower(instance) === 'running';
}

function interrupt(state: Sessions, serving: Set<string>): void {
  for (const [id, count] of state.placed) {
    if (serving.has(id)) continue;
    state.interrupted += count;
    state.waiting += count;
    state.placed.delete(id);
  }
}

/** Waiting sessions fill the busiest machine that has a free seat first, so idle ones stay idle. */
function place(state: Sessions, serving: Set<string>): void {
  while (state.waiting > 0) {
    const free = [...serving]
      .map((id): [string, number] => [id, state.placed.get(id) ?? 0])
      .filter(([, n]) => n < state.seatsPerInstance)
      .sort((a, b) => b[1] - a[1] || compareIds(a[0], b[0]))[0];
    if (!free) return;
    state.placed.set(free[0], free[1] + 1);
    state.waiting--;
  }
}

function leastBusyFirst(a: [string, number], b: [string, number]): number {
  return a[1] - b[1] || compareIds(b[0], a[0]);
}

function compareIds(a: string, b: string): number {
  return Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0);
}

function cpuOf(sessions: number): number {
  return Math.min(100, IDLE_CPU_PERCENT + CPU_PERCENT_PER_SESSION * sessions);
}

/** Time-weighted CPU over [from, to) while the machine served; undefined when it never did. */
function averageCpu(changes: readonly LoadChange[], from: number, to: number): number | undefined {
  let weighted = 0;
  let served = 0;
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i]!;
    const start = Math.max(from, change.at);
    const end = Math.min(to, changes[i + 1]?.at ?? Number.POSITIVE_INFINITY);
    if (end <= start || change.sessions === undefined) continue;
    weighted += cpuOf(change.sessions) * (end - start);
    served += end - start;
  }
  return served === 0 ? undefined : Math.round((weighted / served) * 100) / 100;
}

/** How long within [from, to) the resource billed, judged by what it shows at `from`. */
function billedBetween(resource: Resource, from: number, to: number): number {
  switch (resource.kind) {
    case 'pool':
      return resource.instances.reduce((sum, i) => sum + instanceBilled(i, from, to), 0);
    case 'vm': {
      const power = shownVmPower(resource);
      if (power === 'deallocated') return 0;
      const until = resource.transition?.to === 'deallocated' ? resource.busyWith?.completesAt : undefined;
      return Math.max(0, Math.min(to, until ?? to) - from);
    }
    case 'computeInstance': {
      if (resource.state === 'Stopped') return 0;
      const until = resource.transition?.to === 'Stopped' ? resource.busyWith?.completesAt : undefined;
      return Math.max(0, Math.min(to, until ?? to) - from);
    }
  }
}

function instanceBilled(instance: ScaleSetInstance, from: number, to: number): number {
  const start = Math.max(from, instance.createdAt);
  if (instance.power === 'deallocated' && !instance.transition) return 0;
  let until = to;
  if (instance.removalEndsAt !== undefined) until = Math.min(until, instance.removalEndsAt);
  if (instance.transition?.to === 'deallocated') until = Math.min(until, instance.transition.endsAt);
  return Math.max(0, until - start);
}
