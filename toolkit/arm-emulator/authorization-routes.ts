// ARM's authorization reads over the emulator's role assignments: role assignments and deny assignments of a
// scope (at, above and below it; `$filter=assignedTo('{id}')` for one principal), paged with `nextLink`, and
// role definitions by id. As in Azure, the caller must itself be allowed to read them
// (`Microsoft.Authorization/{roleAssignments|denyAssignments|roleDefinitions}/read`), else 403.

import { ArmError } from './arm-error.js';
import type { ArmRequest, ResolvedRoute } from './routes.js';
import type { RoleAssignments } from './role-assignments.js';

const ASSIGNMENTS_PATH =
  /^(?<scope>\/subscriptions\/(?<sub>[^/]+)(?:\/.+?)?)\/providers\/Microsoft\.Authorization\/(?<kind>roleAssignments|denyAssignments)$/i;
const DEFINITION_PATH =
  /^(?<scope>\/subscriptions\/(?<sub>[^/]+)(?:\/.+?)?)\/providers\/Microsoft\.Authorization\/roleDefinitions\/(?<guid>[^/]+)$/i;
const ASSIGNED_TO = /^\s*assignedTo\('(?<id>(?:[^']|'')*)'\)\s*$/i;

export interface AuthorizationRouteOptions {
  permissions: RoleAssignments;
  /** Whether a resource id names a resource the fleet holds. */
  exists: (resourceId: string) => boolean;
  baseUrl: () => string;
  listPageSize: number;
}

/** The route of an authorization read, or undefined when the path is not one. */
export function authorizationRoute(
  method: string,
  url: URL,
  path: string,
  options: AuthorizationRouteOptions,
): ResolvedRoute | undefined {
  const assignments = ASSIGNMENTS_PATH.exec(path)?.groups;
  const definition = DEFINITION_PATH.exec(path)?.groups;
  if (!assignments && !definition) return undefined;
  if (method !== 'GET') {
    throw new ArmError(
      405,
      'MethodNotAllowed',
      `The HTTP method '${method}' is not supported for '${path}'.`,
    );
  }
  if (definition) {
    const scope = decodeURIComponent(definition['scope']!);
    return {
      subscriptionId: definition['sub']!,
      write: false,
      handle: (request) => {
        authorize(options, request, scope, 'roleDefinitions');
        const body = options.permissions.roleDefinition(scope, decodeURIComponent(definition['guid']!));
        if (!body)
          throw new ArmError(
            404,
            'RoleDefinitionDoesNotExist',
            'The specified role definition does not exist.',
          );
        return { status: 200, body };
      },
    };
  }
  const scope = decodeURIComponent(assignments!['scope']!);
  const kind =
    assignments!['kind']!.toLowerCase() === 'roleassignments' ? 'roleAssignments' : 'denyAssignments';
  return {
    subscriptionId: assignments!['sub']!,
    write: false,
    handle: (request) => {
      if (/\/providers\//i.test(scope) && !options.exists(scope)) {
        throw new ArmError(404, 'ResourceNotFound', `The Resource '${scope}' was not found.`);
      }
      authorize(options, request, scope, kind);
      const principalId = assignedTo(url);
      const all =
        kind === 'roleAssignments'
          ? options.permissions.roleAssignmentsFor(principalId, scope)
          : options.permissions.denyAssignmentsFor(principalId, scope);
      return { status: 200, body: page(all, url, options) };
    },
  };
}

function authorize(
  options: AuthorizationRouteOptions,
  request: ArmRequest,
  scope: string,
  kind: string,
): void {
  const action = `Microsoft.Authorization/${kind}/read`;
  if (options.permissions.allows(request.caller.principalId, scope, action)) return;
  throw new ArmError(
    403,
    'AuthorizationFailed',
    `The client '${request.caller.principalId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid.`,
  );
}

/** The principal of `$filter=assignedTo('{id}')`, the only filter the emulator serves. */
function assignedTo(url: URL): string {
  const filter = url.searchParams.get('$filter') ?? '';
  const id = ASSIGNED_TO.exec(filter)?.groups?.['id'];
  if (id === undefined) {
    throw new ArmError(
      400,
      'InvalidFilter',
      `The emulator serves only $filter=assignedTo('{objectId}'), not '${filter}'.`,
    );
  }
  return id.replace(/''/g, "'");
}

function page(all: unknown[], url: URL, options: AuthorizationRouteOptions): Record<string, unknown> {
  const skip = Number.parseInt(url.searchParams.get('$skiptoken') ?? '0', 10) || 0;
  const body: Record<string, unknown> = { value: all.slice(skip, skip + options.listPageSize) };
  if (skip + options.listPageSize < all.length) {
    const next = new URL(url.toString());
    next.searchParams.set('$skiptoken', String(skip + options.listPageSize));
    body['nextLink'] = `${options.baseUrl()}${next.pathname}${next.search}`;
  }
  return body;
}
