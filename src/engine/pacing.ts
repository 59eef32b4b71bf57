// Pacing: a tick that finds thousands of machines due in one minute spreads their messages over time so
// that each subscription's calls arrive no faster than Azure's documented write and read limits let them
// through.
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
 * What the actions a tick sends may use of ARM's read bucket per subscription (250, refilling 25 a second):
 * three fifths of it. The rest is for what runs beside them in the same minute and is not paced by the tick:
 * the pools' round (spread over the minute by `poolRound`), the checks of accepted runs, people's calls.
 */
export const ACTION_READS: CallBudget = { burst: 150, perSecond: 15 };

/**
 * ARM reads one action makes before its write: a VM's or compute instance's state (one GET), a pool's model
 * and its instances (two: the scale set and its instance list or view, whether or not a policy plans it).
 * A Restart reads nothing; it is paced as its kind all the same (the pacer knows kinds, not actions), which
 * only makes a rare restart a little later than it could be.
 */
const READS_PER_ACTION: Record<TargetKind, number> = { vm: 1, computeInstance: 1, pool: 2 };

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
 * What a tick leaves of each bucket for the next one: per bucket (`arm/{subscription}`, `vm/{subscription}`,
 * …), the instant up to which the calls it planned have used the budget (a generic cell rate algorithm's
 * theoretical arrival time, UTC ms). A bucket whose instant has passed is full again and is left out.
 */
export type PacingState = Record<string, number>;

/**
 * Hands out, call by call, how long each one should wait so that none is early for its subscription's
 * buckets: full when the tick began, unless the ticks before it left them partly used (`carried`), so that
 * two heavy minutes in a row do not overlap in the bucket. One pacer per tick: the tick runs on one instance.
 */
export class SubscriptionPacer {
  /** Per bucket, how far past `now` its planned calls have used the budget, in ms (small numbers: exact enough). */
  private readonly usedFor = new Map<string, number>();

  /**
   * @param armWrites ARM's write bucket; `false` turns pacing off: every delay is 0
   * @param now the instant delays count from (the tick's start)
   * @param carried what the previous tick left (`state()`), if any
   */
  constructor(
    private readonly armWrites: CallBudget | false,
    private readonly now = 0,
    carried: PacingState = {},
  ) {
    for (const [bucket, at] of Object.entries(carried)) {
      if (Number.isFinite(at) && at > now) this.usedFor.set(bucket, at - now);
    }
  }

  /** The wait, in ms, before the next call on this resource may go. */
  delayFor(resourceId: string, kind: TargetKind): number {
    if (!this.armWrites) return 0;
    const subscription = subscriptionOf(resourceId);
    let delay = this.take(`arm/${subscription}`, this.armWrites);
    delay = Math.max(delay, this.take(`reads/${subscription}`, ACTION_READS, READS_PER_ACTION[kind]));
    const provider = PROVIDER_BUDGETS[kind];
    if (provider) delay = Math.max(delay, this.take(`${kind}/${subscription}`, provider));
    return delay;
  }

  /** The buckets still partly used after the calls planned so far, for the next tick. */
  state(): PacingState {
    // Whole ms, rounded up: a read bucket's token is a fraction of one, and later is the safe side.
    return Object.fromEntries(
      [...this.usedFor].filter(([, ms]) => ms > 0).map(([bucket, ms]) => [bucket, this.now + Math.ceil(ms)]),
    );
  }

  /** Takes `tokens` from the bucket (a call's reads may be several); returns how long they wait. */
  private take(bucket: string, budget: CallBudget, tokens = 1): number {
    // Each token is a slice of time; `burst` of them may be ahead of the clock at once.
    const perToken = 1000 / budget.perSecond;
    // Counted from `now`, not as instants: a fraction of a ms added to an instant (about 1.8e12) is rounded
    // away, and two hundred such calls would make one a ms late.
    const usedFor = this.usedFor.get(bucket) ?? 0;
    const sendAfter = Math.max(0, usedFor - (budget.burst - tokens) * perToken);
    this.usedFor.set(bucket, usedFor + tokens * perToken);
    // Whole ms; the 1e-6 keeps floating error from adding one.
    return Math.max(0, Math.ceil(sendAfter - 1e-6));
  }
}

/**
 * The subscription segment, read leniently: a tick must never fail on one odd stored id, and registration
 * (parseResourceId) has already vouched for every id it stored.
 */
function subscriptionOf(resourceId: string): string {
  return (/^\/subscriptions\/([^/]+)/i.exec(resourceId)?.[1] ?? '').toLowerCase();
}
