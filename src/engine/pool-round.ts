// The pools' round: every minute, one message on the `pools` queue per target with a pool or idle policy.
// The messages are spread over the minute by target, so a subscription's pools do not all read ARM at once.

import type { Clock } from '../clock.js';
import type { ScalingRepository } from '../store/pool-ports.js';
import type { PoolQueue } from './ports.js';
import { forEachLimited } from '../in-flight.js';

export interface PoolRoundDependencies {
  scaling: Pick<ScalingRepository, 'listScaled'>;
  pools: PoolQueue;
  clock: Clock;
}

/** Seconds of the minute the round's messages are spread over (the rest is slack before the next round). */
export const ROUND_SPREAD_SECONDS = 50;

/**
 * Enqueues this minute's reconcile of every scaled target. Two rounds of the same minute enqueue the same
 * messages; a reconcile decides from what is true when it runs, so the second finds nothing left to do.
 * @returns how many messages were sent
 */
export async function poolRound(deps: PoolRoundDependencies): Promise<{ enqueued: number; at: number }> {
  const at = Math.floor(deps.clock.now() / 60_000) * 60_000;
  let enqueued = 0;
  let continuationToken: string | undefined;
  do {
    const page = await deps.scaling.listScaled({
      maxPageSize: 1000,
      ...(continuationToken ? { continuationToken } : {}),
    });
    await forEachLimited(page.items, 16, async (scaled) => {
      await deps.pools.send(
        { v: 1, targetId: scaled.targetId, at, source: 'tick' },
        { visibilityDelayInMs: spreadDelayInMs(scaled.targetId) },
      );
      enqueued++;
    });
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return { enqueued, at };
}

/** A fixed second of the minute per target (its id is a hash already), so the load is even and stable. */
export function spreadDelayInMs(targetId: string): number {
  return (parseInt(targetId.slice(0, 8), 16) % ROUND_SPREAD_SECONDS) * 1000;
}
