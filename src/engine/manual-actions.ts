// Manual actions: a person asks for start, stop or restart now, and it goes through the same queue and run
// rows as scheduled ones. Reading what happened is `run-history.ts`.

import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import { ConflictError, isWriteRace } from '../errors.js';
import type {
  HistoryRef,
  RunRepository,
  StoredLatestAction,
  StoredRun,
  StoredTarget,
  TargetRepository,
} from '../store/ports.js';
import { actionMessageFor, type ActionSource, type RequestedAction } from './action-message.js';
import type { ActionQueue } from './ports.js';
import { getTarget } from './register-targets.js';
import { historyOf } from './run-history.js';
import { closeRun } from './run-records.js';

export interface ManualActionDependencies {
  targets: TargetRepository;
  runs: RunRepository;
  actions: ActionQueue;
  clock: Clock;
}

export interface AcceptedAction {
  target: StoredTarget;
  /** The run's occurrence: with the target, its id. */
  occurrenceAt: number;
  action: RequestedAction;
}

const MINUTE_MS = 60_000;
/** Concurrent requests on one target: this many instants found taken, or writes lost, is a 409. */
const MAX_REQUEST_ATTEMPTS = 100;
/** Requests in the same moment spread over this many milliseconds, so they rarely meet on one instant. */
const SAME_TIME_SPREAD_MS = 250;

/**
 * Queues a person's start, stop or restart as a run of its own. Its instant is unique within the target's
 * history and later than anything asked for before, so of several requests the latest wins and the rest
 * are recorded `superseded` (docs/invariants.md).
 * @throws NotFoundError for an unknown target, ForbiddenError for someone else's, ConflictError when the
 * target is flooded with concurrent requests.
 */
export async function requestAction(
  deps: ManualActionDependencies,
  principal: Principal,
  targetId: string,
  action: RequestedAction,
): Promise<AcceptedAction> {
  const target = await getTarget(deps, principal, targetId, `There is no target ${targetId}.`);
  return queueRequest(deps, target, action, { source: 'manual', requestedBy: principal.id });
}

/** Who asks for a request queued by {@link queueRequest}, and why. */
export interface RequestOrigin {
  source: Exclude<ActionSource, 'schedule'>;
  /** A principal id, or the scheduler's own name for what it decided itself (e.g. `idle-policy`). */
  requestedBy: string;
  /** A remark for the pending run, e.g. what an override keeps. */
  note?: string;
}

/**
 * Queues a start, stop or restart as a run of its own, like a person's request but without an access check:
 * for what the scheduler decides itself (an idle policy's stop) or a caller already checked (a wake).
 * @throws ConflictError when the target is flooded with concurrent requests.
 */
export async function queueRequest(
  deps: ManualActionDependencies,
  target: StoredTarget,
  action: RequestedAction,
  origin: RequestOrigin,
): Promise<AcceptedAction> {
  const history = historyOf(target);
  const latest = await deps.runs.getLatest(history);
  // Record the run first, so the caller can follow it at once; the executor adopts the pending row.
  const occurrenceAt = await recordAtFreeInstant(deps, history, action, origin, latest?.latestAt);
  const message = actionMessageFor(target, action, occurrenceAt, origin);
  try {
    await advanceLatest(deps, history, occurrenceAt, action, latest);
    await deps.actions.send(message);
  } catch (error) {
    // The caller is told it failed and may ask again: the run must not wait for ever as if it were queued.
    const note = 'not queued: storage did not answer; the request was refused and may be sent again';
    await closeRun({ store: { runs: deps.runs }, clock: deps.clock }, history, message, 'failed', note).catch(
      () => undefined,
    );
    throw error;
  }
  return { target, occurrenceAt, action };
}

/**
 * Creates the request's pending run at an instant of its own, after the latest request and never a whole
 * minute (those are the schedules'). Requests that arrive together have no order of their own, so each
 * takes a random millisecond of the next `SAME_TIME_SPREAD_MS` and steps on only if it was taken (the run
 * row is created only if absent): no request waits for another, and one that follows a finished request
 * always comes after it.
 */
async function recordAtFreeInstant(
  deps: ManualActionDependencies,
  history: HistoryRef,
  action: RequestedAction,
  origin: RequestOrigin,
  latestAt: number | undefined,
): Promise<number> {
  const from =
    Math.max(deps.clock.now(), (latestAt ?? -1) + 1) + Math.floor(Math.random() * SAME_TIME_SPREAD_MS);
  return createPendingRun(deps, history, from, {
    requestedAction: action,
    source: origin.source,
    requestedBy: origin.requestedBy,
    ...(origin.note ? { note: origin.note } : {}),
  });
}

/** What a request's pending run records besides where and when. */
export type PendingRequest = Pick<StoredRun, 'requestedAction' | 'source' | 'requestedBy' | 'note'>;

/**
 * Creates a pending run at the first free instant from `from` on that is not a whole minute (whole minutes
 * are the schedules'): the row is created only if absent, so two requests never share an instant.
 * @returns the run's instant
 * @throws ConflictError when the target is flooded with concurrent requests.
 */
export async function createPendingRun(
  deps: Pick<ManualActionDependencies, 'runs' | 'clock'>,
  history: HistoryRef,
  from: number,
  request: PendingRequest,
): Promise<number> {
  let at = from;
  for (let attempt = 1; attempt <= MAX_REQUEST_ATTEMPTS; attempt++, at++) {
    if (at % MINUTE_MS === 0) at += 1;
    const { created } = await deps.runs.createIfAbsent({
      ...history,
      occurrenceAt: at,
      ...request,
      outcome: 'pending',
      attempts: 0,
      createdAt: deps.clock.now(),
    });
    if (created) return at;
  }
  throw floodedBy(history);
}

const floodedBy = (history: HistoryRef) =>
  new ConflictError(`target ${history.targetId} is taking too many requests at once; try again shortly`);

/**
 * Moves the history's `latest` row on to this request, unless a later one got there first: from then on,
 * every older run is superseded. The run acting now, if any, keeps the target until it is done.
 */
async function advanceLatest(
  deps: ManualActionDependencies,
  history: HistoryRef,
  at: number,
  action: RequestedAction,
  latest: StoredLatestAction | undefined,
): Promise<void> {
  for (let attempt = 1; attempt <= MAX_REQUEST_ATTEMPTS; attempt++) {
    if (latest && latest.latestAt >= at) return;
    try {
      await deps.runs.putLatest(
        { ...history, latestAt: at, latestAction: action, ...(latest?.actor ? { actor: latest.actor } : {}) },
        latest ? { etag: latest.etag } : {},
      );
      return;
    } catch (error) {
      if (!isWriteRace(error)) throw error;
      latest = await deps.runs.getLatest(history);
    }
  }
  throw floodedBy(history);
}
