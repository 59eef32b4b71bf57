// Manual actions and run history: a person asks for start, stop or restart now (it goes through the
// same queue and run rows as scheduled ones), and reads what happened to a target, newest first. A
// history belongs to one registration of a target; earlier registrations' histories are for admins.

import { assertCanActOn } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import { ConflictError, ForbiddenError, NotFoundError, PreconditionFailedError } from '../errors.js';
import { isTargetId } from '../store/keys.js';
import type {
  HistoryRef,
  Page,
  PageOptions,
  RegistrationHistory,
  RunRepository,
  StoredRun,
  StoredTarget,
  Target,
  TargetRepository,
} from '../store/ports.js';
import type { ActionMessage, RequestedAction } from './action-message.js';
import type { ActionQueue } from './ports.js';

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

async function targetFor(
  deps: Pick<ManualActionDependencies, 'targets'>,
  principal: Principal,
  targetId: string,
) {
  const target = isTargetId(targetId) ? await deps.targets.get(targetId) : undefined;
  if (!target) throw new NotFoundError(`There is no target ${targetId}.`);
  assertCanActOn(principal, target);
  return target;
}

const MINUTE_MS = 60_000;
/** Concurrent requests on one target take turns at the `latest` row; this many lost turns is a 409. */
const MAX_REQUEST_ATTEMPTS = 100;

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
  const target = await targetFor(deps, principal, targetId);
  const history = historyOf(target);
  const occurrenceAt = await takeInstant(deps, history, action);
  // Record the run first, so the caller can follow it at once; the executor adopts the pending row.
  await deps.runs.createIfAbsent({
    ...history,
    occurrenceAt,
    requestedAction: action,
    source: 'manual',
    outcome: 'pending',
    attempts: 0,
    createdAt: deps.clock.now(),
    requestedBy: principal.id,
  });
  const message: ActionMessage = {
    v: 1,
    targetId: target.id,
    resourceId: target.resourceId,
    kind: target.kind,
    action,
    occurrenceAt,
    source: 'manual',
    requestedBy: principal.id,
    ...(target.registration ? { registration: target.registration } : {}),
  };
  await deps.actions.send(message);
  return { target, occurrenceAt, action };
}

export function historyOf(target: Target): HistoryRef {
  return { targetId: target.id, ...(target.registration ? { registration: target.registration } : {}) };
}

/**
 * Moves the history's `latest` row on to a new instant for this request: now, or one millisecond after the
 * latest request when that is later (requests in the same millisecond), never a whole minute (those are
 * the schedules'). The conditional write makes concurrent requests take distinct instants, in order.
 */
async function takeInstant(
  deps: ManualActionDependencies,
  history: HistoryRef,
  action: RequestedAction,
): Promise<number> {
  for (let attempt = 1; attempt <= MAX_REQUEST_ATTEMPTS; attempt++) {
    const latest = await deps.runs.getLatest(history);
    let at = Math.max(deps.clock.now(), (latest?.latestAt ?? -1) + 1);
    if (at % MINUTE_MS === 0) at += 1;
    try {
      await deps.runs.putLatest(
        {
          ...history,
          latestAt: at,
          latestAction: action,
          // The run acting now, if any, keeps the target until it is done.
          ...(latest?.actor ? { actor: latest.actor } : {}),
        },
        latest ? { etag: latest.etag } : {},
      );
      return at;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError || error instanceof ConflictError)) throw error;
      // Another request got there first: step aside for a moment so a crowd does not collide in lockstep.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(attempt, 20)));
    }
  }
  throw new ConflictError(
    `target ${history.targetId} is taking too many requests at once; try again shortly`,
  );
}

export interface ListRunsOptions extends PageOptions {
  /**
   * An earlier registration of the target, whose history only admins may read (the target may since have
   * been deleted). Default: the current registration.
   */
  registration?: string;
}

/**
 * A page of a target's runs, newest first.
 * @throws NotFoundError for an unknown target or registration, ForbiddenError for someone else's target
 * or for a non-admin asking for an earlier registration.
 */
export async function listRuns(
  deps: Pick<ManualActionDependencies, 'targets' | 'runs'>,
  principal: Principal,
  targetId: string,
  options: ListRunsOptions = {},
): Promise<{ history: HistoryRef; page: Page<StoredRun> }> {
  const { registration, ...paging } = options;
  const target = isTargetId(targetId) ? await deps.targets.get(targetId) : undefined;
  if (registration === undefined || registration === target?.registration) {
    if (!target) throw new NotFoundError(`There is no target ${targetId}.`);
    assertCanActOn(principal, target);
    const history = historyOf(target);
    return { history, page: await deps.runs.list(history, paging) };
  }
  if (!principal.isAdmin) {
    throw new ForbiddenError('Only admins may read the history of an earlier registration of a target.');
  }
  const histories = isTargetId(targetId) ? await deps.runs.listRegistrations(targetId) : [];
  const history = histories.find((h) => (h.registration ?? '') === registration);
  if (!history) throw new NotFoundError(`Target ${targetId} has no registration ${registration} with runs.`);
  return { history, page: await deps.runs.list(history, paging) };
}

/**
 * Every registration of a target that has a run history, newest first: admins only, and also for a
 * target that has since been deleted.
 */
export async function listRegistrations(
  deps: Pick<ManualActionDependencies, 'targets' | 'runs'>,
  principal: Principal,
  targetId: string,
): Promise<{ current?: string; histories: RegistrationHistory[] }> {
  if (!principal.isAdmin) throw new ForbiddenError('Only admins may list the registrations of a target.');
  if (!isTargetId(targetId)) throw new NotFoundError(`There is no target ${targetId}.`);
  const target = await deps.targets.get(targetId);
  const histories = await deps.runs.listRegistrations(targetId);
  return { ...(target?.registration ? { current: target.registration } : {}), histories };
}
