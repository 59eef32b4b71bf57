// After a failed attempt: fail the run, wait in the queue, give up to the poison queue, or let the host
// redeliver. Decided without I/O from the error, the message's counts and the policy; `execute` obeys.

import {
  AccessDeniedError,
  ComputeError,
  TargetChangedError,
  TargetConflictError,
  TargetNotFoundError,
  ThrottledError,
  TransientError,
} from '../compute/gateway.js';
import type { ActionMessage, PoolRead } from './action-message.js';

export interface RetryPolicy {
  /** Attempts (ARM calls that failed in a retryable way) before the message goes to the poison queue. */
  maxAttempts: number;
  /**
   * How long after its occurrence a throttled run keeps retrying. Waiting is what Azure asks for, and a
   * newer desired state supersedes the run anyway, so the budget is time, not a count of attempts.
   */
  maxThrottledAgeInMs: number;
  /** The longest a retry waits in the queue, whatever Retry-After says. */
  maxDelayInMs: number;
  /** Wait after a 409 (the machine was mid-transition). */
  conflictDelayInMs: number;
  /** First wait after a transient fault; doubles per attempt. */
  transientDelayInMs: number;
  /**
   * Throttled retries come back over a window after Retry-After that starts this wide and doubles with
   * each throttled attempt, up to `maxThrottleSpreadInMs`.
   */
  throttleSpreadInMs: number;
  /**
   * ARM's buckets refill every minute, so a window much wider than that spreads nothing more and only
   * spends tries: at five minutes, a run at nine in ten requests throttled got too few in two hours.
   */
  maxThrottleSpreadInMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  maxThrottledAgeInMs: 24 * 3600_000,
  maxDelayInMs: 15 * 60_000,
  conflictDelayInMs: 30_000,
  transientDelayInMs: 15_000,
  throttleSpreadInMs: 1000,
  maxThrottleSpreadInMs: 90_000,
};

export type AfterFailure =
  /** Retrying cannot help (the machine is gone, access is refused, Azure said no for good). */
  | { kind: 'failed' }
  /** Not a fault of Azure's that we understand: the host redelivers; on its last delivery, say why. */
  | { kind: 'redeliver'; lastDelivery: boolean; note: string }
  /** Out of budget: the message goes to the poison queue and the run says why. */
  | { kind: 'poison'; message: ActionMessage; note: string }
  /** Wait in the queue, then try again with the counts carried in the message. */
  | { kind: 'retry'; message: ActionMessage; delayInMs: number };

export function afterFailure(
  error: unknown,
  message: ActionMessage,
  context: { policy: RetryPolicy; now: number; delivery: { dequeueCount: number; maxDequeueCount: number } },
): AfterFailure {
  const { policy, delivery } = context;
  if (
    error instanceof TargetNotFoundError ||
    error instanceof AccessDeniedError ||
    (error instanceof ComputeError && !error.retryable)
  ) {
    return { kind: 'failed' };
  }
  if (!(error instanceof ComputeError)) {
    const lastDelivery = delivery.dequeueCount >= delivery.maxDequeueCount;
    return { kind: 'redeliver', lastDelivery, note: `gave up after ${delivery.dequeueCount} deliveries` };
  }
  const throttled = error instanceof ThrottledError;
  // A failed read before the write changed nothing, and a conditional write refused because the machine
  // changed did nothing either: like throttling, they wait without spending an attempt.
  const changedNothing = throttled || error.beforeWrite || error instanceof TargetChangedError;
  const attempt = (message.attempt ?? 0) + (changedNothing ? 0 : 1);
  const throttledCount = (message.throttled ?? 0) + (throttled ? 1 : 0);
  const { superseded: _recorded, lastRead: _older, ...rest } = message;
  const lastRead = carriedRead(error);
  const next: ActionMessage = {
    ...rest,
    ...(attempt > 0 ? { attempt } : {}),
    ...(throttledCount > 0 ? { throttled: throttledCount } : {}),
    ...(lastRead ? { lastRead } : {}),
  };
  const throttledTooLong = changedNothing && context.now - message.occurrenceAt >= policy.maxThrottledAgeInMs;
  if (attempt >= policy.maxAttempts || throttledTooLong) {
    const why = throttled ? `${throttledCount} throttled attempts` : `${attempt} failed attempts`;
    return {
      kind: 'poison',
      message: next,
      note: `gave up after ${why}; the message is in the poison queue`,
    };
  }
  const delayInMs = retryDelay(policy, error, Math.max(attempt, 1), {
    key: `${message.targetId}/${message.occurrenceAt}`,
    throttled: throttledCount,
  });
  return { kind: 'retry', message: next, delayInMs };
}

/** Tags beyond this stay behind: a queue message holds 64 KB, and reading the pool again is only slower. */
const MAX_CARRIED_TAGS_CHARS = 16_384;

/**
 * What the failed write was made from, for the next attempt to write from again: only with an ETag, which
 * makes that write conditional; a read without one could be stale by then.
 */
function carriedRead(error: ComputeError): PoolRead | undefined {
  const read = error.lastRead;
  if (read?.etag === undefined || JSON.stringify(read.tags).length > MAX_CARRIED_TAGS_CHARS) return undefined;
  return { ...read, etag: read.etag };
}

/** What the run row records of an error. */
export function describeError(error: unknown): { code: string; message: string } {
  return { code: errorCode(error), message: error instanceof Error ? error.message : String(error) };
}

function retryDelay(
  policy: RetryPolicy,
  error: ComputeError,
  attempt: number,
  run: { key: string; throttled: number },
): number {
  let delay: number;
  if (error instanceof ThrottledError) {
    // Every call throttled in the same second was told the same Retry-After: coming back together they
    // would meet the same empty bucket. Spread them over a window that widens with each throttled attempt,
    // at a point fixed by the run, so a redelivered message keeps its place.
    const spread = Math.min(
      policy.throttleSpreadInMs * 2 ** Math.min(run.throttled - 1, 30),
      policy.maxThrottleSpreadInMs,
    );
    delay = error.retryAfterInMs + Math.floor(spread * unitInterval(`${run.key}/${run.throttled}`));
  } else if (error instanceof TargetConflictError) delay = policy.conflictDelayInMs;
  // The machine changed under a conditional write: read it again at once (the floor below is a second).
  else if (error instanceof TargetChangedError) delay = 0;
  else if (error instanceof TransientError && error.retryAfterInMs !== undefined)
    delay = error.retryAfterInMs;
  else delay = policy.transientDelayInMs * 2 ** (attempt - 1);
  return Math.min(Math.max(delay, 1000), policy.maxDelayInMs);
}

/** A number in [0, 1) fixed by `text` (FNV-1a): jitter that is the same on every host and every replay. */
function unitInterval(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 2 ** 32;
}

function errorCode(error: unknown): string {
  if (error instanceof ComputeError) return error.code ?? error.name;
  return error instanceof Error ? error.name : 'Error';
}
