// Role assignments the emulator is given, and the ARM APIs over them:
// - the permissions API: what a principal may do on a resource is the actions of every assignment to it at
//   the resource or a scope above (a subscription, a resource group, any prefix);
// - the authorization APIs: role assignments and deny assignments listed for a principal (`assignedTo`) at,
//   above and below a scope, and the role definitions they name.
// By default, as on the local host, every caller may do everything (an Owner assignment on each subscription).

import { createHash } from 'node:crypto';

export interface RoleAssignment {
  principalId: string;
  /** A resource-id prefix: `/subscriptions/{s}`, `/subscriptions/{s}/resourceGroups/{rg}`, or a resource. */
  scope: string;
  /** e.g. `Microsoft.Compute/virtualMachines/*`; `*` matches any run of characters. */
  actions: string[];
  notActions?: string[];
  /** An ABAC condition, kept as text: the emulator lists it and does not evaluate it. */
  condition?: string;
}

/** A deny assignment: its actions are taken away from its principal at the scope (and below, by default). */
export interface DenyAssignment {
  principalId: string;
  scope: string;
  actions: string[];
  notActions?: string[];
  excludePrincipalIds?: string[];
  doNotApplyToChildScopes?: boolean;
}

export interface PermissionOptions {
  /**
   * Every caller may do everything (a `*` block), besides the assignments: the local host's default, so
   * the README's tour works as any user. Default true.
   */
  grantEveryone?: boolean;
  roleAssignments?: RoleAssignment[];
  denyAssignments?: DenyAssignment[];
}

/** A block of `GET .../providers/Microsoft.Authorization/permissions`. */
export interface PermissionBlockJson {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

/** Azure's built-in Owner role, which `grantEveryone` stands for. */
export const OWNER_ROLE_ID = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
const AUTHORIZATION = 'providers/Microsoft.Authorization';

export class RoleAssignments {
  private grantEveryone: boolean;
  private readonly assignments: RoleAssignment[];
  private readonly denials: DenyAssignment[];

  constructor(options: PermissionOptions = {}) {
    this.grantEveryone = options.grantEveryone ?? true;
    this.assignments = [...(options.roleAssignments ?? [])];
    this.denials = [...(options.denyAssignments ?? [])];
  }

  configure(options: PermissionOptions): void {
    this.grantEveryone = options.grantEveryone ?? this.grantEveryone;
    if (options.roleAssignments)
      this.assignments.splice(0, this.assignments.length, ...options.roleAssignments);
    if (options.denyAssignments) this.denials.splice(0, this.denials.length, ...options.denyAssignments);
  }

  assign(assignment: RoleAssignment): void {
    this.assignments.push(assignment);
  }

  /** The blocks ARM answers for this principal on this resource. */
  permissionsOf(principalId: string, resourceId: string): PermissionBlockJson[] {
    const blocks = this.assignments
      .filter((a) => a.principalId === principalId && isAtOrAbove(a.scope, resourceId))
      .map((a) => block(a.actions, a.notActions ?? []));
    return this.grantEveryone ? [block(['*'], []), ...blocks] : blocks;
  }

  /** Whether the principal may do `action` at `scope` (its grants less its denials). */
  allows(principalId: string, scope: string, action: string): boolean {
    const granted = this.permissionsOf(principalId, scope).some((b) => blockMatches(b, action));
    const denied = this.denials.some(
      (d) =>
        d.principalId === principalId &&
        isAtOrAbove(d.scope, scope) &&
        blockMatches(block(d.actions, d.notActions ?? []), action),
    );
    return granted && !denied;
  }

  /** `GET {scope}/providers/Microsoft.Authorization/roleAssignments?$filter=assignedTo('{id}')`'s values. */
  roleAssignmentsFor(principalId: string, scope: string): unknown[] {
    const subscription = subscriptionOf(scope);
    const everyone: RoleAssignment[] = this.grantEveryone
      ? [{ principalId, scope: subscription, actions: ['*'] }]
      : [];
    return [...everyone, ...this.assignments]
      .filter((a) => a.principalId === principalId && related(a.scope, scope))
      .map((a, index) => {
        const roleGuid =
          a.actions.length === 1 && a.actions[0] === '*' && !a.notActions?.length
            ? OWNER_ROLE_ID
            : guidOf(a.actions, a.notActions ?? []);
        return {
          id: `${a.scope}/${AUTHORIZATION}/roleAssignments/${guidOf([a.scope, principalId, String(index)], [])}`,
          type: 'Microsoft.Authorization/roleAssignments',
          properties: {
            scope: a.scope,
            roleDefinitionId: `${subscriptionOf(a.scope)}/${AUTHORIZATION}/roleDefinitions/${roleGuid}`,
            principalId,
            principalType: 'User',
            ...(a.condition ? { condition: a.condition, conditionVersion: '2.0' } : {}),
          },
        };
      });
  }

  /** `GET {scope}/providers/Microsoft.Authorization/denyAssignments?$filter=assignedTo('{id}')`'s values. */
  denyAssignmentsFor(principalId: string, scope: string): unknown[] {
    return this.denials
      .filter((d) => d.principalId === principalId && related(d.scope, scope))
      .map((d, index) => ({
        id: `${d.scope}/${AUTHORIZATION}/denyAssignments/${guidOf([d.scope, principalId, String(index)], [])}`,
        type: 'Microsoft.Authorization/denyAssignments',
        properties: {
          scope: d.scope,
          permissions: [block(d.actions, d.notActions ?? [])],
          principals: [{ id: principalId, type: 'User' }],
          excludePrincipals: (d.excludePrincipalIds ?? []).map((id) => ({ id, type: 'User' })),
          doNotApplyToChildScopes: d.doNotApplyToChildScopes ?? false,
        },
      }));
  }

  /** A role definition by its guid, as `GET .../roleDefinitions/{guid}` answers; undefined if none. */
  roleDefinition(scope: string, guid: string): unknown {
    const roles = [
      ...(this.grantEveryone ? [{ actions: ['*'], notActions: [] as string[] }] : []),
      ...this.assignments.map((a) => ({ actions: a.actions, notActions: a.notActions ?? [] })),
    ];
    const found =
      guid.toLowerCase() === OWNER_ROLE_ID
        ? { actions: ['*'], notActions: [] }
        : roles.find((r) => guidOf(r.actions, r.notActions) === guid.toLowerCase());
    if (!found) return undefined;
    return {
      id: `${subscriptionOf(scope)}/${AUTHORIZATION}/roleDefinitions/${guid}`,
      type: 'Microsoft.Authorization/roleDefinitions',
      name: guid,
      properties: {
        roleName: guid === OWNER_ROLE_ID ? 'Owner' : `Emulated role ${guid.slice(0, 8)}`,
        type: guid === OWNER_ROLE_ID ? 'BuiltInRole' : 'CustomRole',
        permissions: [block(found.actions, found.notActions)],
      },
    };
  }
}

function block(actions: string[], notActions: string[]): PermissionBlockJson {
  return { actions, notActions, dataActions: [], notDataActions: [] };
}

/** Whether an assignment at `scope` reaches `resourceId` (at it or above it). */
function isAtOrAbove(scope: string, resourceId: string): boolean {
  // The root scope `/` is above everything.
  const s = scope.replace(/\/+$/, '').toLowerCase();
  const id = resourceId.toLowerCase();
  return id === s || id.startsWith(`${s}/`);
}

/** At, above or below: what ARM lists for a scope. */
function related(scope: string, other: string): boolean {
  return isAtOrAbove(scope, other) || isAtOrAbove(other, scope);
}

function subscriptionOf(scope: string): string {
  return /^\/subscriptions\/[^/]+/i.exec(scope)?.[0] ?? '';
}

/** RBAC's match: `*` is any run of characters, case does not matter. */
function blockMatches(b: PermissionBlockJson, action: string): boolean {
  const matches = (pattern: string) =>
    new RegExp(
      `^${pattern
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
        .join('.*')}$`,
      'i',
    ).test(action);
  return b.actions.some(matches) && !b.notActions.some(matches);
}

/** A stable GUID-shaped id for a role's permissions or an assignment. */
function guidOf(actions: string[], notActions: string[]): string {
  const hex = createHash('sha256')
    .update(JSON.stringify([actions, notActions]))
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
