// What a pool had over time: the reconciler records a point (capacity, serving instances, sessions) when what
// it reads differs from the newest point, and the API reads the points of a window for the dashboard's week.

import type { Clock } from '../clock.js';
import type { Principal } from '../auth/principal.js';
import { InvalidRequestError } from '../errors.js';
import type { PoolHistoryRepository, PoolReading } from '../store/pool-ports.js';
import type { HistoryRef, StoredTarget, TargetRepository } from '../store/ports.js';
import { getTarget } from './register-targets.js';
import { historyOf } from './run-history.js';
import { windowOf } from './timeline.js';

const DAY_MS = 86_400_000;
/** The window read when none is given: the seven days up to now. */
export const DEFAULT_POOL_HISTORY_MS = 7 * DAY_MS;
/** At most this long a window, like the timeline's. */
export const MAX_POOL_HISTORY_MS = 31 * DAY_MS;

/**
 * Records the reading when it differs from the newest point of its week (a new week always gets one).
 * @returns whether a point was written
 */
export async function recordPoolReading(
  history: PoolHistoryRepository,
  ref: HistoryRef,
  reading: PoolReading,
): Promise<boolean> {
  const latest = await history.latest(ref, reading.at);
  if (
    latest &&
    latest.capacity === reading.capacity &&
    latest.serving === reading.serving &&
    latest.sessions === reading.sessions
  ) {
    return false;
  }
  await history.record(ref, reading);
  return true;
}

export interface PoolHistoryView {
  target: StoredTarget;
  from: number;
  to: number;
  points: PoolReading[];
}

/**
 * A pool's points in a window, for whoever may read its runs.
 * @throws NotFoundError, ForbiddenError; InvalidRequestError for a target that is not a pool (`id`), a window
 * that ends before it starts or is longer than 31 days (`to`)
 */
export async function getPoolHistory(
  deps: { targets: TargetRepository; poolHistory: PoolHistoryRepository; clock: Clock },
  principal: Principal,
  targetId: string,
  window: { from?: number; to?: number },
): Promise<PoolHistoryView> {
  const target = await getTarget(deps, principal, targetId);
  if (target.kind !== 'pool') {
    throw new InvalidRequestError(`Target ${targetId} is not a pool: only pools have a capacity history.`, [
      { parameter: 'id', reason: 'is not a pool (scale set)' },
    ]);
  }
  const { from, to } = checkWindow(window, deps.clock.now());
  const points = await deps.poolHistory.list(historyOf(target), from, to);
  return { target, from, to, points };
}

function checkWindow(window: { from?: number; to?: number }, now: number): { from: number; to: number } {
  const to = window.to ?? (window.from !== undefined ? window.from + DEFAULT_POOL_HISTORY_MS : now);
  return windowOf(window.from ?? to - DEFAULT_POOL_HISTORY_MS, to, MAX_POOL_HISTORY_MS);
}
