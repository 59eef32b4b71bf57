// Manual actions and run history: a person asks for start, stop or restart now (it goes through the
// same queue and run rows as scheduled ones), and reads what happened to a target, newest first.

import { assertCanActOn } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import { NotFoundError } from '../errors.js';
import { isTargetId } from '../store/keys.js';
import type {
  Page,
  PageOptions,
  RunRepository,
  StoredRun,
  StoredTarget,
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

export async function requestAction(
  deps: ManualActionDependencies,
  principal: Principal,
  targetId: string,
  action: RequestedAction,
): Promise<AcceptedAction> {
  const target = await targetFor(deps, principal, targetId);
  const occurrenceAt = deps.clock.now();
  // Record the run first, so the caller can follow it at once; the executor adopts the pending row.
  await deps.runs.createIfAbsent({
    targetId: target.id,
    occurrenceAt,
    requestedAction: action,
    source: 'manual',
    outcome: 'pending',
    attempts: 0,
    createdAt: occurrenceAt,
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
  };
  await deps.actions.send(message);
  return { target, occurrenceAt, action };
}

export async function listRuns(
  deps: Pick<ManualActionDependencies, 'targets' | 'runs'>,
  principal: Principal,
  targetId: string,
  options: PageOptions = {},
): Promise<{ target: StoredTarget; page: Page<StoredRun> }> {
  const target = await targetFor(deps, principal, targetId);
  return { target, page: await deps.runs.list(target.id, options) };
}
