// Execute: carry out one action message. The run row (target + occurrence) is created only if absent
// and claimed with a lease, so a redelivered or duplicated message never acts twice; the target's state
// is read first, so "already there" is a recorded no-op; throttling and conflicts wait in the queue.

import type { Clock } from '../clock.js';
import {
  AccessDeniedError,
  ComputeError,
  isInDesiredState,
  TargetConflictError,
  TargetNotFoundError,
  ThrottledError,
  TransientError,
  type ComputeGateway,
  type TargetAction,
} from '../compute/gateway.js';
import { PreconditionFailedError } from '../errors.js';
import type { Run, RunOutcome, Store, StoredRun } from '../store/ports.js';
import type { ActionMessage } from './action-message.js';
import type { ActionQueue } from './ports.js';

export interface RetryPolicy {
  /** Attempts (ARM calls that failed in a retryable way) before the message goes to the poison queue. */
  maxAttempts: number;
  /** Throttled attempts (429) before giving up: waiting is what Azure asks for, so this budget is larger. */
  maxThrottledAttempts: number;
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
  maxThrottleSpreadInMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  maxThrottledAttempts: 48,
  maxDelayInMs: 15 * 60_000,
  conflictDelayInMs: 30_000,
  transientDelayInMs: 15_000,
  throttleSpreadInMs: 1000,
  maxThrottleSpreadInMs: 5 * 60_000,
};

export interface ExecuteDependencies {
  store: Pick<Store, 'runs'>;
  gateway: ComputeGateway;
  actions: ActionQueue;
  clock: Clock;
  retry?: RetryPolicy;
  /** How long a claim on a run keeps other deliveries away; longer than any one call. */
  leaseInMs?: number;
  /**
   * Wait for Azure to report the operation finished (default false). Starting a VM takes minutes: waiting
   * holds a function instance the whole time, so by default the run succeeds when Azure accepts the call,
   * and a later read (a redelivery, the next occurrence, the timeline) sees where the machine ended up.
   */
  waitForCompletion?: boolean;
}

export interface Delivery {
  /** The queue message id: stays the same across redeliveries of one message. */
  messageId: string;
  dequeueCount: number;
  /** The host's maxDequeueCount: on the last delivery an unexpected fault poisons the run. */
  maxDequeueCount?: number;
}

export interface ExecuteReport {
  outcome: RunOutcome;
  /** The message was a duplicate of work done or in hand elsewhere; nothing was called. */
  duplicate: boolean;
  /** A retry was enqueued with this delay. */
  retryInMs?: number;
  /** The ARM operation called, if any. */
  operation?: string;
}

const FINAL: ReadonlySet<RunOutcome> = new Set([
  'succeeded',
  'skipped-already-there',
  'superseded',
  'failed',
  'poisoned',
]);

export function isFinalOutcome(outcome: RunOutcome): boolean {
  return FINAL.has(outcome);
}

export async function execute(
  deps: ExecuteDependencies,
  message: ActionMessage,
  delivery: Delivery,
): Promise<ExecuteReport> {
  const retry = deps.retry ?? DEFAULT_RETRY_POLICY;
  const now = deps.clock.now();
  await recordSuperseded(deps, message, now);

  const lease = { owner: delivery.messageId, until: now + (deps.leaseInMs ?? 10 * 60_000) };
  // Created already claimed, as this delivery's first attempt: a new run costs one write, not two.
  const fresh: Run = {
    targetId: message.targetId,
    occurrenceAt: message.occurrenceAt,
    requestedAction: message.action,
    source: message.source,
    outcome: 'pending',
    attempts: 1,
    createdAt: now,
    startedAt: now,
    lease,
    ...(message.requestedBy ? { requestedBy: message.requestedBy } : {}),
  };
  const created = await deps.store.runs.createIfAbsent(fresh);
  let run = created.run;
  let resumed = false;
  if (!created.created) {
    if (isFinalOutcome(run.outcome)) return { outcome: run.outcome, duplicate: true };
    if (run.lease && run.lease.owner !== delivery.messageId && run.lease.until > now) {
      // Another delivery holds the run right now; if it dies, its own message comes back for it.
      return { outcome: run.outcome, duplicate: true };
    }
    resumed = run.attempts > 0 && run.lease?.owner === delivery.messageId;
    try {
      run = await deps.store.runs.update({
        ...run,
        attempts: run.attempts + 1,
        startedAt: run.startedAt ?? now,
        lease,
      });
    } catch (error) {
      if (error instanceof PreconditionFailedError) return { outcome: 'pending', duplicate: true };
      throw error;
    }
  }

  const target = { resourceId: message.resourceId, kind: message.kind };
  try {
    if (message.action !== 'Restart') {
      const desired = message.action === 'Start' ? 'Running' : 'Stopped';
      const state = await deps.gateway.readState(target);
      const underway = message.action === 'Start' ? state.power === 'starting' : state.power === 'stopping';
      if (isInDesiredState(state, desired) || underway) {
        // A crashed earlier attempt of this very message may have made the call: then it succeeded.
        const outcome: RunOutcome = resumed ? 'succeeded' : 'skipped-already-there';
        await finish(
          deps,
          run,
          outcome,
          resumed ? { note: 'completed by an earlier attempt' } : { note: `already ${state.raw}` },
        );
        return { outcome, duplicate: false };
      }
    }
    const action = message.action.toLowerCase() as TargetAction;
    const result = await deps.gateway.act(target, action, {
      waitForCompletion: deps.waitForCompletion ?? false,
    });
    const outcome: RunOutcome = result.outcome === 'alreadyInState' ? 'skipped-already-there' : 'succeeded';
    const note =
      result.note ??
      (result.outcome === 'accepted' ? 'accepted by Azure; completion not awaited' : undefined);
    await finish(deps, run, outcome, {
      ...(result.operation ? { operation: result.operation } : {}),
      ...(note ? { note } : {}),
    });
    return { outcome, duplicate: false, ...(result.operation ? { operation: result.operation } : {}) };
  } catch (error) {
    return await handleFailure(deps, retry, message, delivery, run, error);
  }
}

async function recordSuperseded(
  deps: ExecuteDependencies,
  message: ActionMessage,
  now: number,
): Promise<void> {
  for (const [occurrenceAt, action] of message.superseded ?? []) {
    await deps.store.runs.createIfAbsent({
      targetId: message.targetId,
      occurrenceAt,
      requestedAction: action,
      source: message.source,
      outcome: 'superseded',
      attempts: 0,
      createdAt: now,
      finishedAt: now,
      note: `superseded by the ${message.action} at ${new Date(message.occurrenceAt).toISOString()}`,
    });
  }
}

async function finish(
  deps: ExecuteDependencies,
  run: StoredRun,
  outcome: RunOutcome,
  extra: { note?: string; operation?: string; error?: { code: string; message: string } },
): Promise<void> {
  const { lease: _lease, ...rest } = run;
  await deps.store.runs.update({ ...rest, ...extra, outcome, finishedAt: deps.clock.now() });
}

async function handleFailure(
  deps: ExecuteDependencies,
  retry: RetryPolicy,
  message: ActionMessage,
  delivery: Delivery,
  run: StoredRun,
  error: unknown,
): Promise<ExecuteReport> {
  const asError = { code: errorCode(error), message: error instanceof Error ? error.message : String(error) };
  if (
    error instanceof TargetNotFoundError ||
    error instanceof AccessDeniedError ||
    (error instanceof ComputeError && !error.retryable)
  ) {
    // Retrying cannot help: record it and let the message go.
    await finish(deps, run, 'failed', { error: asError });
    return { outcome: 'failed', duplicate: false };
  }
  if (!(error instanceof ComputeError)) {
    // Not a fault of Azure's that we understand: let the host redeliver; on the last delivery, say why.
    if (delivery.dequeueCount >= (delivery.maxDequeueCount ?? 5)) {
      await finish(deps, run, 'poisoned', {
        error: asError,
        note: `gave up after ${delivery.dequeueCount} deliveries`,
      });
    }
    throw error;
  }
  const throttled = error instanceof ThrottledError;
  const attempt = (message.attempt ?? 0) + (throttled ? 0 : 1);
  const throttledCount = (message.throttled ?? 0) + (throttled ? 1 : 0);
  const counts = {
    ...(attempt > 0 ? { attempt } : {}),
    ...(throttledCount > 0 ? { throttled: throttledCount } : {}),
  };
  if (attempt >= retry.maxAttempts || throttledCount >= retry.maxThrottledAttempts) {
    await deps.actions.sendToPoison({ ...message, ...counts });
    const why = throttled ? `${throttledCount} throttled attempts` : `${attempt} failed attempts`;
    await finish(deps, run, 'poisoned', {
      error: asError,
      note: `gave up after ${why}; the message is in the poison queue`,
    });
    return { outcome: 'poisoned', duplicate: false };
  }
  const delay = retryDelay(retry, error, Math.max(attempt, 1), {
    key: `${message.targetId}/${message.occurrenceAt}`,
    throttled: throttledCount,
  });
  // Release the lease with the error recorded, then hand the wait to the queue: no sleeping in a function.
  const { lease: _lease, ...rest } = run;
  await deps.store.runs.update({ ...rest, error: asError });
  const { superseded: _done, ...next } = message;
  await deps.actions.send({ ...next, ...counts }, { visibilityDelayInMs: delay });
  return { outcome: 'pending', duplicate: false, retryInMs: delay };
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
