// Default policies: what admins set for a scope (a subscription, a resource group or any resource-id
// prefix) so that machines there without a schedule get one. This module checks and keeps them and says
// which policy a machine falls under; giving it to machines is default-policies.ts.

import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import { ForbiddenError, InvalidRequestError, NotFoundError, type FieldProblem } from '../errors.js';
import { ScheduleValidationError, validateSchedules } from '../schedule/index.js';
import type { TargetKind } from '../targets/resource-id.js';
import type { Policy, PolicyRepository, StoredPolicy } from '../store/ports.js';
import { readWarningHook } from './warning-hook.js';

/** The ports and settings the policy use cases need. */
export interface PolicyDependencies {
  policies: PolicyRepository;
  /** "Now": where a policy's schedule is checked for conflicts from, and its `updatedAt`. */
  clock: Clock;
  /** Entries a target of each kind may have: a policy's entries must fit every kind it names. */
  maxScheduleEntries: Record<TargetKind, number>;
}

export const TARGET_KINDS: readonly TargetKind[] = ['vm', 'pool', 'computeInstance'];
const POLICY_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_SCOPE_LENGTH = 1024;
const BODY_FIELDS = new Set(['scope', 'targetKinds', 'schedules', 'enforce', 'warning']);

/** Only admins see and change policies: they act on machines nobody registered. */
export function assertAdmin(principal: Principal): void {
  if (!principal.isAdmin) throw new ForbiddenError('Only a Scheduler.Admin may manage default policies.');
}

/** Whether a resource id lies in a scope: the same id, or below it on whole path segments, in any case. */
export function isInScope(resourceId: string, scope: string): boolean {
  const id = resourceId.toLowerCase();
  const prefix = scope.toLowerCase();
  return id === prefix || id.startsWith(`${prefix}/`);
}

/**
 * The policy a machine falls under: of the policies whose scope holds it and that name its kind, the one
 * with the narrowest (longest) scope; two alike are told apart by name, so the answer never depends on order.
 */
export function choosePolicy<P extends Policy>(
  policies: readonly P[],
  resourceId: string,
  kind: TargetKind,
): P | undefined {
  return policies
    .filter((policy) => policy.targetKinds.includes(kind) && isInScope(resourceId, policy.scope))
    .sort((a, b) => b.scope.length - a.scope.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0];
}

/** The URL's `{name}`, checked: 1–63 lowercase letters, digits and `-`, not starting or ending with `-`. */
export function checkPolicyName(name: string): void {
  if (!POLICY_NAME.test(name)) {
    throw new InvalidRequestError('A policy name is 1–63 lowercase letters, digits and "-".', [
      {
        parameter: 'name',
        reason: 'must be 1–63 lowercase letters, digits and "-", not starting or ending with "-"',
      },
    ]);
  }
}

/**
 * Checks a policy as `PUT /api/policies/{name}` sends it, listing every problem with a pointer: `scope`,
 * `targetKinds` (default all three), `schedules` (a `{"computeStartStop": [...]}` document, checked exactly as
 * a target's, with at least one entry and no more than the smallest limit of the kinds named), `enforce`
 * (default false) and `warning` (`{webhook, leadMinutes}`).
 * @throws InvalidRequestError naming each field at fault
 */
export function validatePolicy(
  deps: Pick<PolicyDependencies, 'clock' | 'maxScheduleEntries'>,
  name: string,
  body: unknown,
  updatedBy: string,
): Policy {
  checkPolicyName(name);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('A policy is a JSON object.', [
      { pointer: '', reason: 'must be an object' },
    ]);
  }
  const fields = body as Record<string, unknown>;
  const problems: FieldProblem[] = Object.keys(fields)
    .filter((field) => !BODY_FIELDS.has(field))
    .map((field) => ({
      pointer: `/${field}`,
      reason: `is not a policy field (${[...BODY_FIELDS].join(', ')})`,
    }));
  const scope = readScope(fields['scope'], problems);
  const targetKinds = readKinds(fields['targetKinds'], problems);
  const enforce = fields['enforce'] ?? false;
  if (typeof enforce !== 'boolean') problems.push({ pointer: '/enforce', reason: 'must be true or false' });
  const warning =
    fields['warning'] === undefined ? undefined : readWarningHook(fields['warning'], '/warning', problems);
  const maxEntries = Math.min(...(targetKinds ?? TARGET_KINDS).map((kind) => deps.maxScheduleEntries[kind]));
  const entries = readEntries(fields['schedules'], { maxEntries, now: deps.clock.now() }, problems);
  if (problems.length > 0 || scope === undefined || targetKinds === undefined || entries === undefined) {
    throw new InvalidRequestError('The policy is invalid.', problems);
  }
  return {
    name,
    scope,
    targetKinds,
    entries,
    enforce: enforce as boolean,
    ...(warning ? { warning } : {}),
    updatedAt: deps.clock.now(),
    updatedBy,
  };
}

function readScope(value: unknown, problems: FieldProblem[]): string | undefined {
  const segments = typeof value === 'string' ? value.split('/') : [];
  const valid =
    typeof value === 'string' &&
    value.length <= MAX_SCOPE_LENGTH &&
    segments[0] === '' &&
    segments[1]?.toLowerCase() === 'subscriptions' &&
    segments.length >= 3 &&
    segments.slice(1).every((segment) => segment !== '' && segment.trim() === segment);
  if (!valid) {
    problems.push({
      pointer: '/scope',
      reason:
        'must be a resource-id prefix without a trailing "/": /subscriptions/{id}, ' +
        '/subscriptions/{id}/resourceGroups/{name}, or deeper',
    });
    return undefined;
  }
  return value;
}

function readKinds(value: unknown, problems: FieldProblem[]): TargetKind[] | undefined {
  if (value === undefined) return [...TARGET_KINDS];
  const kinds = Array.isArray(value) ? value : [];
  const valid =
    kinds.length > 0 &&
    kinds.every((kind) => TARGET_KINDS.includes(kind as TargetKind)) &&
    new Set(kinds).size === kinds.length;
  if (!valid) {
    problems.push({
      pointer: '/targetKinds',
      reason: `must be a non-empty list of distinct kinds from ${TARGET_KINDS.join(', ')}`,
    });
    return undefined;
  }
  return kinds as TargetKind[];
}

function readEntries(
  value: unknown,
  options: { maxEntries: number; now: number },
  problems: FieldProblem[],
): Policy['entries'] | undefined {
  if (value === undefined) {
    problems.push({ pointer: '/schedules', reason: 'is required: a {"computeStartStop": [...]} document' });
    return undefined;
  }
  try {
    const { computeStartStop } = validateSchedules(value, options);
    if (computeStartStop.length > 0) return computeStartStop;
    problems.push({ pointer: '/schedules/computeStartStop', reason: 'must hold at least one entry' });
  } catch (error) {
    if (!(error instanceof ScheduleValidationError)) throw error;
    problems.push(...error.errors.map((e) => ({ ...e, pointer: `/schedules${e.pointer ?? ''}` })));
  }
  return undefined;
}

/**
 * Creates or replaces a policy. It applies to machines created (or registered without a schedule) from now
 * on; `POST /api/policies/{name}/apply` gives it to those already registered.
 * @returns the policy as stored and whether it is new
 * @throws ForbiddenError unless the caller is an admin
 * @throws InvalidRequestError naming each field at fault
 */
export async function putPolicy(
  deps: PolicyDependencies,
  principal: Principal,
  name: string,
  body: unknown,
): Promise<{ policy: StoredPolicy; created: boolean }> {
  assertAdmin(principal);
  return deps.policies.put(validatePolicy(deps, name, body, principal.id));
}

/**
 * @throws ForbiddenError unless the caller is an admin
 * @throws NotFoundError when there is no such policy
 */
export async function getPolicy(
  deps: Pick<PolicyDependencies, 'policies'>,
  principal: Principal,
  name: string,
): Promise<StoredPolicy> {
  assertAdmin(principal);
  checkPolicyName(name);
  const policy = await deps.policies.get(name);
  if (!policy) throw new NotFoundError(`No policy ${name}; create it with PUT /api/policies/${name}.`);
  return policy;
}

/** @throws ForbiddenError unless the caller is an admin */
export async function listPolicies(
  deps: Pick<PolicyDependencies, 'policies'>,
  principal: Principal,
): Promise<StoredPolicy[]> {
  assertAdmin(principal);
  return deps.policies.list();
}

/**
 * Deletes a policy. Targets it gave schedules to keep them: they are the targets' own now.
 * @throws ForbiddenError unless the caller is an admin
 * @throws NotFoundError when there is no such policy
 */
export async function deletePolicy(
  deps: Pick<PolicyDependencies, 'policies'>,
  principal: Principal,
  name: string,
): Promise<void> {
  assertAdmin(principal);
  checkPolicyName(name);
  if (!(await deps.policies.delete(name))) throw new NotFoundError(`No policy ${name}.`);
}
