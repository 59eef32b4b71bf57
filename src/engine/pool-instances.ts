// Which instances a pool has, for refusing activity reports about instances it does not have. Reporters post
// every minute from every instance, so the pool is not read per report: a list is trusted for ten minutes
// while every id reported is on it, and read again sooner only for an id it lacks (a new instance). The
// reconciler reads the pool each minute anyway; these reads come on top, so they have an allowance of their
// own per subscription: after a Start of many pools, every new instance's reporter posts within seconds of the
// others, and reading each pool then would be a burst the subscription's read budget cannot take.

import type { Clock } from '../clock.js';
import type { PoolGateway } from '../compute/pool-gateway.js';
import type { StoredTarget } from '../store/ports.js';
import type { CallBudget } from './pacing.js';

/**
 * How long a pool's instance list is trusted while every reported id is on it. An instance deleted since is
 * then still taken for a while: harmless, as the reconciler looks only at the instances the pool has.
 */
const FRESH_FOR_MS = 10 * 60_000;
/** An id not on a list this young is unknown; on an older one, the pool is read again first (it may be new). */
const REREAD_AFTER_MS = 10_000;

/**
 * The pool reads these checks may make, per subscription and per host: 10 at once, then one a second (each is
 * two ARM requests). Past it a report is taken unchecked, as when Azure throttles the read.
 */
export const CHECK_READS: CallBudget = { burst: 10, perSecond: 1 };

export class KnownPoolInstances {
  private readonly lists = new Map<string, { ids: Set<string>; readAt: number }>();
  /** Per subscription: the reads left in the allowance, as of `at`. */
  private readonly allowance = new Map<string, { left: number; at: number }>();

  constructor(
    private readonly gateway: Pick<PoolGateway, 'readPool'>,
    private readonly clock: Clock,
  ) {}

  /**
   * The ids among `instanceIds` that the pool does not have. When Azure cannot be asked (throttled, down, or
   * the subscription's allowance spent), none: a report is better kept than lost, and the reconciler looks
   * only at instances the pool has.
   */
  async unknown(target: StoredTarget, instanceIds: string[]): Promise<string[]> {
    let list = this.lists.get(target.id);
    const now = this.clock.now();
    const missing = (ids: Set<string>) => instanceIds.filter((id) => !ids.has(id));
    if (list && now - list.readAt < FRESH_FOR_MS) {
      const unknown = missing(list.ids);
      if (unknown.length === 0 || now - list.readAt < REREAD_AFTER_MS) return unknown;
    }
    if (!this.mayRead(target, now)) return [];
    try {
      const view = await this.gateway.readPool({ resourceId: target.resourceId, kind: target.kind });
      list = { ids: new Set(view.instances.map((i) => i.instanceId)), readAt: now };
      this.lists.set(target.id, list);
    } catch {
      return [];
    }
    return missing(list.ids);
  }

  /** Takes one read from the subscription's allowance, if it has one left. */
  private mayRead(target: StoredTarget, now: number): boolean {
    const subscription = target.subscriptionId.toLowerCase();
    const before = this.allowance.get(subscription) ?? { left: CHECK_READS.burst, at: now };
    const refilled = (Math.max(0, now - before.at) / 1000) * CHECK_READS.perSecond;
    const left = Math.min(CHECK_READS.burst, before.left + refilled);
    if (left < 1) {
      this.allowance.set(subscription, { left, at: now });
      return false;
    }
    this.allowance.set(subscription, { left: left - 1, at: now });
    return true;
  }
}

/** Whether a gateway can read pools (the ARM gateway can; a test's fake may not). */
export function canReadPools(gateway: unknown): gateway is Pick<PoolGateway, 'readPool'> {
  return typeof (gateway as Partial<PoolGateway> | undefined)?.readPool === 'function';
}
