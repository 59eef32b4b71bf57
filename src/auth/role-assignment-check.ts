// The permission check of registration without the caller's token: the scheduler reads, with its own
// identity, the caller's Azure role assignments (and deny assignments) that apply to the machine, and
// evaluates them as Azure RBAC does. A browser session on the dashboard carries no token to ARM, so this is
// the check that lets people register from the dashboard. It errs on the side of refusing: assignments
// with an ABAC condition grant nothing here, and a deny assignment that excludes a group still denies.

import { AccessDeniedError, TargetNotFoundError } from '../compute/errors.js';
import type {
  ArmRoleAssignmentReader,
  DenyAssignmentRead,
  RoleAssignmentRead,
} from '../compute/arm-role-assignments.js';
import { ConfigurationError, ForbiddenError, InvalidRequestError } from '../errors.js';
import type { TargetKind } from '../targets/resource-id.js';
import type { Caller, PermissionCheck } from './permission-check.js';
import { isAllowed, missingActions, START_STOP_ACTIONS, type PermissionBlock } from './permissions.js';

/** What the scheduler's own role must allow for this check to read. */
export const ROLE_ASSIGNMENT_READ_ACTIONS = [
  'Microsoft.Authorization/roleAssignments/read',
  'Microsoft.Authorization/roleDefinitions/read',
  'Microsoft.Authorization/denyAssignments/read',
] as const;

/** Evaluates the caller's role assignments on the machine, read with the scheduler's identity. */
export class RoleAssignmentPermissionCheck implements PermissionCheck {
  constructor(private readonly reader: ArmRoleAssignmentReader) {}

  async assertMayStartAndStop(
    caller: Caller,
    machine: { resourceId: string; kind: TargetKind },
  ): Promise<void> {
    const { resourceId } = machine;
    const required = START_STOP_ACTIONS[machine.kind];
    const { granted, conditional, denials } = await this.read(caller.principal.id, resourceId);
    const denied = required.filter((action) => denials.some((deny) => denies(deny, action)));
    const missing = [...new Set([...missingActions(granted, required), ...denied])];
    if (missing.length === 0) return;
    const why = [
      ...(denied.length > 0 ? [`a deny assignment takes away ${denied.join(', ')}`] : []),
      ...(conditional > 0 ? [`${conditional} role assignment(s) with a condition are not counted`] : []),
    ];
    throw new ForbiddenError(
      `You may not start and stop this machine in Azure: your role assignments lack ${missing.join(', ')} ` +
        `on ${resourceId}${why.length > 0 ? ` (${why.join('; ')})` : ''}.`,
      missing.map((action) => ({ pointer: '/resourceId', reason: `missing the Azure action ${action}` })),
    );
  }

  /** The blocks the caller's unconditional assignments grant, and the deny assignments that apply. */
  private async read(
    principalId: string,
    resourceId: string,
  ): Promise<{ granted: PermissionBlock[]; conditional: number; denials: DenyAssignmentRead[] }> {
    try {
      const [assignments, denyAssignments] = await Promise.all([
        this.reader.roleAssignments(resourceId, principalId),
        this.reader.denyAssignments(resourceId, principalId),
      ]);
      const applying = assignments.filter((a) => appliesTo(a.scope, resourceId));
      const counted = applying.filter((a) => a.condition === undefined);
      const definitionIds = [...new Set(counted.map((a: RoleAssignmentRead) => a.roleDefinitionId))];
      const granted = await Promise.all(
        definitionIds.map((id) => this.reader.roleDefinition(id, resourceId)),
      );
      const denials = denyAssignments.filter(
        (deny) =>
          appliesTo(deny.scope, resourceId) &&
          !(deny.doNotApplyToChildScopes && !sameScope(deny.scope, resourceId)) &&
          !deny.excludedPrincipalIds.includes(principalId),
      );
      return { granted: granted.flat(), conditional: applying.length - counted.length, denials };
    } catch (error) {
      throw explained(error);
    }
  }
}

/** Whether an assignment at `scope` reaches the resource: at it or above it, not below it. */
function appliesTo(scope: string, resourceId: string): boolean {
  const s = scope.replace(/\/+$/, '').toLowerCase();
  const id = resourceId.toLowerCase();
  return s === '' || id === s || id.startsWith(`${s}/`) || s.startsWith('/providers/microsoft.management/');
}

function sameScope(scope: string, resourceId: string): boolean {
  return scope.replace(/\/+$/, '').toLowerCase() === resourceId.toLowerCase();
}

/** Whether a deny assignment's blocks take the action away (they match as a grant's would). */
function denies(deny: DenyAssignmentRead, action: string): boolean {
  return isAllowed(deny.permissions, action);
}

/**
 * The scheduler's own role is short of what this check reads: the deployment's fault, not the caller's, so a
 * 500; but the caller is told what to pass on, since nothing secret is in it.
 */
export class PermissionCheckMisconfiguredError extends ConfigurationError {
  constructor(readError: string) {
    super([
      `the permission check could not read role assignments (${readError}); the scheduler's role needs ` +
        ROLE_ASSIGNMENT_READ_ACTIONS.join(', '),
    ]);
  }

  override get publicDetail(): string {
    return (
      'The scheduler could not check your Azure rights on this machine: its own role may not read role ' +
      `assignments there (it needs ${ROLE_ASSIGNMENT_READ_ACTIONS.join(', ')}). Tell whoever deployed it.`
    );
  }
}

/** The reader's errors in the terms of a registration. */
function explained(error: unknown): unknown {
  if (error instanceof TargetNotFoundError) {
    return new InvalidRequestError(
      'Azure does not know this machine (or will not show it to the scheduler).',
      [{ pointer: '/resourceId', reason: 'was not found in Azure' }],
    );
  }
  if (error instanceof AccessDeniedError) return new PermissionCheckMisconfiguredError(error.message);
  return error;
}
