// Overrides (snoozes): a person suspends a target's schedule until an instant and keeps it running or
// stopped meanwhile. When the override ends (at its instant, or early by DELETE) the schedule's desired
// state applies again at once: docs/schedules.md, "Overrides".

import type { Principal } from '../auth/principal.js';
import { InvalidRequestError, NotFoundError } from '../errors.js';
import { desiredStateAt, formatInstant, parseInstant } from '../schedule/index.js';
import type {
  Override,
  ScheduleRepository,
  StoredControl,
  StoredTarget,
  TargetControlRepository,
} from '../store/ports.js';
import { actionMessageFor } from './action-message.js';
import { queueRequest, type ManualActionDependencies } from './manual-actions.js';
import { getTarget } from './register-targets.js';
import { historyOf } from './run-history.js';

/** Queue Storage holds a message back at most seven days: the override's end is such a message. */
export const MAX_OVERRIDE_MS = 7 * 24 * 3_600_000;
const MINUTE_MS = 60_000;

export interface OverrideDependencies extends ManualActionDependencies {
  controls: TargetControlRepository;
  schedules: Pick<ScheduleRepository, 'get'>;
}

export interface OverrideRequest {
  until: string;
  state: 'Running' | 'Stopped';
}

/**
 * `POST /targets/{id}/override`: suspends the schedule until `until` and puts the target in `state` now
 * (a request of its own in the run history). At `until` the schedule's desired state then applies.
 * @throws InvalidRequestError when `until` is not in the next seven days
 * @throws NotFoundError, ForbiddenError
 */
export async function setOverride(
  deps: OverrideDependencies,
  principal: Principal,
  targetId: string,
  body: OverrideRequest,
): Promise<{ target: StoredTarget; override: StoredControl<Override> }> {
  const target = await getTarget(deps, principal, targetId);
  const override = await overrideTarget(deps, target, parseInstant(body.until), body.state, principal.id);
  return { target, override };
}

/**
 * The override itself, for a caller already allowed to act on the target: a person through the API, or a
 * warning's signed snooze link (`by` says which).
 * @throws InvalidRequestError (pointer `/until`) when `until` is not in the next seven days
 */
export async function overrideTarget(
  deps: OverrideDependencies,
  target: StoredTarget,
  until: number,
  state: OverrideRequest['state'],
  by: string,
): Promise<StoredControl<Override>> {
  const now = deps.clock.now();
  if (until <= now || until - now > MAX_OVERRIDE_MS) {
    throw new InvalidRequestError('An override ends within the next seven days.', [
      { pointer: '/until', reason: `must be after now (${formatInstant(now)}) and at most seven days ahead` },
    ]);
  }
  const value: Override = { until, state, setAt: now, setBy: by };
  const override = await deps.controls.override.put(target, value);
  await queueRequest(deps, target, state === 'Running' ? 'Start' : 'Stop', {
    requestedBy: by,
    source: 'override',
    note: `override: ${state.toLowerCase()} until ${formatInstant(until)}, schedule suspended`,
  });
  await queueScheduleAgain(deps, target, until, `the override ended at ${formatInstant(until)}`);
  return override;
}

/** `GET /targets/{id}/override`. @throws NotFoundError when there is none (or it has ended) */
export async function getOverride(
  deps: OverrideDependencies,
  principal: Principal,
  targetId: string,
): Promise<{ target: StoredTarget; override: StoredControl<Override> }> {
  const target = await getTarget(deps, principal, targetId);
  const override = await deps.controls.override.get(target);
  if (!override || override.value.until <= deps.clock.now()) {
    throw new NotFoundError(`Target ${targetId} has no override in force.`);
  }
  return { target, override };
}

/**
 * `DELETE /targets/{id}/override`: ends it now; the schedule's desired state applies at once.
 * @throws NotFoundError when there is none in force, ForbiddenError
 */
export async function endOverride(
  deps: OverrideDependencies,
  principal: Principal,
  targetId: string,
): Promise<void> {
  const { target } = await getOverride(deps, principal, targetId);
  await deps.controls.override.delete(target);
  const now = deps.clock.now();
  const schedule = await deps.schedules.get(target.id);
  const desired = schedule && desiredStateAt(schedule.entries, now, schedule.registeredAt);
  if (!desired) return;
  await queueRequest(deps, target, desired === 'Running' ? 'Start' : 'Stop', {
    requestedBy: principal.id,
    source: 'override',
    note: `the override was ended early by ${principal.id}: back to the schedule`,
  });
}

/**
 * At the override's end, the schedule's desired state then, as a scheduled run: a newer override still in
 * force records it `overridden`, and a schedule occurrence after it supersedes it.
 */
async function queueScheduleAgain(
  deps: OverrideDependencies,
  target: StoredTarget,
  until: number,
  note: string,
): Promise<void> {
  const schedule = await deps.schedules.get(target.id);
  const desired = schedule && desiredStateAt(schedule.entries, until, schedule.registeredAt);
  if (!desired) return;
  const at = until % MINUTE_MS === 0 ? until + 1 : until;
  const action = desired === 'Running' ? 'Start' : 'Stop';
  await deps.runs.createIfAbsent({
    ...historyOf(target),
    occurrenceAt: at,
    requestedAction: action,
    source: 'schedule',
    outcome: 'pending',
    attempts: 0,
    createdAt: deps.clock.now(),
    note,
  });
  const message = actionMessageFor(target, action, at, { source: 'schedule' });
  await deps.actions.send(message, { visibilityDelayInMs: Math.max(0, at - deps.clock.now()) });
}
