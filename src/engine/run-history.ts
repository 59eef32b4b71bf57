// A target's run history: what happened to it, newest first. A history belongs to one registration of a
// target; earlier registrations' histories, also of deleted targets, are for admins.

import { assertCanActOn } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { isTargetId } from '../store/keys.js';
import type {
  HistoryRef,
  Page,
  PageOptions,
  RegistrationHistory,
  RunRepository,
  StoredRun,
  Target,
  TargetRepository,
} from '../store/ports.js';

export interface RunHistoryDependencies {
  targets: TargetRepository;
  runs: RunRepository;
}

/** The history a target's current registration writes to. */
export function historyOf(target: Target): HistoryRef {
  return { targetId: target.id, ...(target.registration ? { registration: target.registration } : {}) };
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
  deps: RunHistoryDependencies,
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
  deps: RunHistoryDependencies,
  principal: Principal,
  targetId: string,
): Promise<{ current?: string; histories: RegistrationHistory[] }> {
  if (!principal.isAdmin) throw new ForbiddenError('Only admins may list the registrations of a target.');
  if (!isTargetId(targetId)) throw new NotFoundError(`There is no target ${targetId}.`);
  const target = await deps.targets.get(targetId);
  const histories = await deps.runs.listRegistrations(targetId);
  return { ...(target?.registration ? { current: target.registration } : {}), histories };
}
