// Role assignments the emulator is given, and ARM's permissions API over them: what a principal may do on
// a resource is the actions of every assignment to it at the resource or a scope above (a subscription, a
// resource group, any prefix). By default, as on the local host, every caller may do everything.

export interface RoleAssignment {
  principalId: string;
  /** A resource-id prefix: `/subscriptions/{s}`, `/subscriptions/{s}/resourceGroups/{rg}`, or a resource. */
  scope: string;
  /** e.g. `Microsoft.Compute/virtualMachines/*`; `*` matches any run of characters. */
  actions: string[];
  notActions?: string[];
}

export interface PermissionOptions {
  /**
   * Every caller may do everything (a `*` block), besides the assignments: the local host's default, so
   * the README's tour works as any user. Default true.
   */
  grantEveryone?: boolean;
  roleAssignments?: RoleAssignment[];
}

/** A block of `GET .../providers/Microsoft.Authorization/permissions`. */
export interface PermissionBlockJson {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

export class RoleAssignments {
  private grantEveryone: boolean;
  private readonly assignments: RoleAssignment[];

  constructor(options: PermissionOptions = {}) {
    this.grantEveryone = options.grantEveryone ?? true;
    this.assignments = [...(options.roleAssignments ?? [])];
  }

  configure(options: PermissionOptions): void {
    this.grantEveryone = options.grantEveryone ?? this.grantEveryone;
    if (options.roleAssignments)
      this.assignments.splice(0, this.assignments.length, ...options.roleAssignments);
  }

  assign(assignment: RoleAssignment): void {
    this.assignments.push(assignment);
  }

  /** The blocks ARM answers for this principal on this resource. */
  permissionsOf(principalId: string, resourceId: string): PermissionBlockJson[] {
    const id = resourceId.toLowerCase();
    const blocks = this.assignments
      .filter((a) => a.principalId === principalId)
      .filter((a) => id === a.scope.toLowerCase() || id.startsWith(`${a.scope.toLowerCase()}/`))
      .map((a) => block(a.actions, a.notActions ?? []));
    return this.grantEveryone ? [block(['*'], []), ...blocks] : blocks;
  }
}

function block(actions: string[], notActions: string[]): PermissionBlockJson {
  return { actions, notActions, dataActions: [], notDataActions: [] };
}
