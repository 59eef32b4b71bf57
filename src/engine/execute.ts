// Execute: carry out one action message, in the order the target's desired states were asked for. Only
// the target's latest desired state may act and only one run acts at a time (the `latest` row, claimed
// under its ETag); the run row (target, occurrence) is created only if absent, so nothing acts twice; the
// target's state is read first, so "already there" is a recorded no-op; throttling and conflicts wait in
// the queue. The rules are in docs/invariants.md; the decision itself is `decideTurn`.

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
  type TargetState,
} from '../compute/gateway.js';
import { ConflictError, PreconditionFailedError } from '../errors.js';
import type {
  HistoryRef,
  Run,
  RunAction,
  RunOutcome,
  Store,
  StoredLatestAction,
  StoredRun,
  StoredTarget,
  TargetSchedule,
} from '../store/ports.js';
import type { ActionMessage } from './action-message.js';
import type { ActionQueue } from './ports.js';
import { decideTurn, newerDueOccurrence } from './turn.js';

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
  maxThrottleSpreadInMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  maxThrottledAgeInMs: 24 * 3600_000,
  maxDelayInMs: 15 * 60_000,
  conflictDelayInMs: 30_000,
  transientDelayInMs: 15_000,
  throttleSpreadInMs: 1000,
  maxThrottleSpreadInMs: 5 * 60_000,
};

export interface ExecuteDependencies {
  store: { runs: Store['runs']; targets: Pick<Store['targets'], 'getWithSchedule'> };
  gateway: ComputeGateway;
  actions: ActionQueue;
  clock: Clock;
  retry?: RetryPolicy;
  /**
   * How long a claim on the target keeps other runs away: longer than any one invocation, so it only
   * expires when the invocation holding it died.
   */
  leaseInMs?: number;
  /** How long a run waits in the queue before looking again when an older run holds the target. */
  waitInMs?: number;
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

const DEFAULT_LEASE_MS = 10 * 60_000;
const DEFAULT_WAIT_MS = 5_000;
/** Claims lost to a concurrent writer of the `latest` row before the message goes back to the queue. */
const MAX_CLAIM_ATTEMPTS = 5;

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
  const registered = await deps.store.targets.getWithSchedule(message.targetId);
  if (!registered || !belongsTo(message, registered.target)) return refuseUnregistered(deps, message);
  const { target, schedule } = registered;
  const history: HistoryRef = {
    targetId: target.id,
    ...(target.registration ? { registration: target.registration } : {}),
  };
  await recordSuperseded(deps, history, message);

  const claim = await claimTurn(deps, history, schedule, message, delivery);
  if (claim.kind !== 'claimed') return claim.report;

  const run = await startRun(deps, history, message);
  if (!run) {
    await letGo(deps, claim.latest);
    return { outcome: 'pending', duplicate: true };
  }
  if (isFinalOutcome(run.outcome)) {
    await letGo(deps, claim.latest);
    return { outcome: run.outcome, duplicate: true };
  }

  const machine = { resourceId: target.resourceId, kind: target.kind };
  // Whether an earlier attempt may have called Azure and nobody has looked since: until a read settles
  // it, no attempt may act without reading first.
  let inDoubt = claim.resumed;
  try {
    const state = message.action === 'Restart' ? undefined : await readState(deps, machine, claim.resumed);
    if (state) inDoubt = false;
    if (state && message.action !== 'Restart') {
      const desired = message.action === 'Start' ? 'Running' : 'Stopped';
      const underway = message.action === 'Start' ? state.power === 'starting' : state.power === 'stopping';
      if (isInDesiredState(state, desired) || underway) {
        // A crashed earlier attempt of this very run may have made the call: then it succeeded.
        const outcome: RunOutcome = claim.resumed ? 'succeeded' : 'skipped-already-there';
        await finish(deps, run, outcome, {
          note: claim.resumed ? 'completed by an earlier attempt' : `already ${state.raw}`,
        });
        await letGo(deps, claim.latest);
        return { outcome, duplicate: false };
      }
    }
    // Reading the machine took time: a newer occurrence may have fallen due meanwhile.
    const newer = newerDueOccurrence(schedule, message.occurrenceAt, deps.clock.now());
    if (newer) {
      await finish(deps, run, 'superseded', { note: supersededNote(newer) });
      await letGo(deps, claim.latest);
      return { outcome: 'superseded', duplicate: false };
    }
    const action = message.action.toLowerCase() as TargetAction;
    const result = await deps.gateway.act(machine, action, {
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
    await letGo(deps, claim.latest);
    return { outcome, duplicate: false, ...(result.operation ? { operation: result.operation } : {}) };
  } catch (error) {
    // Whatever happens next (a retry through the queue, a redelivery), the next attempt claims anew.
    await letGo(deps, claim.latest).catch(() => undefined);
    const { resumed: _settled, ...settled } = message;
    const retried = inDoubt ? { ...settled, resumed: true as const } : settled;
    return await handleFailure(deps, retry(deps), retried, delivery, run, error);
  }
}

const retry = (deps: ExecuteDependencies): RetryPolicy => deps.retry ?? DEFAULT_RETRY_POLICY;

/**
 * The machine's state before acting, or undefined when Azure throttled the read. Reads and writes have
 * budgets of their own in ARM, and starting a running machine or deallocating a deallocated one changes
 * nothing, so the latest desired state goes ahead without the read rather than waiting for it. A resumed
 * run must read: an earlier attempt may already have made the call.
 */
async function readState(
  deps: ExecuteDependencies,
  machine: { resourceId: string; kind: StoredTarget['kind'] },
  resumed: boolean,
): Promise<TargetState | undefined> {
  try {
    return await deps.gateway.readState(machine);
  } catch (error) {
    if (error instanceof ThrottledError && !resumed) return undefined;
    throw error;
  }
}

/** A message acts only on the registered target it names: the same machine, and the same registration. */
function belongsTo(message: ActionMessage, target: StoredTarget): boolean {
  return (
    target.resourceId.toLowerCase() === message.resourceId.toLowerCase() &&
    target.kind === message.kind &&
    (message.registration === undefined || message.registration === target.registration)
  );
}

async function refuseUnregistered(deps: ExecuteDependencies, message: ActionMessage): Promise<ExecuteReport> {
  // Only a request we accepted names its registration; a run of a registration that is gone is closed
  // with the reason. Anything else names no history of ours and is only dropped.
  if (message.registration !== undefined) {
    const history = { targetId: message.targetId, registration: message.registration };
    const now = deps.clock.now();
    const { run, created } = await deps.store.runs.createIfAbsent({
      ...runFields(history, message, now),
      outcome: 'failed',
      attempts: 0,
      finishedAt: now,
      note: 'the target is no longer registered',
    });
    if (!created && !isFinalOutcome(run.outcome)) {
      await finish(deps, run, 'failed', { note: 'the target is no longer registered' }).catch(ignoreRace);
    }
  }
  return { outcome: 'failed', duplicate: false };
}

function runFields(history: HistoryRef, message: ActionMessage, now: number) {
  return {
    ...history,
    occurrenceAt: message.occurrenceAt,
    requestedAction: message.action,
    source: message.source,
    createdAt: now,
    ...(message.requestedBy ? { requestedBy: message.requestedBy } : {}),
  };
}

type Claim =
  { kind: 'claimed'; latest: StoredLatestAction; resumed: boolean } | { kind: 'done'; report: ExecuteReport };

/**
 * Takes the target for this run, if it is the latest desired state and no older run holds it. The claim
 * is one conditional write of the `latest` row: a request or claim that got there first makes it fail,
 * and the decision is taken again on what that writer left.
 */
async function claimTurn(
  deps: ExecuteDependencies,
  history: HistoryRef,
  schedule: TargetSchedule,
  message: ActionMessage,
  delivery: Delivery,
): Promise<Claim> {
  for (let attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt++) {
    const now = deps.clock.now();
    const latest = await deps.store.runs.getLatest(history);
    const turn = decideTurn({
      occurrenceAt: message.occurrenceAt,
      messageId: delivery.messageId,
      ...(latest ? { latest } : {}),
      ...withNewer(newerDueOccurrence(schedule, message.occurrenceAt, now)),
      now,
    });
    if (turn.kind === 'superseded') {
      await settleSuperseded(deps, history, message, turn.by);
      return { kind: 'done', report: { outcome: 'superseded', duplicate: false } };
    }
    if (turn.kind === 'duplicate') return { kind: 'done', report: { outcome: 'pending', duplicate: true } };
    if (turn.kind === 'wait') {
      // Not a failure and no Azure call: the older run finishes (or is found superseded) within its lease.
      const delay = Math.max(1000, Math.min(turn.untilAt - now, deps.waitInMs ?? DEFAULT_WAIT_MS));
      await deps.actions.send(message, { visibilityDelayInMs: delay });
      return { kind: 'done', report: { outcome: 'pending', duplicate: false, retryInMs: delay } };
    }
    try {
      const claimed = await deps.store.runs.putLatest(
        {
          ...history,
          latestAt: message.occurrenceAt,
          latestAction: message.action,
          actor: {
            at: message.occurrenceAt,
            owner: delivery.messageId,
            until: now + (deps.leaseInMs ?? DEFAULT_LEASE_MS),
          },
        },
        latest ? { etag: latest.etag } : {},
      );
      return { kind: 'claimed', latest: claimed, resumed: turn.resumed || message.resumed === true };
    } catch (error) {
      if (!(error instanceof PreconditionFailedError || error instanceof ConflictError)) throw error;
    }
  }
  // Busy with requests: look again shortly, through the queue.
  const delay = deps.waitInMs ?? DEFAULT_WAIT_MS;
  await deps.actions.send(message, { visibilityDelayInMs: delay });
  return { kind: 'done', report: { outcome: 'pending', duplicate: false, retryInMs: delay } };
}

const withNewer = (newer: { at: number; action: RunAction } | undefined) =>
  newer ? { newerDue: newer } : {};

/** Gives the target back, unless someone else has already written the row (then it is not ours to clear). */
async function letGo(deps: ExecuteDependencies, claimed: StoredLatestAction): Promise<void> {
  const { etag, actor: _actor, ...rest } = claimed;
  try {
    await deps.store.runs.putLatest(rest, { etag });
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
    // A request moved `latest` on meanwhile; it kept our actor, so clear it if it is still ours.
    const now = await deps.store.runs.getLatest(claimed);
    if (now && now.actor?.at === claimed.actor?.at && now.actor?.owner === claimed.actor?.owner) {
      const { etag: current, actor: _mine, ...latest } = now;
      await deps.store.runs.putLatest(latest, { etag: current }).catch(ignoreRace);
    }
  }
}

function ignoreRace(error: unknown): void {
  if (!(error instanceof PreconditionFailedError || error instanceof ConflictError)) throw error;
}

/** Creates the run as this delivery's first attempt, or counts another attempt on an existing one. */
async function startRun(
  deps: ExecuteDependencies,
  history: HistoryRef,
  message: ActionMessage,
): Promise<StoredRun | undefined> {
  const now = deps.clock.now();
  const fresh: Run = {
    ...runFields(history, message, now),
    outcome: 'pending',
    attempts: 1,
    startedAt: now,
  };
  const created = await deps.store.runs.createIfAbsent(fresh);
  if (created.created || isFinalOutcome(created.run.outcome)) return created.run;
  const run = created.run;
  try {
    return await deps.store.runs.update({
      ...run,
      attempts: run.attempts + 1,
      startedAt: run.startedAt ?? now,
    });
  } catch (error) {
    // We hold the target, so only a late writer of an older attempt can get here; the run is in hand.
    if (error instanceof PreconditionFailedError) return undefined;
    throw error;
  }
}

function supersededNote(by: { at: number; action: RunAction }): string {
  return `superseded by the ${by.action} at ${new Date(by.at).toISOString()}`;
}

/** Records a run that lost its turn; a run that already ended keeps its outcome. */
async function settleSuperseded(
  deps: ExecuteDependencies,
  history: HistoryRef,
  message: ActionMessage,
  by: { at: number; action: RunAction },
): Promise<void> {
  const now = deps.clock.now();
  const { run, created } = await deps.store.runs.createIfAbsent({
    ...runFields(history, message, now),
    outcome: 'superseded',
    attempts: 0,
    finishedAt: now,
    note: supersededNote(by),
  });
  if (!created && !isFinalOutcome(run.outcome)) {
    await finish(deps, run, 'superseded', { note: supersededNote(by) }).catch(ignoreRace);
  }
}

async function recordSuperseded(
  deps: ExecuteDependencies,
  history: HistoryRef,
  message: ActionMessage,
): Promise<void> {
  const now = deps.clock.now();
  for (const [occurrenceAt, action] of message.superseded ?? []) {
    await deps.store.runs.createIfAbsent({
      ...history,
      occurrenceAt,
      requestedAction: action,
      source: message.source,
      outcome: 'superseded',
      attempts: 0,
      createdAt: now,
      finishedAt: now,
      note: supersededNote({ at: message.occurrenceAt, action: message.action }),
    });
  }
}

async function finish(
  deps: ExecuteDependencies,
  run: StoredRun,
  outcome: RunOutcome,
  extra: { note?: string; operation?: string; error?: { code: string; message: string } },
): Promise<void> {
  await deps.store.runs.update({ ...run, ...extra, outcome, finishedAt: deps.clock.now() });
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
  const throttledTooLong = throttled && deps.clock.now() - message.occurrenceAt >= retry.maxThrottledAgeInMs;
  if (attempt >= retry.maxAttempts || throttledTooLong) {
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
  // Record the error, then hand the wait to the queue: no sleeping in a function.
  await deps.store.runs.update({ ...run, error: asError });
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
