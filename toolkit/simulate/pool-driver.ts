// The pool side of `simulate`: puts the scenario's pool and idle policies through the API, hands the
// scenario's sessions to the emulator's people (its workload model places them, makes them wait, counts them
// interrupted and bills node-minutes), plays their reporter and their connects each minute, counts ARM reads
// and writes per machine, and at the end reports per pool what it used against an always-on pool and the
// oracle (`pool-oracle.ts`).

import { validateSchedules } from '../../src/schedule/index.js';
import type { PoolPolicy } from '../../src/store/pool-ports.js';
import type { ArmEmulator } from '../arm-emulator/index.js';
import { reporterView, servingOf } from '../arm-emulator/reporter-view.js';
import { floors, oracle, percentile, sessionsAt } from './pool-oracle.js';
import { ScenarioError, type Scenario, type ScenarioActivity, type ScenarioConnect } from './scenario.js';

const MINUTE_MS = 60_000;

/** Calls one of the registry's HTTP functions as the simulator's admin. */
export type CallApi = (
  name: string,
  init: { method: string; url: string; body?: unknown; params?: Record<string, string> },
) => Promise<{ status: number; body: unknown }>;

/**
 * PUTs a scenario target's setting (`/api/targets/{id}/{path}`) through the API.
 * @throws ScenarioError at `pointer` (plus the API's own pointer) when the API refuses it
 */
export async function putSetting(
  call: CallApi,
  name: string,
  { id, path, body, pointer }: { id: string; path: string; body: unknown; pointer: string },
): Promise<{ status: number; body: unknown }> {
  const put = await call(name, {
    method: 'PUT',
    url: `http://simulator/api/targets/${id}/${path}`,
    params: { id },
    body,
  });
  if (put.status >= 300) {
    const problem = put.body as { errors?: { pointer?: string; reason: string }[]; detail?: string };
    const first = problem.errors?.[0];
    throw new ScenarioError(
      `${pointer}${first?.pointer ?? ''}`,
      first?.reason ?? problem.detail ?? `refused (${put.status})`,
    );
  }
  return put;
}

export interface PoolReport {
  resourceId: string;
  nodeHours: number;
  alwaysOnNodeHours: number;
  oracleNodeHours: number;
  interruptedSessions: number;
  connectToRunningSeconds: { p50: number | null; p99: number | null };
  /** How long people waited for a seat, per episode in which anyone waited (sampled each step). */
  demandWaitSeconds: { p50: number | null; p99: number | null; max: number | null };
  /** Minutes in which more instances served than the floor while nobody had worked for over idleMinutes + 2. */
  idleAboveFloorMinutes: number;
  armReads: number;
  armWrites: number;
  /** Reads per reconcile round that ran (minutes where nothing could change are skipped, see `quietUntil`). */
  armReadsPerRound: number;
}

/** One subscription's ARM requests over the simulated span, as its budget sees them (every caller counted). */
export interface SubscriptionArm {
  subscriptionId: string;
  /** Per minute of the span (minutes with no request count as 0 in the mean). */
  readsPerMinute: { peak: number; mean: number };
  writesPerMinute: { peak: number; mean: number };
  /**
   * The most reads in one second of the virtual clock (the read bucket holds 250 and refills 25 a second).
   * Like the per-minute counts, only requests that reached ARM's buckets: not those the scenario's faults refused.
   */
  readsPerSecondPeak: number;
  /** The start of that second (the first, when several tie); absent with no reads. */
  readsPerSecondPeakAt?: string;
  /** 429s from the emulator's token buckets, by bucket: the budget running out. */
  throttledByBudget: Record<string, number>;
  /** 429s the scenario's faults injected (`faults.throttle`), which say nothing about the budget. */
  injectedThrottles: number;
}

interface ArmTally {
  readsByMinute: Map<number, number>;
  writesByMinute: Map<number, number>;
  readsBySecond: Map<number, number>;
  throttledByBudget: Record<string, number>;
  injectedThrottles: number;
}

const SUBSCRIPTION = /^\/subscriptions\/([^/]+)/i;

const bump = (map: Map<number, number>, key: number) => map.set(key, (map.get(key) ?? 0) + 1);

interface Watched {
  resourceId: string;
  targetId: string;
  kind: 'pool' | 'idle';
  policy: PoolPolicy;
  /** When demand changes: from each step on, that many sessions want a seat. */
  demand: { at: number; sessions: number }[];
  /** Since when someone has been waiting for a seat, if anyone is. */
  waitingSince?: number;
  waits: number[];
  floors: number[];
  connects: ScenarioConnect[];
  /** Connects not yet answered by a running machine with a free seat. */
  waitingConnects: number[];
  connectLatencies: number[];
  /** The last minute anyone had a session or connected. */
  lastActiveAt: number;
  idleAboveFloorMinutes: number;
  /** The last minute counted in idleAboveFloorMinutes: the driver looks several times a minute. */
  lastIdleMinute: number;
  reads: number;
  writes: number;
}

/** The policy as the API stored it (an idle policy reads as a pool of one). */
function policyOf(stored: unknown): PoolPolicy {
  const p = (typeof stored === 'object' && stored !== null ? stored : {}) as Partial<PoolPolicy>;
  return {
    minCapacity: p.minCapacity ?? 0,
    wakeCapacity: p.wakeCapacity ?? 1,
    maxCapacity: p.maxCapacity ?? 1,
    sessionsPerInstance: p.sessionsPerInstance ?? 1,
    idleMinutes: p.idleMinutes ?? 30,
    activity: p.activity ?? 'sessions',
    cpuThresholdPercent: p.cpuThresholdPercent ?? 5,
  };
}

/** The scenario's sessions on one machine as steps of demand: at each start or end, the sessions open then. */
function demandSteps(activity: readonly ScenarioActivity[]): { at: number; sessions: number }[] {
  const instants = [...new Set(activity.flatMap((a) => [a.from, a.to]))].sort((a, b) => a - b);
  return instants.map((at) => ({ at, sessions: sessionsAt(activity, at) }));
}

/** Whether a scenario has anything for the pool driver to do. */
export function hasPools(scenario: Scenario): boolean {
  return scenario.targets.some((t) => t.pool !== undefined || t.idle !== undefined);
}

export class PoolDriver {
  private readonly watched: Watched[] = [];
  private readonly minutes: number;
  private nextConnect = 0;
  private readonly connects: ScenarioConnect[];
  private rounds = 0;
  private readonly bySubscription = new Map<string, ArmTally>();
  private byPath = new Map<string, Watched>();

  constructor(
    private readonly scenario: Scenario,
    private readonly emulator: ArmEmulator,
    private readonly call: CallApi,
  ) {
    this.minutes = Math.ceil((scenario.to - scenario.from) / MINUTE_MS);
    this.connects = [...scenario.connects].sort((a, b) => a.at - b.at);
  }

  /** Puts each target's pool or idle policy through the API; a refused one is named by its pointer. */
  async putPolicies(targetIds: Map<string, string>): Promise<void> {
    for (const [i, target] of this.scenario.targets.entries()) {
      const body = target.pool ?? target.idle;
      if (body === undefined) continue;
      const kind = target.pool !== undefined ? 'pool' : 'idle';
      const id = targetIds.get(target.resourceId.toLowerCase())!;
      const put = await putSetting(this.call, kind === 'pool' ? 'putPool' : 'putIdle', {
        id,
        path: kind,
        body,
        pointer: `/targets/${i}/${kind}`,
      });
      const policy = policyOf(put.body ?? body);
      const { computeStartStop: entries } = validateSchedules(target.schedules, { now: this.scenario.from });
      const key = target.resourceId.toLowerCase();
      const activity = this.scenario.activity.filter((a) => a.resourceId.toLowerCase() === key);
      const demand = { policy, entries, registeredAt: this.scenario.from, activity, connects: [] };
      const steps = demandSteps(activity);
      this.emulator.planSessionDemand(
        target.resourceId,
        steps,
        kind === 'pool' ? { seatsPerInstance: policy.sessionsPerInstance } : {},
      );
      this.watched.push({
        resourceId: target.resourceId,
        targetId: id,
        kind,
        policy,
        demand: steps,
        waits: [],
        floors: kind === 'pool' ? floors(demand, this.scenario.from, this.minutes + 1) : [],
        connects: this.connects.filter((c) => c.resourceId.toLowerCase() === key),
        waitingConnects: [],
        connectLatencies: [],
        // Watching starts with the policy: like the reconciler, the driver gives a pool nobody has used yet
        // idleMinutes from then before calling it idle.
        lastActiveAt: this.scenario.from,
        idleAboveFloorMinutes: 0,
        lastIdleMinute: -Infinity,
        reads: 0,
        writes: 0,
      });
    }
    this.byPath = new Map(this.watched.map((w) => [w.resourceId.toLowerCase(), w]));
  }

  /** Before the minute's timers: sessions open and close, the reporter posts, people open their connect links. */
  async beforeRound(t: number): Promise<void> {
    this.rounds++;
    for (const w of this.watched) {
      const people = this.workload(w);
      if (people.demand > 0) w.lastActiveAt = t;
      const view = reporterView(this.emulator, w.resourceId);
      if (view && (view.serving.length > 0 || view.waiting > 0)) {
        await this.post('reportActivity', w, 'activity', view.report);
      }
    }
    while (this.nextConnect < this.connects.length && this.connects[this.nextConnect]!.at <= t) {
      const connect = this.connects[this.nextConnect++]!;
      const w = this.watched.find((x) => x.resourceId.toLowerCase() === connect.resourceId.toLowerCase());
      if (!w) continue;
      w.lastActiveAt = t;
      w.waitingConnects.push(connect.at);
      await this.post('wakeTarget', w, 'wake', undefined);
    }
  }

  /** After the minute's timers and queues: who lost their machine, who got a seat, what ARM was asked. */
  afterRound(t: number): void {
    this.tallyRequests();
    for (const w of this.watched) {
      const people = this.workload(w);
      const serving = this.serving(w);
      const seats = w.kind === 'pool' ? w.policy.sessionsPerInstance : Infinity;
      const freeSeat = serving.some((id) => (people.sessions[id] ?? 0) < seats);
      if (freeSeat && w.waitingConnects.length > 0) {
        for (const at of w.waitingConnects) w.connectLatencies.push((t - at) / 1000);
        w.waitingConnects = [];
      }
      if (people.waiting > 0) w.waitingSince ??= t;
      else if (w.waitingSince !== undefined) {
        w.waits.push((t - w.waitingSince) / 1000);
        delete w.waitingSince;
      }
      if (w.kind === 'pool') {
        // A floor that just dropped (a scheduled Stop) is followed by the round later in that minute: the
        // pool gets that minute before it counts as above its floor.
        const index = Math.floor((t - this.scenario.from) / MINUTE_MS);
        const floor = Math.max(w.floors[index] ?? 0, w.floors[index - 1] ?? 0);
        const idleFor = t - w.lastActiveAt;
        const minute = Math.floor(t / MINUTE_MS);
        if (
          idleFor > (w.policy.idleMinutes + 2) * MINUTE_MS &&
          serving.length > floor &&
          minute !== w.lastIdleMinute
        ) {
          w.idleAboveFloorMinutes++;
          w.lastIdleMinute = minute;
        }
      }
    }
  }

  /**
   * The next minute that must run from `t`: the next one, unless nothing can change before a later one — no
   * session open or waiting, no connect waiting, every pool serving exactly its floor, every instance settled
   * and no idle machine running — in which case the next session, connect or floor change.
   */
  quietUntil(t: number): number {
    const next = t + MINUTE_MS;
    let until = Infinity;
    for (const w of this.watched) {
      if (this.workload(w).demand > 0 || w.waitingConnects.length > 0) return next;
      const state = this.emulator.stateOf(w.resourceId);
      if (w.kind === 'idle') {
        if (this.serving(w).length > 0 || (state?.kind === 'vm' && state.powerState !== 'deallocated'))
          return next;
      } else {
        if (state?.kind !== 'pool' || state.members.some((m) => m.deleting || m.power !== 'running'))
          return next;
        const index = Math.floor((t - this.scenario.from) / MINUTE_MS);
        if (this.serving(w).length !== (w.floors[index] ?? 0)) return next;
        const change = w.floors.findIndex((f, i) => i > index && f !== w.floors[index]);
        if (change >= 0) until = Math.min(until, this.scenario.from + change * MINUTE_MS);
      }
      const opening = w.demand.find((d) => d.at > t && d.sessions > 0)?.at ?? Infinity;
      until = Math.min(until, Math.ceil(opening / MINUTE_MS) * MINUTE_MS);
    }
    const connect = this.connects[this.nextConnect];
    if (connect) until = Math.min(until, Math.ceil(connect.at / MINUTE_MS) * MINUTE_MS);
    return Math.max(next, until);
  }

  report(): PoolReport[] {
    const end = this.scenario.to;
    return this.watched.map((w) => {
      const used = this.workload(w);
      const demand = {
        policy: w.policy,
        entries: validateSchedules(
          this.scenario.targets.find((t) => t.resourceId === w.resourceId)!.schedules,
          { now: this.scenario.from },
        ).computeStartStop,
        registeredAt: this.scenario.from,
        activity: this.scenario.activity.filter(
          (a) => a.resourceId.toLowerCase() === w.resourceId.toLowerCase(),
        ),
        connects: w.connects,
      };
      const best = w.kind === 'pool' ? oracle(demand, this.scenario.from, end) : undefined;
      const latencies = [...w.connectLatencies, ...w.waitingConnects.map((at) => (end - at) / 1000)];
      const round = (n: number) => Math.round(n * 100) / 100;
      return {
        resourceId: w.resourceId,
        nodeHours: round(used.nodeMinutes / 60),
        alwaysOnNodeHours: round(best?.alwaysOnNodeHours ?? (end - this.scenario.from) / 3_600_000),
        oracleNodeHours: round(best?.oracleNodeHours ?? 0),
        interruptedSessions: used.interrupted,
        connectToRunningSeconds: {
          p50: percentile(latencies, 50) ?? null,
          p99: percentile(latencies, 99) ?? null,
        },
        demandWaitSeconds: {
          p50: percentile(w.waits, 50) ?? null,
          p99: percentile(w.waits, 99) ?? null,
          max: w.waits.length ? Math.max(...w.waits) : null,
        },
        idleAboveFloorMinutes: w.idleAboveFloorMinutes,
        armReads: w.reads,
        armWrites: w.writes,
        armReadsPerRound: this.rounds ? round(w.reads / this.rounds) : 0,
      };
    });
  }

  private workload(w: Watched) {
    const report = this.emulator.workloadOf(w.resourceId);
    if (!report) throw new Error(`simulate: the emulator has no ${w.resourceId}`);
    return report;
  }

  /** Instances (pool) or the machine ('') that serve sessions now: running, not being deleted. */
  private serving(w: Watched): string[] {
    return servingOf(this.emulator.stateOf(w.resourceId));
  }

  private async post(name: string, w: Watched, path: string, body: unknown): Promise<void> {
    await this.call(name, {
      method: 'POST',
      url: `http://simulator/api/targets/${w.targetId}/${path}`,
      params: { id: w.targetId },
      ...(body !== undefined ? { body } : {}),
    });
  }

  /** Counts the minute's ARM requests per watched machine (GET = read) and per subscription, then lets the log go. */
  private tallyRequests(): void {
    for (const request of this.emulator.requests) {
      const read = request.method === 'GET';
      const path = request.path.toLowerCase();
      // A request's machine is its path's first 8 segments (a VM, a scale set) or 10 (a compute instance in
      // its workspace): instances, views and actions follow. Whole segments: pool-1 is not pool-10.
      const segments = path.split('/');
      const hit =
        this.byPath.get(segments.slice(0, 9).join('/')) ?? this.byPath.get(segments.slice(0, 11).join('/'));
      if (hit) {
        if (read) hit.reads++;
        else hit.writes++;
      }
      const subscription = SUBSCRIPTION.exec(path)?.[1];
      if (subscription) this.tallyArm(subscription, request, read);
    }
  }

  private tallyArm(subscription: string, request: ArmEmulator['requests'][number], read: boolean): void {
    let tally = this.bySubscription.get(subscription);
    if (!tally) {
      tally = {
        readsByMinute: new Map(),
        writesByMinute: new Map(),
        readsBySecond: new Map(),
        throttledByBudget: {},
        injectedThrottles: 0,
      };
      this.bySubscription.set(subscription, tally);
    }
    const minute = Math.floor(request.at / MINUTE_MS);
    // What the budget is measured against: requests the scenario's faults refused never reached the buckets.
    const charged = request.fault === undefined || request.fault === 'slow';
    if (charged && read) {
      bump(tally.readsByMinute, minute);
      bump(tally.readsBySecond, Math.floor(request.at / 1000));
    } else if (charged) bump(tally.writesByMinute, minute);
    if (request.status !== 429) return;
    if (request.throttledBy)
      tally.throttledByBudget[request.throttledBy] = (tally.throttledByBudget[request.throttledBy] ?? 0) + 1;
    else if (request.fault === 'throttle') tally.injectedThrottles++;
  }

  /** Per subscription: ARM reads and writes per minute (peak, mean over the span) and the 429s seen. */
  armPerSubscription(): SubscriptionArm[] {
    const minutes = Math.max(1, this.minutes);
    const perMinute = (counts: Map<number, number>) => {
      const values = [...counts.values()];
      const sum = values.reduce((a, b) => a + b, 0);
      return { peak: Math.max(0, ...values), mean: Math.round((sum / minutes) * 100) / 100 };
    };
    return [...this.bySubscription.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([subscriptionId, t]) => ({
        subscriptionId,
        readsPerMinute: perMinute(t.readsByMinute),
        writesPerMinute: perMinute(t.writesByMinute),
        ...busiestSecond(t.readsBySecond),
        throttledByBudget: t.throttledByBudget,
        injectedThrottles: t.injectedThrottles,
      }));
  }
}

/** The second with the most reads, and when it began. */
function busiestSecond(
  readsBySecond: Map<number, number>,
): Pick<SubscriptionArm, 'readsPerSecondPeak' | 'readsPerSecondPeakAt'> {
  let peak: [number, number] | undefined;
  for (const [second, reads] of readsBySecond) {
    if (!peak || reads > peak[1] || (reads === peak[1] && second < peak[0])) peak = [second, reads];
  }
  if (!peak) return { readsPerSecondPeak: 0 };
  return { readsPerSecondPeak: peak[1], readsPerSecondPeakAt: new Date(peak[0] * 1000).toISOString() };
}
