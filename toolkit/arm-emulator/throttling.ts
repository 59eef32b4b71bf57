// Token buckets with the limits Microsoft documents for ARM and the Compute provider, so callers meet
// the same 429s locally as in Azure. Buckets refill lazily from the injected clock: no timers.

/** A bucket holding at most `capacity` tokens that regains `refillPerMinute` tokens a minute. */
export interface BucketLimit {
  capacity: number;
  refillPerMinute: number;
}

/** A Compute throttling policy: one bucket per resource (optional) and one per subscription. */
export interface ComputePolicyLimits {
  /** Name shown in `x-ms-ratelimit-remaining-resource` and in 429 details. */
  name: string;
  perResource?: BucketLimit;
  perSubscription: BucketLimit;
}

export type ComputePolicy =
  | 'vmActions'
  | 'vmDeallocate'
  | 'vmReads'
  | 'vmList'
  | 'operationPolls'
  | 'scaleSetUpdates'
  | 'scaleSetDeallocations';

export interface ThrottlingLimits {
  compute: Record<ComputePolicy, ComputePolicyLimits>;
  /** ARM's per-subscription-and-principal bucket for PUT/PATCH/POST/DELETE. */
  armWrites: BucketLimit;
  /** ARM's per-subscription-and-principal bucket for GET. */
  armReads: BucketLimit;
}

/** The limits in Microsoft's "Compute throttling limits" and ARM "request limits and throttling" pages. */
export const documentedThrottlingLimits: ThrottlingLimits = {
  compute: {
    vmActions: {
      name: 'VMStartRestartPowerOff',
      perResource: { capacity: 12, refillPerMinute: 4 },
      perSubscription: { capacity: 1500, refillPerMinute: 500 },
    },
    vmDeallocate: {
      name: 'VMDeallocate',
      perResource: { capacity: 12, refillPerMinute: 4 },
      perSubscription: { capacity: 1500, refillPerMinute: 500 },
    },
    vmReads: {
      name: 'GetVM',
      perResource: { capacity: 36, refillPerMinute: 12 },
      perSubscription: { capacity: 24000, refillPerMinute: 8000 },
    },
    vmList: { name: 'ListVMsInSubscription', perSubscription: { capacity: 900, refillPerMinute: 300 } },
    operationPolls: {
      name: 'GetOperationStatus',
      perResource: { capacity: 45, refillPerMinute: 15 },
      perSubscription: { capacity: 15000, refillPerMinute: 5000 },
    },
    scaleSetUpdates: {
      name: 'VMScaleSetUpdateStart',
      perResource: { capacity: 12, refillPerMinute: 4 },
      perSubscription: { capacity: 1500, refillPerMinute: 500 },
    },
    scaleSetDeallocations: {
      name: 'VMScaleSetDeallocatePowerOff',
      perResource: { capacity: 12, refillPerMinute: 4 },
      perSubscription: { capacity: 525, refillPerMinute: 175 },
    },
  },
  armWrites: { capacity: 200, refillPerMinute: 600 },
  armReads: { capacity: 250, refillPerMinute: 1500 },
};

const MS_PER_MINUTE = 60_000;

/**
 * Token counts are kept multiplied by one minute in milliseconds, so refilling `elapsedInMs * refillPerMinute`
 * stays an exact integer: "the 13th start is refused, one more is allowed exactly 15 s later" holds to the ms.
 */
class TokenBucket {
  private scaledTokens: number;
  private updatedAt: number;

  constructor(
    private readonly limit: BucketLimit,
    now: number,
  ) {
    this.scaledTokens = limit.capacity * MS_PER_MINUTE;
    this.updatedAt = now;
  }

  refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.scaledTokens = Math.min(
      this.limit.capacity * MS_PER_MINUTE,
      this.scaledTokens + elapsed * this.limit.refillPerMinute,
    );
    this.updatedAt = now;
  }

  hasToken(): boolean {
    return this.scaledTokens >= MS_PER_MINUTE;
  }

  take(): void {
    this.scaledTokens -= MS_PER_MINUTE;
  }

  remaining(): number {
    return Math.floor(this.scaledTokens / MS_PER_MINUTE);
  }

  /** Milliseconds until one whole token is back. */
  waitInMs(): number {
    if (this.hasToken()) return 0;
    if (this.limit.refillPerMinute <= 0) return Number.POSITIVE_INFINITY;
    return Math.ceil((MS_PER_MINUTE - this.scaledTokens) / this.limit.refillPerMinute);
  }
}

/** What one request costs: ARM's read or write bucket, plus a Compute policy for a resource when one applies. */
export interface ThrottleCharge {
  subscriptionId: string;
  principalId: string;
  write: boolean;
  compute?: { policy: ComputePolicy; resourceKey?: string };
}

export type ThrottleOutcome =
  | { allowed: true; headers: Record<string, string> }
  | {
      allowed: false;
      retryAfterInSeconds: number;
      bucket: string;
      /** Which layer refused: ARM's subscription buckets or a Compute provider policy. */
      layer: 'arm' | 'compute';
      limit: number;
      headers: Record<string, string>;
    };

interface NamedBucket {
  name: string;
  layer: 'arm' | 'compute';
  limit: BucketLimit;
  bucket: TokenBucket;
}

export class Throttle {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly limits: ThrottlingLimits) {}

  /** Takes one token from every bucket the request touches, or none when any of them is empty. */
  charge(charge: ThrottleCharge, now: number): ThrottleOutcome {
    const touched = this.bucketsFor(charge, now);
    for (const entry of touched) entry.bucket.refill(now);
    const empty = touched.filter((entry) => !entry.bucket.hasToken());
    if (empty.length > 0) {
      const waits = empty.map((entry) => ({ entry, wait: entry.bucket.waitInMs() }));
      waits.sort((a, b) => b.wait - a.wait);
      const worst = waits[0]!;
      return {
        allowed: false,
        retryAfterInSeconds: Math.max(1, Math.ceil(worst.wait / 1000)),
        bucket: worst.entry.name,
        layer: worst.entry.layer,
        limit: worst.entry.limit.capacity,
        headers: remainingHeaders(touched, charge.write),
      };
    }
    for (const entry of touched) entry.bucket.take();
    return { allowed: true, headers: remainingHeaders(touched, charge.write) };
  }

  private bucketsFor(charge: ThrottleCharge, now: number): NamedBucket[] {
    const subscription = charge.subscriptionId.toLowerCase();
    const arm = charge.write ? this.limits.armWrites : this.limits.armReads;
    const result: NamedBucket[] = [
      {
        name: charge.write ? 'SubscriptionWrites' : 'SubscriptionReads',
        layer: 'arm',
        limit: arm,
        bucket: this.bucket(
          `arm|${charge.write ? 'w' : 'r'}|${subscription}|${charge.principalId}`,
          arm,
          now,
        ),
      },
    ];
    if (charge.compute) {
      const policy = this.limits.compute[charge.compute.policy];
      if (policy.perResource && charge.compute.resourceKey) {
        result.push({
          name: `${policy.name}PerResource`,
          layer: 'compute',
          limit: policy.perResource,
          bucket: this.bucket(
            `compute|${charge.compute.policy}|${charge.compute.resourceKey}`,
            policy.perResource,
            now,
          ),
        });
      }
      result.push({
        name: `${policy.name}PerSubscription`,
        layer: 'compute',
        limit: policy.perSubscription,
        bucket: this.bucket(`compute|${charge.compute.policy}|${subscription}`, policy.perSubscription, now),
      });
    }
    return result;
  }

  private bucket(key: string, limit: BucketLimit, now: number): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(limit, now);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}

/**
 * ARM reports its own buckets in `x-ms-ratelimit-remaining-subscription-reads|writes` and Compute its
 * policies in `x-ms-ratelimit-remaining-resource` as `Microsoft.Compute/{Policy};{remaining}`, comma-separated.
 */
function remainingHeaders(touched: NamedBucket[], write: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  const arm = touched.find((entry) => entry.layer === 'arm');
  if (arm) {
    headers[`x-ms-ratelimit-remaining-subscription-${write ? 'writes' : 'reads'}`] = String(
      arm.bucket.remaining(),
    );
  }
  const compute = touched.filter((entry) => entry.layer === 'compute');
  if (compute.length > 0) {
    headers['x-ms-ratelimit-remaining-resource'] = compute
      .map((entry) => `Microsoft.Compute/${entry.name};${entry.bucket.remaining()}`)
      .join(',');
  }
  return headers;
}
