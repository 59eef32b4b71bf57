// Wake on demand: `POST /targets/{id}/wake` and `/connect` start a machine (a pool: up to its wake capacity)
// for whoever may use it. A wake while one is still in progress answers the same run, so a page that
// refreshes, or many people connecting at once, ask Azure once.

import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import type { ScalingRepository } from '../store/pool-ports.js';
import type { HistoryRef, RunRepository, StoredRun, StoredTarget, TargetRepository } from '../store/ports.js';
import { createPendingRun, queueRequest } from './manual-actions.js';
import type { ActionQueue, PoolQueue } from './ports.js';
import { getTarget } from './register-targets.js';
import { historyOf } from './run-history.js';

export interface WakeDependencies {
  targets: TargetRepository;
  runs: RunRepository;
  scaling: ScalingRepository;
  actions: ActionQueue;
  pools: PoolQueue;
  clock: Clock;
}

export interface Wake {
  target: StoredTarget;
  /** The wake's run: with the target, its id. */
  occurrenceAt: number;
  /** False when a wake already in progress was found and answered. */
  created: boolean;
}

/**
 * The target, if the principal may use it.
 * @throws NotFoundError, ForbiddenError
 */
export async function targetToWake(
  deps: Pick<WakeDependencies, 'targets'>,
  principal: Principal,
  targetId: string,
): Promise<StoredTarget> {
  return getTarget(deps, principal, targetId, `No target ${targetId}.`);
}

/**
 * Wakes the target, or answers the wake already in progress. A VM or compute instance gets a Start through
 * the manual actions' queue (source `wake`); a pool gets a pending `wake` run, its wake recorded, and a
 * reconcile on the `pools` queue, which raises the pool to its wake capacity and settles the run.
 * @throws NotFoundError, ForbiddenError; ConflictError when flooded with concurrent requests
 */
export async function wakeTarget(
  deps: WakeDependencies,
  principal: Principal,
  targetId: string,
): Promise<Wake> {
  const target = await targetToWake(deps, principal, targetId);
  const history = historyOf(target);
  const inProgress = await wakeInProgress(deps, target, history);
  if (inProgress) return { target, occurrenceAt: inProgress.occurrenceAt, created: false };
  if (target.kind !== 'pool') {
    const accepted = await queueRequest(deps, target, 'Start', { source: 'wake', requestedBy: principal.id });
    return { target, occurrenceAt: accepted.occurrenceAt, created: true };
  }
  const occurrenceAt = await createPoolWakeRun(deps, history, principal.id);
  try {
    await deps.scaling.recordWake(target.id, occurrenceAt);
    await deps.pools.send({
      v: 1,
      targetId: target.id,
      ...(target.registration ? { registration: target.registration } : {}),
      at: occurrenceAt,
      source: 'wake',
      runAt: occurrenceAt,
    });
  } catch (error) {
    // The caller is told it failed and may ask again: the run must not wait for ever as if it were queued.
    await closeUnqueued(deps, history, occurrenceAt).catch(() => undefined);
    throw error;
  }
  return { target, occurrenceAt, created: true };
}

/** The target's wake run while it is still pending: for a pool the one its wake row names, else the latest. */
async function wakeInProgress(
  deps: WakeDependencies,
  target: StoredTarget,
  history: HistoryRef,
): Promise<StoredRun | undefined> {
  const at =
    target.kind === 'pool'
      ? await deps.scaling.lastWake(target.id)
      : (await deps.runs.getLatest(history))?.latestAt;
  if (at === undefined) return undefined;
  const run = await deps.runs.get(history, at);
  return run?.source === 'wake' && run.outcome === 'pending' ? run : undefined;
}

/** A pending wake run at an instant of its own, from now on. */
function createPoolWakeRun(deps: WakeDependencies, history: HistoryRef, requestedBy: string) {
  return createPendingRun(deps, history, deps.clock.now(), {
    requestedAction: 'Start',
    source: 'wake',
    requestedBy,
  });
}

async function closeUnqueued(deps: WakeDependencies, history: HistoryRef, at: number): Promise<void> {
  const run = await deps.runs.get(history, at);
  if (!run || run.outcome !== 'pending') return;
  await deps.runs.update({
    ...run,
    outcome: 'failed',
    finishedAt: deps.clock.now(),
    note: 'not queued: storage did not answer; the wake was refused and may be sent again',
  });
}
