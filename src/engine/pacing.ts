// Pacing: a tick that finds thousands of machines due in one minute spreads their messages over time so
// that each subscription's calls arrive no faster than Azure's documented write limits let them through.
// Sending all at once would only buy a storm of 429s, each one a wasted execution and a retry to wait for.

import type { TargetKind } from '../targets/resource-id.js';

/** A token bucket as Azure documents its limits: `burst` calls at once, then `perSecond` more each second. */
export interface CallBudget {
  burst: number;
  perSecond: number;
}

/**
 * Azure Resource Manager's write bucket, per subscription (and region and principal): 200, refilling 10 a
 * second. Every action we take (start, deallocate, restart, scale-set capacity, ML start/stop) is one write.
 */
export const ARM_WRITES: CallBudget = { burst: 200, perSecond: 10 };

/**
 * The Compute provider's own per-subscription buckets for what we call (1,500, refilling 500 a minute for
 * VM start/deallocate/restart and for scale-set updates). They bind only after some 13 minutes of calls at
 * ARM's pace, but they do bind on the largest fleets.
 */
const COMPUTE_ACTIONS: CallBudget = { burst: 1500, perSecond: 500 / 60 };
const PROVIDER_BUDGETS: Partial<Record<TargetKind, CallBudget>> = {
  vm: COMPUTE_ACTIONS,
  pool: COMPUTE_ACTIONS,
};

/**
 * Hands out, call by call, how long each one should wait so that none is early for its subscription's
 * buckets, as if they were full when the tick began. One pacer per tick: the tick runs on one instance.
 */
export class SubscriptionPacer {
  private readonly planned = new Map<string, number>();

  /** `false` turns pacing off: every delay is 0. */
  constructor(private readonly armWrites: CallBudget | false) {}

  /** The wait, in ms, before the next call on this resource may go. */
  delayFor(resourceId: string, kind: TargetKind): number {
    if (!this.armWrites) return 0;
    const subscription = subscriptionOf(resourceId);
    let delay = this.take(`arm/${subscription}`, this.armWrites);
    const provider = PROVIDER_BUDGETS[kind];
    if (provider) delay = Math.max(delay, this.take(`${kind}/${subscription}`, provider));
    return delay;
  }

  private take(bucket: string, budget: CallBudget): number {
    const n = (this.planned.get(bucket) ?? 0) + 1;
    this.planned.set(bucket, n);
    // The n-th call finds a token once (n − burst) tokens have refilled.
    return n <= budget.burst ? 0 : Math.ceil(((n - budget.burst) / budget.perSecond) * 1000);
  }
}

/**
 * The subscription segment, read leniently: a tick must never fail on one odd stored id, and registration
 * (parseResourceId) has already vouched for every id it stored.
 */
function subscriptionOf(resourceId: string): string {
  return (/^\/subscriptions\/([^/]+)/i.exec(resourceId)?.[1] ?? '').toLowerCase();
}
