// Reconcile: one message of the `pools` queue. Reads a pool (or a single machine with an idle policy), its
// policy, its sessions and the last wake, asks the pure rule (`pool-plan.ts`) what to do, and does it. It
// decides from what is true when it runs, so a late or repeated delivery can only find nothing left to do;
// every change is a run in the target's history. The rule and its promises: docs/pools.md.

import type { Clock } from '../clock.js';
import { StorageError, StorageUnavailableError } from '../errors.js';
import {
  ComputeError,
  ThrottledError,
  type ComputeGateway,
  type Machine,
  type TargetState,
} from '../compute/gateway.js';
import type { PoolGateway, ScaleResult } from '../compute/pool-gateway.js';
import { desiredStateAt, lastOccurrence } from '../schedule/index.js';
import type {
  IdlePolicy,
  PoolHistoryRepository,
  PoolPolicy,
  PoolReading,
  ScalingRepository,
  StoredPolicy,
} from '../store/pool-ports.js';
import type {
  HistoryRef,
  RunRepository,
  RunOutcome,
  StoredTarget,
  TargetControlRepository,
  TargetRepository,
  TargetSchedule,
} from '../store/ports.js';
import { queueRequest } from './manual-actions.js';
import type { PoolMessage } from './pool-message.js';
import { recordPoolReading } from './pool-history.js';
import { planIdleMachine, planPool, servingInstances, type PoolPlan } from './pool-plan.js';
import type { ActionQueue, PoolQueue } from './ports.js';
import { historyOf } from './run-history.js';
import { describeError } from './retry.js';

export interface ReconcileDependencies {
  store: {
    targets: TargetRepository;
    runs: RunRepository;
    scaling: ScalingRepository;
    /** Read only when sessions keep a pool above its floor after a Stop: is that Stop enforced? */
    controls?: Pick<TargetControlRepository, 'enforcement'>;
    /** Where a pool's capacity and sessions are recorded when they change; absent: not recorded. */
    poolHistory?: PoolHistoryRepository;
  };
  gateway: ComputeGateway & PoolGateway;
  /** Where an idle machine's stop is queued, as a request of its own. */
  actions: ActionQueue;
  /** Where a reconcile that Azure throttled waits for its next attempt. */
  pools: PoolQueue;
  clock: Clock;
  options: ReconcileOptions;
}

export interface ReconcileOptions {
  /** Wait until Azure reports a scaling done, or only until it accepted it (`SCHEDULER_WAIT_FOR_COMPLETION`). */
  waitForCompletion: boolean;
  /**
   * Attempts of one reconcile before its run is recorded failed (the next minute's round starts afresh).
   * @default 5
   */
  maxAttempts: number;
}

export const DEFAULT_RECONCILE_OPTIONS: ReconcileOptions = { waitForCompletion: false, maxAttempts: 5 };

export interface ReconcileReport {
  /** `gone`: no such target or policy now. `unchanged`: nothing to do. `retry`: Azure asked us to wait. */
  outcome: 'gone' | 'unchanged' | 'scaled' | 'removed' | 'stop-requested' | 'retry' | 'failed';
  armReads: number;
  armWrites: number;
  plan?: PoolPlan;
  /** The run recorded for the change, by its instant. */
  runAt?: number;
  retryInMs?: number;
  note?: string;
  /** Whether this round wrote a point of the pool's history (only when what it read changed). */
  recorded?: boolean;
}

/** Tick rounds record their runs half a minute in: never a schedule's whole minute. */
const ROUND_RUN_OFFSET_MS = 30_000;
const MINUTE_MS = 60_000;

/**
 * Carries out one pool message: scales the pool to what its policy, schedule and sessions want, or stops an
 * idle machine. Never removes an instance with a session; never acts on another registration of the target.
 */
export async function reconcile(deps: ReconcileDependencies, message: PoolMessage): Promise<ReconcileReport> {
  const found = await deps.store.targets.getWithSchedule(message.targetId);
  const gone: ReconcileReport = { outcome: 'gone', armReads: 0, armWrites: 0 };
  if (!found) return gone;
  if (message.registration !== undefined && message.registration !== found.target.registration) return gone;
  return found.target.kind === 'pool'
    ? reconcilePool(deps, found.target, found.schedule, message)
    : reconcileIdleMachine(deps, found.target);
}

/** The reads a pool's plan needs, and the plan. */
export async function planFor(
  deps: Pick<ReconcileDependencies, 'store' | 'gateway' | 'clock'>,
  target: StoredTarget,
  schedule: TargetSchedule,
  stored: StoredPolicy<PoolPolicy>,
): Promise<{ plan: PoolPlan; armReads: number; reading: PoolReading }> {
  const { policy } = stored;
  const machine = machineOf(target);
  const view = await deps.gateway.readPool(machine);
  let armReads = view.armReads;
  if (policy.activity === 'cpu') {
    armReads += await recordCpu(deps, target, machine, policy.cpuThresholdPercent);
  }
  const [activity, lastWake] = await Promise.all([
    deps.store.scaling.readActivity(target.id),
    deps.store.scaling.lastWake(target.id),
  ]);
  const present = new Set(view.instances.map((i) => i.instanceId));
  const gone = activity.instances.filter((a) => a.instanceId !== '' && !present.has(a.instanceId));
  if (gone.length > 0) {
    await deps.store.scaling.forgetActivity(
      target.id,
      gone.map((a) => a.instanceId),
    );
  }
  const now = deps.clock.now();
  const desired = desiredStateAt(schedule.entries, now, schedule.registeredAt);
  const input = {
    policy,
    floor: desired === 'Running' ? policy.wakeCapacity : policy.minCapacity,
    capacity: view.capacity,
    instances: view.instances,
    activity: activity.instances,
    ...(activity.waiting ? { waiting: activity.waiting } : {}),
    ...(lastWake !== undefined ? { lastWake } : {}),
    now,
  };
  const plan = planPool(input);
  const serving = servingInstances(view.instances);
  const reading = { at: now, capacity: view.capacity, serving: serving.length, sessions: plan.sessions };
  // Only when sessions keep the pool above its floor after a Stop does it matter whether that Stop is
  // enforced: the controls are read then, not every round.
  const keptUp = serving.length > input.floor;
  if (desired === 'Stopped' && keptUp && (await enforcedStopIsDue(deps, target, schedule, now))) {
    return { plan: planPool({ ...input, sessionsEnded: true }), armReads, reading };
  }
  return { plan, armReads, reading };
}

/** Whether the target's last Stop is enforced and its grace has run out. */
async function enforcedStopIsDue(
  deps: Pick<ReconcileDependencies, 'store'>,
  target: StoredTarget,
  schedule: TargetSchedule,
  now: number,
): Promise<boolean> {
  const enforcement = await deps.store.controls?.enforcement.get(target);
  if (!enforcement?.value.enforce) return false;
  const stop = lastOccurrence(schedule.entries, now, schedule.registeredAt);
  return stop?.action === 'Stop' && now - stop.at >= enforcement.value.graceMinutes * 60_000;
}

/** Carries out a plan that changes the pool. */
export async function carryOutPlan(
  deps: Pick<ReconcileDependencies, 'gateway' | 'options'>,
  target: StoredTarget,
  plan: Exclude<PoolPlan, { change: 'none' }>,
): Promise<ScaleResult> {
  // The plan was made from a read of the pool just now: the gateway need not read its capacity again.
  const options = { waitForCompletion: deps.options.waitForCompletion, currentCapacity: plan.from };
  return plan.change === 'scaleOut'
    ? deps.gateway.scalePool(machineOf(target), plan.capacity, options)
    : deps.gateway.removePoolInstances(machineOf(target), plan.instanceIds, options);
}

/** What a plan did, in the words of the run history. */
export function describePlan(plan: PoolPlan, result?: ScaleResult): string {
  const why = {
    floor: "the schedule's floor",
    demand: 'sessions need it',
    wake: 'someone asked to wake it',
    idle: 'idle for the policy’s idleMinutes',
    enforced: 'an enforced Stop, its grace over: sessions ended',
  } as const;
  switch (plan.change) {
    case 'none':
      return `the policy wants ${plan.wanted}: ${plan.serving} serving, ${plan.sessions} sessions`;
    case 'scaleOut':
      return `capacity ${plan.from} → ${plan.capacity} (${why[plan.reason]})` + completion(result);
    case 'remove':
      return (
        `removed ${plan.instanceIds.length === 1 ? 'instance' : 'instances'} ${plan.instanceIds.join(', ')}, ` +
        `capacity ${plan.from} → ${plan.to} (${why[plan.reason]})` +
        completion(result)
      );
  }
}

const completion = (result?: ScaleResult) =>
  result?.outcome === 'accepted' ? `; accepted by Azure${result.note ? ` (${result.note})` : ''}` : '';

async function reconcilePool(
  deps: ReconcileDependencies,
  target: StoredTarget,
  schedule: TargetSchedule,
  message: PoolMessage,
): Promise<ReconcileReport> {
  const stored = await deps.store.scaling.getPool(target.id);
  const history = historyOf(target);
  if (!stored) {
    await settleWakeRun(deps, history, message, 'failed', 'the pool has no policy any more');
    return { outcome: 'gone', armReads: 0, armWrites: 0 };
  }
  let armReads = 0;
  let runAt: number | undefined;
  try {
    const planned = await planFor(deps, target, schedule, stored);
    armReads = planned.armReads;
    const { plan } = planned;
    const recorded = await recordReading(deps, history, planned.reading);
    if (plan.change === 'none') {
      await settleWakeRun(deps, history, message, 'skipped-already-there', describePlan(plan));
      return { outcome: 'unchanged', armReads, armWrites: 0, plan, recorded };
    }
    runAt = await openRun(deps, history, message, plan);
    const result = await carryOutPlan(deps, target, plan);
    await closeRunAt(deps, history, runAt, 'succeeded', {
      note: describePlan(plan, result),
      operation: result.operation,
    });
    const outcome = plan.change === 'scaleOut' ? 'scaled' : 'removed';
    return { outcome, armReads, armWrites: 1, plan, runAt, recorded };
  } catch (error) {
    return afterPoolFailure(deps, { history, message, runAt: runAt ?? message.runAt, armReads }, error);
  }
}

/**
 * Records what was read when it changed. A history that storage could not take must not hold the pool back:
 * the next round compares with the newest point again and records then.
 */
async function recordReading(
  deps: ReconcileDependencies,
  history: HistoryRef,
  reading: PoolReading,
): Promise<boolean> {
  if (!deps.store.poolHistory) return false;
  try {
    return await recordPoolReading(deps.store.poolHistory, history, reading);
  } catch (error) {
    if (error instanceof StorageError || error instanceof StorageUnavailableError) return false;
    throw error;
  }
}

/**
 * A throttled, failing or busy pool: the message comes back after Azure's Retry-After (or 15 s) up to
 * `maxAttempts`; the next minute's round would find the same work anyway, so nothing is lost past that.
 */
async function afterPoolFailure(
  deps: ReconcileDependencies,
  failed: { history: HistoryRef; message: PoolMessage; runAt: number | undefined; armReads: number },
  error: unknown,
): Promise<ReconcileReport> {
  if (!(error instanceof ComputeError)) throw error;
  const { message, history, runAt, armReads } = failed;
  const attempt = (message.attempt ?? 1) + 1;
  const described = describeError(error);
  if (error.retryable && attempt <= deps.options.maxAttempts) {
    const retryInMs = error instanceof ThrottledError ? (error.retryAfterInMs ?? 15_000) : 15_000;
    await deps.pools.send(
      { ...message, attempt, ...(runAt !== undefined ? { runAt } : {}) },
      {
        visibilityDelayInMs: retryInMs,
      },
    );
    if (runAt !== undefined) await noteRunError(deps, history, runAt, described);
    return { outcome: 'retry', armReads, armWrites: 0, retryInMs, note: described.message };
  }
  if (runAt !== undefined) {
    await closeRunAt(deps, history, runAt, 'failed', { error: described });
  }
  return { outcome: 'failed', armReads, armWrites: 0, note: described.message };
}

/**
 * A machine with an idle policy: stopped, through the actions queue as a request of its own (so it is
 * ordered with the schedule's and people's requests), when it is running and has been idle long enough.
 */
async function reconcileIdleMachine(
  deps: ReconcileDependencies,
  target: StoredTarget,
): Promise<ReconcileReport> {
  const stored = await deps.store.scaling.getIdle(target.id);
  if (!stored) return { outcome: 'gone', armReads: 0, armWrites: 0 };
  const machine = machineOf(target);
  let state: TargetState;
  let armReads = 1;
  try {
    state = await deps.gateway.readState(machine);
    if (stored.policy.activity === 'cpu' && state.power === 'running') {
      armReads += await recordCpu(deps, target, machine, stored.policy.cpuThresholdPercent);
    }
  } catch (error) {
    // The next minute's round reads again; an idle stop can wait a minute.
    if (error instanceof ComputeError && error.retryable) {
      return { outcome: 'retry', armReads, armWrites: 0, note: error.message };
    }
    throw error;
  }
  const decision = await decideIdle(deps, target, stored, state);
  if (decision === 'none') return { outcome: 'unchanged', armReads, armWrites: 0 };
  const requests = {
    targets: deps.store.targets,
    runs: deps.store.runs,
    actions: deps.actions,
    clock: deps.clock,
  };
  const accepted = await queueRequest(requests, target, 'Stop', {
    source: 'idle',
    requestedBy: 'idle-policy',
  });
  return { outcome: 'stop-requested', armReads, armWrites: 0, runAt: accepted.occurrenceAt };
}

async function decideIdle(
  deps: ReconcileDependencies,
  target: StoredTarget,
  stored: StoredPolicy<IdlePolicy>,
  state: TargetState,
): Promise<'stop' | 'none'> {
  const [activity, lastWake, latest] = await Promise.all([
    deps.store.scaling.readActivity(target.id),
    deps.store.scaling.lastWake(target.id),
    deps.store.runs.getLatest(historyOf(target)),
  ]);
  const now = deps.clock.now();
  // A stop asked for lately is still on its way (or done): asking again would only supersede it.
  if (latest?.latestAction === 'Stop' && now - latest.latestAt < stored.policy.idleMinutes * MINUTE_MS) {
    return 'none';
  }
  const own = activity.instances.find((a) => a.instanceId === '');
  return planIdleMachine({
    rule: stored.policy,
    power: state.power,
    ...(own ? { activity: own } : {}),
    ...(lastWake !== undefined ? { lastWake } : {}),
    ...(latest?.latestAction === 'Start' ? { lastStartAt: latest.latestAt } : {}),
    policySetAt: stored.updatedAt,
    now,
  });
}

/** Reads CPU and records it as activity (busy = at or above the threshold), so idleness is remembered. */
async function recordCpu(
  deps: Pick<ReconcileDependencies, 'store' | 'gateway' | 'clock'>,
  target: StoredTarget,
  machine: Machine,
  thresholdPercent: number,
): Promise<number> {
  const samples = await deps.gateway.readCpu(machine);
  const instances = samples.flatMap((s) =>
    s.percent === undefined
      ? []
      : [{ instanceId: s.instanceId, sessions: s.percent >= thresholdPercent ? 1 : 0 }],
  );
  if (instances.length > 0) {
    await deps.store.scaling.recordActivity(target.id, { at: deps.clock.now(), instances });
  }
  return 1;
}

/**
 * The change's run: the wake's own run when a wake asked for it, else one half a minute into the round's
 * minute (a step on when another run holds that instant). Created only if absent, so a repeated delivery
 * adopts the run it already opened.
 */
async function openRun(
  deps: ReconcileDependencies,
  history: HistoryRef,
  message: PoolMessage,
  plan: Exclude<PoolPlan, { change: 'none' }>,
): Promise<number> {
  const sources = {
    idle: 'idle',
    enforced: 'enforce',
    floor: 'schedule',
    demand: 'wake',
    wake: 'wake',
  } as const;
  const source = sources[plan.reason];
  let at = message.runAt ?? Math.floor(message.at / MINUTE_MS) * MINUTE_MS + ROUND_RUN_OFFSET_MS;
  for (let step = 0; step < 100; step++, at++) {
    const now = deps.clock.now();
    const { run, created } = await deps.store.runs.createIfAbsent({
      ...history,
      occurrenceAt: at,
      requestedAction: plan.change === 'scaleOut' ? 'Start' : 'Stop',
      source,
      outcome: 'pending',
      attempts: 1,
      createdAt: now,
      startedAt: now,
      requestedBy: message.source === 'wake' ? 'wake' : 'pool-policy',
    });
    if (created || message.runAt !== undefined || run.source === source) return at;
  }
  throw new Error(`reconcile: no free instant for a run of target ${history.targetId}`);
}

async function closeRunAt(
  deps: ReconcileDependencies,
  history: HistoryRef,
  at: number,
  outcome: RunOutcome,
  extra: { note?: string; operation?: string; error?: { code: string; message: string } },
): Promise<void> {
  const run = await deps.store.runs.get(history, at);
  if (!run || (run.outcome !== 'pending' && run.outcome !== outcome)) return;
  await deps.store.runs.update({ ...run, ...extra, outcome, finishedAt: deps.clock.now() });
}

async function noteRunError(
  deps: ReconcileDependencies,
  history: HistoryRef,
  at: number,
  error: { code: string; message: string },
): Promise<void> {
  const run = await deps.store.runs.get(history, at);
  if (run && run.outcome === 'pending')
    await deps.store.runs.update({ ...run, error, attempts: run.attempts + 1 });
}

/** A wake that found nothing to do (the pool already serves) still ends its run. */
async function settleWakeRun(
  deps: ReconcileDependencies,
  history: HistoryRef,
  message: PoolMessage,
  outcome: RunOutcome,
  note: string,
): Promise<void> {
  if (message.runAt === undefined) return;
  await closeRunAt(deps, history, message.runAt, outcome, { note });
}

function machineOf(target: StoredTarget): Machine {
  return { resourceId: target.resourceId, kind: target.kind };
}

/**
 * A scheduled Start or Stop of a pool that has a policy: instead of all or nothing, the schedule moves the
 * policy's floor, and the pool is reconciled at once (a Stop removes only idle instances; the rest go when
 * they have been idle for `idleMinutes`). It reads the pool itself, once (`planFor`).
 */
export async function applyPoolPolicy(
  deps: Pick<ReconcileDependencies, 'store' | 'gateway' | 'clock' | 'options'>,
  target: StoredTarget,
  schedule: TargetSchedule,
  stored: StoredPolicy<PoolPolicy>,
): Promise<{ outcome: RunOutcome; note: string; operation?: string }> {
  const { plan } = await planFor(deps, target, schedule, stored);
  if (plan.change === 'none') return { outcome: 'skipped-already-there', note: describePlan(plan) };
  const result = await carryOutPlan(deps, target, plan);
  return { outcome: 'succeeded', note: describePlan(plan, result), operation: result.operation };
}
