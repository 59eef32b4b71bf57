// Which instances a pool has, for refusing activity reports about instances it does not have. Reporters post
// every minute from every instance, so the pool is not read per report: a list is trusted for ten minutes
// while every id reported is on it, and read again sooner only for an id it lacks (a new instance). The
// reconciler reads the pool each minute anyway; these reads come on top, within ARM's read budget.

import type { Clock } from '../clock.js';
import type { PoolGateway } from '../compute/pool-gateway.js';
import type { StoredTarget } from '../store/ports.js';

/**
 * How long a pool's instance list is trusted while every reported id is on it. An instance deleted since is
 * then still taken for a while: harmless, as the reconciler looks only at the instances the pool has.
 */
const FRESH_FOR_MS = 10 * 60_000;
/** An id not on a list this young is unknown; on an older one, the pool is read again first (it may be new). */
const REREAD_AFTER_MS = 10_000;

export class KnownPoolInstances {
  private readonly lists = new Map<string, { ids: Set<string>; readAt: number }>();

  constructor(
    private readonly gateway: Pick<PoolGateway, 'readPool'>,
    private readonly clock: Clock,
  ) {}

  /**
   * The ids among `instanceIds` that the pool does not have. When Azure cannot be asked (throttled, down),
   * none: a report is better kept than lost, and the reconciler looks only at instances the pool has.
   */
  async unknown(target: StoredTarget, instanceIds: string[]): Promise<string[]> {
    let list = this.lists.get(target.id);
    const now = this.clock.now();
    const missing = (ids: Set<string>) => instanceIds.filter((id) => !ids.has(id));
    if (list && now - list.readAt < FRESH_FOR_MS) {
      const unknown = missing(list.ids);
      if (unknown.length === 0 || now - list.readAt < REREAD_AFTER_MS) return unknown;
    }
    try {
      const view = await this.gateway.readPool({ resourceId: target.resourceId, kind: target.kind });
      list = { ids: new Set(view.instances.map((i) => i.instanceId)), readAt: now };
      this.lists.set(target.id, list);
    } catch {
      return [];
    }
    return missing(list.ids);
  }
}

/** Whether a gateway can read pools (the ARM gateway can; a test's fake may not). */
export function canReadPools(gateway: unknown): gateway is Pick<PoolGateway, 'readPool'> {
  return typeof (gateway as Partial<PoolGateway> | undefined)?.readPool === 'function';
}
