// A target's warning before each scheduled stop: set, read and removed by whoever may act on the target.
// The warning timer (warn-before-stops.ts) sends them.

import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import { InvalidRequestError, NotFoundError, type FieldProblem } from '../errors.js';
import type { TargetRepository, WarningRepository, WarningSettings } from '../store/ports.js';
import { getTarget } from './register-targets.js';
import { readWarningHook } from './warning-hook.js';

export interface WarningDependencies {
  targets: TargetRepository;
  warnings: WarningRepository;
  clock: Clock;
}

/** Reading or removing a warning needs no clock. */
export type WarningReadDependencies = Omit<WarningDependencies, 'clock'>;

/**
 * Sets the target's warning: `{webhook, leadMinutes}` (lead default 15). It replaces one a policy gave.
 * @throws InvalidRequestError naming the field at fault
 * @throws NotFoundError, ForbiddenError as for reading the target
 */
export async function putWarning(
  deps: WarningDependencies,
  principal: Principal,
  targetId: string,
  body: unknown,
): Promise<WarningSettings> {
  const target = await getTarget(deps, principal, targetId);
  const problems: FieldProblem[] = [];
  const hook = readWarningHook(body, '', problems);
  if (!hook) throw new InvalidRequestError('The warning is invalid.', problems);
  return deps.warnings.put({
    targetId: target.id,
    ...(target.registration ? { registration: target.registration } : {}),
    ...hook,
    source: 'target',
    updatedAt: deps.clock.now(),
    updatedBy: principal.id,
  });
}

/**
 * @throws NotFoundError when the target has no warning (or one set for an earlier registration)
 * @throws ForbiddenError as for reading the target
 */
export async function getWarning(deps: WarningReadDependencies, principal: Principal, targetId: string) {
  const target = await getTarget(deps, principal, targetId);
  const settings = await deps.warnings.get(target.id);
  if (!settings || (settings.registration ?? '') !== (target.registration ?? '')) {
    throw new NotFoundError(`Target ${target.id} has no warning; set one with PUT .../warning.`);
  }
  return settings;
}

/** @throws NotFoundError when the target has no warning; ForbiddenError as for reading the target */
export async function deleteWarning(deps: WarningReadDependencies, principal: Principal, targetId: string) {
  const target = await getTarget(deps, principal, targetId);
  if (!(await deps.warnings.delete(target.id)))
    throw new NotFoundError(`Target ${target.id} has no warning.`);
}
