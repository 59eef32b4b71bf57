// Execute: carry out one action message, in the order the target's desired states were asked for. Only
// the target's latest desired state may act and only one run acts at a time (the `latest` row, claimed
// under its ETag); the run row (target, occurrence) is created only if absent, so nothing acts twice; the
// target's state is read first, so "already there" is a recorded no-op; throttling and conflicts wait in
// the queue. The rules are in docs/invariants.md; the decision itself is `decideTurn`.

import type { Clock } from '../clock.js';
import {
  isInDesiredState,
  stateAfter,
  poolModelState,
  ThrottledError,
  TransientError,
  type ComputeGateway,
  type TargetAction,
  type TargetState,
} from '../compute/gateway.js';
import { formatInstant } from '../schedule/index.js';
import type {
  HistoryRef,
  Override,
  RunOutcome,
  Store,
  StoredLatestAction,
  StoredRun,
  StoredTarget,
  TargetSchedule,
} from '../store/ports.js';
import type { PoolPolicy, StoredPolicy } from '../store/pool-ports.js';
import type { ActionMessage, RequestedAction } from './action-message.js';
import type { ActionQueue } from './ports.js';
import type { ExecuteOptions } from './options.js';
import { afterFailure, DEFAULT_RETRY_POLICY, describeError, type RetryPolicy } from './retry.js';
import {
  closeRun,
  finish,
  isFinalOutcome,
  recordSuperseded,
  startRun,
  supersededNote,
} from './run-records.js';
import { checkAccepted, queueCheck } from './check-accepted.js';
import { historyOf } from './run-history.js';
import { claimTurn, letGo, withClaimLeft } from './target-claim.js';
import { newerDueOccurrence, scheduleAsks } from './turn.js';

export { isFinalOutcome };

export { DEFAULT_RETRY_POLICY, type RetryPolicy };

export interface ExecuteDependencies {
  store: {
    runs: Store['runs'];
    targets: Pick<Store['targets'], 'getWithSchedule'>;
    /** To delete the due rows of a replaced schedule that a message names (docs/decisions/0015). */
    due: Pick<Store['due'], 'forget'>;
  };
  gateway: ComputeGateway;
  actions: ActionQueue;
  clock: Clock;
  /** Resolved once with `resolveExecuteOptions`. */
  options: ExecuteOptions;
  /**
   * A pool with a scaling policy is not switched all on or off by its schedule: the schedule moves the
   * policy's floor and the policy reconciles the pool now (`applyPoolPolicy`), from a read of its own.
   */
  poolPolicy?: PoolPolicyPort;
}

/** A pool's scaling policy, as the executor uses it: found before the claim, applied in the run. */
export interface PoolPolicyPort {
  /** The pool's policy, or undefined when it has none (the schedule then switches it like a machine). */
  find(target: StoredTarget): Promise<StoredPolicy<PoolPolicy> | undefined>;
  /** Reconciles the pool now, under the floor its schedule sets. */
  apply(target: StoredTarget, schedule: TargetSchedule, policy: StoredPolicy<PoolPolicy>): Promise<Done>;
}

export interface Delivery {
  /** The queue message id: stays the same across redeliveries of one message. */
  messageId: string;
  dequeueCount: number;
  /**
   * An action of an envelope: the envelope's deliveries are not its own, so a fault the host would deliver
   * again is handed on as a message of its own instead (docs/decisions/0016).
   */
  member?: true;
}

export interface ExecuteReport {
  outcome: RunOutcome;
  /** The message was a duplicate of work done or in hand elsewhere; nothing was called. */
  duplicate: boolean;
  /** A retry was enqueued with this delay. */
  retryInMs?: number;
  /** The ARM operation called, if any. */
  operation?: string;
  /** The message came from a replaced schedule that no longer asks for it: nothing recorded, nothing called. */
  stale?: true;
}

export async function execute(
  deps: ExecuteDependencies,
  message: ActionMessage,
  delivery: Delivery,
): Promise<ExecuteReport> {
  const registered = await deps.store.targets.getWithSchedule(message.targetId);
  if (!registered || !belongsTo(message, registered.target)) {
    await forgetRowsOf(deps, message);
    return refuseUnregistered(deps, message);
  }
  const { target, schedule } = registered;
  if (message.check !== undefined) return checkAccepted(deps, target, message);
  const history = historyOf(target);
  const held = await notToActOn(deps, history, registered, message);
  if (held) return held;

  const machine = { resourceId: target.resourceId, kind: target.kind };
  // A pool under a policy is read by the policy itself: reading it here too would double what a scheduled
  // Start of many pools asks of the subscription's read budget, for nothing.
  const applyPolicy = await poolPolicyRun(deps, registered, message);
  // An earlier attempt's write, refused by throttling, goes again as it was: it is conditional on the ETag
  // read then, so a pool changed since (by anyone, that attempt included) refuses it and is read afresh.
  const carried = carriedState(message);
  const reads = message.action !== 'Restart' && !carried && !applyPolicy;
  const look = reads ? (resumed: boolean) => lookAt(deps, machine, resumed) : undefined;
  const claim = await claimTurn(deps, history, schedule, message, delivery, look);
  if (claim.kind !== 'claimed') return claim.report;

  try {
    return await carryOutClaimed(deps, { target, schedule, message, delivery, claim, applyPolicy, carried });
  } catch (error) {
    // The target may still be held by this attempt: whoever carries the run on next may resume that claim.
    throw withClaimLeft(error, claim.latest);
  }
}

/** The run, once the target is this message's: recorded, carried out, and let go of or handed on. */
async function carryOutClaimed(
  deps: ExecuteDependencies,
  attempt: {
    target: StoredTarget;
    schedule: TargetSchedule;
    message: ActionMessage;
    delivery: Delivery;
    claim: { latest: StoredLatestAction; resumed: boolean; looked: Look | undefined };
    applyPolicy: (() => Promise<Done>) | undefined;
    carried: TargetState | undefined;
  },
): Promise<ExecuteReport> {
  const { target, schedule, message, claim, applyPolicy, carried } = attempt;
  const run = await startRun(deps, historyOf(target), message);
  if (!run || isFinalOutcome(run.outcome)) {
    await letGo(deps, claim.latest);
    return { outcome: run?.outcome ?? 'pending', duplicate: true };
  }
  // Whether an earlier attempt may have called Azure and nobody has looked since: until a read settles
  // it, no attempt may act without reading first.
  const doubt = { inDoubt: claim.resumed };
  try {
    const { resumed, looked } = claim;
    const done = applyPolicy
      ? await applyPolicy()
      : await carryOut(deps, { target, schedule, message, resumed, doubt, looked, carried });
    const { outcome, ...extra } = done;
    await finish(deps, run, outcome, extra);
    await letGo(deps, claim.latest);
    // Azure took the call; its event or, failing that, a later read of the machine settles the run.
    if (outcome === 'accepted') await queueCheck(deps, message, 1);
    return { outcome, duplicate: false, ...(done.operation ? { operation: done.operation } : {}) };
  } catch (error) {
    const { resumed: _settled, ...settled } = message;
    const retried = doubt.inDoubt ? { ...settled, resumed: true as const } : settled;
    const failed = { delivery: attempt.delivery, run, claimed: claim.latest };
    return await handleFailure(deps, retried, failed, error);
  }
}

/**
 * Why the message is not acted on, if it is not: its schedule was replaced and no longer asks for it, or an
 * override holds the target. On the way, records the older occurrences it supersedes.
 */
async function notToActOn(
  deps: ExecuteDependencies,
  history: HistoryRef,
  { schedule, override }: { schedule: TargetSchedule | undefined; override?: Override | undefined },
  message: ActionMessage,
): Promise<ExecuteReport | undefined> {
  if (message.revision !== undefined && message.revision !== schedule?.revision) {
    const stale = await fromOtherRevision(deps, history, schedule, message);
    if (stale) return stale;
  }
  await recordSuperseded(deps, history, message);
  // People's requests (and an override's own state) act; the schedule, idle stops and enforcement wait it out.
  if (override && override.until > deps.clock.now() && !PEOPLE.has(message.source)) {
    await closeRun(deps, history, message, 'overridden', overriddenNote(override));
    return { outcome: 'overridden', duplicate: false };
  }
  return undefined;
}

export interface Done {
  outcome: RunOutcome;
  note?: string;
  operation?: string;
}

/** Reads the machine, and calls Azure unless it is already there or a newer occurrence fell due. */
async function carryOut(
  deps: ExecuteDependencies,
  run: {
    target: StoredTarget;
    schedule: TargetSchedule;
    message: ActionMessage;
    resumed: boolean;
    doubt: { inDoubt: boolean };
    /** What was read of the machine just before the claim (`lookAt`), when the action needs it. */
    looked: Look | undefined;
    /** The pool an earlier attempt's refused write was made from, when the message carries it. */
    carried: TargetState | undefined;
  },
): Promise<Done> {
  const { target, schedule, message } = run;
  const machine = { resourceId: target.resourceId, kind: target.kind };
  if (run.looked && 'unreadable' in run.looked) throw run.looked.unreadable;
  const { carried } = run;
  const state = carried ?? run.looked?.state;
  // Only a read made now settles the doubt; what an earlier attempt read may predate its own call.
  if (state && !carried) run.doubt.inDoubt = false;
  const judged = judgeState(message.action, state, run.resumed);
  if (judged) return judged;
  // Reading the machine took time: a newer occurrence may have fallen due meanwhile.
  const newer = newerDueOccurrence(schedule, message.occurrenceAt, deps.clock.now());
  if (newer) return { outcome: 'superseded', note: supersededNote(newer) };
  const action = message.action.toLowerCase() as TargetAction;
  const result = await deps.gateway.act(machine, action, {
    waitForCompletion: deps.options.waitForCompletion,
    // What was just read: the gateway need not read it again before its write.
    ...(state ? { knownState: state } : {}),
  });
  const note =
    result.outcome === 'accepted'
      ? `accepted by Azure; waiting for it to complete${result.note ? ` (${result.note})` : ''}`
      : result.note;
  return {
    outcome:
      result.outcome === 'alreadyInState'
        ? 'skipped-already-there'
        : result.outcome === 'accepted'
          ? 'accepted'
          : 'succeeded',
    ...(result.operation ? { operation: result.operation } : {}),
    ...(note ? { note } : {}),
  };
}

/**
 * What the state read settles on its own: a machine already in the wanted state (or on its way there) is
 * a recorded no-op, or, when an earlier attempt of this run may have made the call, that call's success.
 * Undefined: the call is still to be made (or the state could not be read).
 */
export function judgeState(
  action: RequestedAction,
  state: TargetState | undefined,
  resumed: boolean,
): Done | undefined {
  if (!state || action === 'Restart') return undefined;
  const underway = action === 'Start' ? state.power === 'starting' : state.power === 'stopping';
  if (!isInDesiredState(state, stateAfter(action)) && !underway) return undefined;
  return resumed
    ? { outcome: 'succeeded', note: 'completed by an earlier attempt' }
    : { outcome: 'skipped-already-there', note: `already ${state.raw}` };
}

/**
 * What was read of the machine before acting: its state; nothing, when Azure throttled the read or answered
 * it with a transient fault; or, for a resumed run, the error (`unreadable`) that keeps it from acting.
 * Reads and writes have budgets of their own in ARM, and starting a running machine or deallocating a
 * deallocated one changes nothing, so the latest desired state goes ahead without the read rather than
 * waiting for it. A resumed run must read: an earlier attempt may already have made the call. Any other
 * failure is the attempt's: it is thrown after the claim, so that the run records it.
 */
type Look = { state?: TargetState } | { unreadable: unknown };

async function lookAt(
  deps: ExecuteDependencies,
  machine: { resourceId: string; kind: StoredTarget['kind'] },
  resumed: boolean,
): Promise<Look> {
  try {
    return { state: await deps.gateway.readState(machine) };
  } catch (error) {
    if (!(error instanceof ThrottledError || error instanceof TransientError)) return { unreadable: error };
    // A pool whose model was read but not its instances: that is enough to judge a Stop and to write from.
    if (error.lastRead?.etag !== undefined) return { state: poolModelState(error.lastRead) };
    return resumed ? { unreadable: error } : {};
  }
}

/**
 * For a Start or Stop of a pool that has a policy: the run that applies it, with the policy found now. A
 * Restart restarts its instances whatever the policy.
 */
async function poolPolicyRun(
  deps: ExecuteDependencies,
  { target, schedule }: { target: StoredTarget; schedule: TargetSchedule },
  message: ActionMessage,
): Promise<(() => Promise<Done>) | undefined> {
  const port = deps.poolPolicy;
  if (target.kind !== 'pool' || message.action === 'Restart' || !port) return undefined;
  const policy = await port.find(target);
  return policy && (() => port.apply(target, schedule, policy));
}

/** The pool as an earlier attempt's refused write read it: its model, not its instances. */
function carriedState(message: ActionMessage): TargetState | undefined {
  const read = message.lastRead;
  if (!read || message.kind !== 'pool' || message.action === 'Restart') return undefined;
  return poolModelState(read);
}

/** Sources that are a person's word (a request, a wake, the override itself): an override does not hold them. */
const PEOPLE: ReadonlySet<ActionMessage['source']> = new Set(['manual', 'wake', 'override']);

export function overriddenNote(override: Override): string {
  return (
    `not acted on: an override${override.setBy ? ` by ${override.setBy}` : ''} keeps the target ` +
    `${override.state.toLowerCase()} until ${formatInstant(override.until)}`
  );
}

/** A message acts only on the registered target it names: the same machine, and the same registration. */
function belongsTo(message: ActionMessage, target: StoredTarget): boolean {
  return (
    target.resourceId.toLowerCase() === message.resourceId.toLowerCase() &&
    target.kind === message.kind &&
    (message.registration === undefined || message.registration === target.registration)
  );
}

/** How long a message whose revision is not the target's waits for a schedule write in progress to land. */
export const REVISION_RECHECK_DELAY_MS = 10_000;

/**
 * A schedule's message whose rows were written for a revision that is not the target's (the tick does not
 * check, docs/decisions/0015). Revisions have no order, so the first time it waits a few seconds and looks
 * again: its rows may belong to a schedule write not yet committed, whose rows must not be deleted. Still
 * not the target's then, the revision was replaced (or its write failed): the rows are deleted, and the
 * message acts only if the current schedule asks for the same action at the same instant. Otherwise an
 * attempt made under the old schedule is closed `superseded`.
 */
async function fromOtherRevision(
  deps: ExecuteDependencies,
  history: HistoryRef,
  schedule: TargetSchedule | undefined,
  message: ActionMessage,
): Promise<ExecuteReport | undefined> {
  if (!message.revisionRechecked) {
    const again = { ...message, revisionRechecked: true as const };
    await deps.actions.send(again, { visibilityDelayInMs: REVISION_RECHECK_DELAY_MS });
    return { outcome: 'pending', duplicate: false, retryInMs: REVISION_RECHECK_DELAY_MS };
  }
  await forgetRowsOf(deps, message);
  if (scheduleAsks(schedule, message.occurrenceAt, message.action)) return undefined;
  const run = await deps.store.runs.get(history, message.occurrenceAt);
  if (run && !isFinalOutcome(run.outcome)) {
    await finish(deps, run, 'superseded', {
      note: 'not acted on: the schedule was changed since it fell due',
    });
  }
  return { outcome: 'superseded', duplicate: false, stale: true };
}

/** Deletes the due rows a stale schedule message names; one left behind is found, and forgotten, next time. */
async function forgetRowsOf(deps: ExecuteDependencies, message: ActionMessage): Promise<void> {
  const { revision, nextRows, targetId } = message;
  if (revision === undefined || !nextRows?.length) return;
  const rows = nextRows.map(([entryIndex, at]) => ({ at, targetId, revision, entryIndex }));
  await deps.store.due.forget(rows).catch(() => undefined);
}

async function refuseUnregistered(deps: ExecuteDependencies, message: ActionMessage): Promise<ExecuteReport> {
  // Only a request we accepted names its registration; a run of a registration that is gone is closed
  // with the reason. Anything else names no history of ours and is only dropped.
  if (message.registration !== undefined) {
    const history = { targetId: message.targetId, registration: message.registration };
    await closeRun(deps, history, message, 'failed', 'the target is no longer registered');
  }
  return { outcome: 'failed', duplicate: false };
}

/** The attempt that failed: the delivery it came in, its run, and its claim on the target. */
interface FailedAttempt {
  delivery: Delivery;
  run: StoredRun;
  claimed: StoredLatestAction;
}

async function handleFailure(
  deps: ExecuteDependencies,
  message: ActionMessage,
  attempt: FailedAttempt,
  error: unknown,
): Promise<ExecuteReport> {
  const { delivery, run, claimed } = attempt;
  const next = afterFailure(error, message, {
    policy: deps.options.retry,
    now: deps.clock.now(),
    delivery: { ...delivery, maxDequeueCount: deps.options.maxDequeueCount },
  });
  const recorded = { error: describeError(error) };
  switch (next.kind) {
    case 'failed':
      await finish(deps, run, 'failed', recorded);
      await letGo(deps, claimed);
      return { outcome: 'failed', duplicate: false };
    case 'redeliver':
      // It may have called Azure before it failed: whoever comes next reads before acting.
      if (delivery.member) return handOn(deps, { ...message, resumed: true }, attempt, recorded);
      if (next.lastDelivery) await finish(deps, run, 'poisoned', { ...recorded, note: next.note });
      // Its redelivery claims anew; a claim left held (storage refused this too) is its own to resume.
      await letGo(deps, claimed).catch(() => undefined);
      throw error;
    case 'poison':
      await deps.actions.sendToPoison(next.message);
      await finish(deps, run, 'poisoned', { ...recorded, note: next.note });
      await letGo(deps, claimed);
      return { outcome: 'poisoned', duplicate: false };
    default:
      // A retry: the wait goes to the queue, no sleeping in a function.
      return handOn(deps, next.message, attempt, recorded, next.delayInMs);
  }
}

/**
 * Sends the run on to its next carrier while this attempt still holds the target, then marks the run row
 * with that carrier, and only then lets go of the target (docs/decisions/0017). The next carrier names this
 * claim (`claimedAs`), so a claim storage would not let go of is its own to resume at once; and this
 * message, delivered again after its host died, finds either the claim or the mark and steps aside. Unmarked
 * (storage refused, or the next carrier already took the run on), the target stays held for the same reason.
 */
async function handOn(
  deps: ExecuteDependencies,
  message: ActionMessage,
  { run, claimed }: FailedAttempt,
  recorded: { error: { code: string; message: string } },
  delayInMs = deps.options.waitInMs,
): Promise<ExecuteReport> {
  const carrier = run.attempts;
  const actor = claimed.actor;
  const claimedAs = actor ? { claimedAs: { owner: actor.owner, etag: claimed.etag } } : {};
  await deps.actions.send({ ...message, ...claimedAs, carrier }, { visibilityDelayInMs: delayInMs });
  const marked = await deps.store.runs.update({ ...run, ...recorded, carrier }).then(
    () => true,
    () => false,
  );
  if (marked) await letGo(deps, claimed).catch(() => undefined);
  return { outcome: 'pending', duplicate: false, retryInMs: delayInMs };
}
