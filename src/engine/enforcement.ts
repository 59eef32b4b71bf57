// Enforcement: whether a target's schedule holds against people. With it on, a start the scheduler did
// not make, while the schedule wants the target stopped, is undone after a grace period (react-to-event.ts).

import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import { PreconditionFailedError } from '../errors.js';
import type {
  Enforcement,
  StoredControl,
  StoredTarget,
  Target,
  TargetControlRepository,
  TargetRepository,
} from '../store/ports.js';
import { getTarget } from './register-targets.js';

/** How long a person's start may run on an enforced target before it is stopped, unless told otherwise. */
export const DEFAULT_GRACE_MINUTES = 30;

export interface EnforcementDependencies {
  targets: Pick<TargetRepository, 'get'>;
  controls: TargetControlRepository;
  clock: Clock;
}

export interface EnforcementSettings {
  enforce: boolean;
  /** @default 30 */
  graceMinutes?: number;
}

/** What a target without an enforcement row has: nothing is enforced. */
export const NOT_ENFORCED: Enforcement = {
  enforce: false,
  graceMinutes: DEFAULT_GRACE_MINUTES,
  updatedAt: 0,
};

/**
 * Sets a target's enforcement, for callers that have already decided they may (a policy being applied).
 * The HTTP edge goes through `putEnforcement`, which checks the caller first.
 * @param options `updatedBy`: who asked (a principal id, or e.g. `policy:nightly-stop`); `ifRevision`: write
 *   only if the stored revision is still this one
 * @returns the enforcement as stored, with its revision (the HTTP ETag)
 * @throws PreconditionFailedError when `ifRevision` is not the stored revision
 */
export async function setEnforcement(
  deps: EnforcementDependencies,
  target: Target,
  settings: EnforcementSettings,
  options: { updatedBy?: string; ifRevision?: string } = {},
): Promise<StoredControl<Enforcement>> {
  const value: Enforcement = {
    enforce: settings.enforce,
    graceMinutes: settings.graceMinutes ?? DEFAULT_GRACE_MINUTES,
    updatedAt: deps.clock.now(),
    ...(options.updatedBy !== undefined ? { updatedBy: options.updatedBy } : {}),
  };
  return deps.controls.enforcement.put(
    target,
    value,
    options.ifRevision !== undefined ? { ifRevision: options.ifRevision } : {},
  );
}

/** A target's enforcement as stored, or `NOT_ENFORCED` (revision undefined) when none was set. */
export async function enforcementOf(
  deps: Pick<EnforcementDependencies, 'controls'>,
  target: Target,
): Promise<{ value: Enforcement; revision?: string }> {
  return (await deps.controls.enforcement.get(target)) ?? { value: NOT_ENFORCED };
}

/**
 * `PUT /targets/{id}/enforcement`: the body was checked against `EnforcementRequest`.
 * @param ifMatch the If-Match ETags (`*` or a list); default unconditional
 * @throws NotFoundError, ForbiddenError, PreconditionFailedError
 */
export async function putEnforcement(
  deps: EnforcementDependencies,
  principal: Principal,
  targetId: string,
  settings: EnforcementSettings,
  ifMatch?: '*' | string[],
): Promise<{ target: StoredTarget; enforcement: StoredControl<Enforcement> }> {
  const target = await getTarget(deps, principal, targetId);
  const current = await deps.controls.enforcement.get(target);
  const ifRevision = chooseRevision(ifMatch, current?.revision);
  const enforcement = await setEnforcement(deps, target, settings, {
    updatedBy: principal.id,
    ...(ifRevision !== undefined ? { ifRevision } : {}),
  });
  return { target, enforcement };
}

/** `GET /targets/{id}/enforcement`. @throws NotFoundError, ForbiddenError */
export async function getEnforcement(
  deps: EnforcementDependencies,
  principal: Principal,
  targetId: string,
): Promise<{ target: StoredTarget; enforcement: { value: Enforcement; revision?: string } }> {
  const target = await getTarget(deps, principal, targetId);
  return { target, enforcement: await enforcementOf(deps, target) };
}

/** `DELETE /targets/{id}/enforcement`: back to not enforced. @throws NotFoundError, ForbiddenError, PreconditionFailedError */
export async function deleteEnforcement(
  deps: EnforcementDependencies,
  principal: Principal,
  targetId: string,
  ifMatch?: '*' | string[],
): Promise<void> {
  const target = await getTarget(deps, principal, targetId);
  const current = await deps.controls.enforcement.get(target);
  const ifRevision = chooseRevision(ifMatch, current?.revision);
  await deps.controls.enforcement.delete(target, ifRevision !== undefined ? { ifRevision } : {});
}

/** If-Match → the revision a write is conditional on (undefined: unconditional), as schedules do. */
export function chooseRevision(
  ifMatch: '*' | string[] | undefined,
  current: string | undefined,
): string | undefined {
  if (ifMatch === undefined) return undefined;
  if (ifMatch === '*') {
    if (current === undefined) throw new PreconditionFailedError('If-Match: * but nothing is set yet.');
    return current;
  }
  if (current !== undefined && ifMatch.includes(current)) return current;
  throw new PreconditionFailedError('None of the ETags in If-Match is current; read it again.');
}
