// Reads, with the scheduler's own identity, the Azure role assignments and deny assignments that apply to a
// person on a machine, and the role definitions they name: what the role-assignment permission check of
// registration decides on (docs/policies.md). ARM resolves group membership itself: `assignedTo('{id}')`
// lists a user's assignments through groups too, transitively.

import type { TokenCredential } from '@azure/identity';
import type { PermissionBlock } from '../auth/permissions.js';
import { blocksOf } from './arm-permissions.js';
import { AccessDeniedError } from './errors.js';
import { ArmReader, armPath, stringsOf, type ArmReadOptions } from './arm-read.js';

export const AUTHORIZATION_API_VERSION = '2022-04-01';
/** How long a role definition read is believed: custom roles change rarely, and built-in ones never. */
export const ROLE_DEFINITION_TTL_IN_MS = 5 * 60_000;
/** At most this many pages of assignments for one person on one machine; more is not a real tenant. */
const MAX_PAGES = 20;

/** A role assignment as ARM lists it (the fields the check reads). */
export interface RoleAssignmentRead {
  scope: string;
  roleDefinitionId: string;
  /** An ABAC condition; the check does not evaluate conditions, so such an assignment grants nothing. */
  condition?: string;
}

/** A deny assignment as ARM lists it (the fields the check reads). */
export interface DenyAssignmentRead {
  scope: string;
  permissions: PermissionBlock[];
  excludedPrincipalIds: string[];
  doNotApplyToChildScopes: boolean;
}

/** The authorization reads of one check, with the scheduler's credential. */
export class ArmRoleAssignmentReader {
  private readonly arm: ArmReader;
  private readonly definitions = new Map<string, { blocks: Promise<PermissionBlock[]>; until: number }>();

  constructor(
    private readonly credential: TokenCredential,
    options: ArmReadOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.arm = new ArmReader(options);
  }

  /** Every role assignment of the principal at, above or below the resource (ARM lists all three). */
  async roleAssignments(resourceId: string, principalId: string): Promise<RoleAssignmentRead[]> {
    const values = await this.listAll(resourceId, 'roleAssignments', principalId, 'role assignments');
    return values.map((value) => {
      const properties = (value as { properties?: Record<string, unknown> }).properties ?? {};
      const condition = textOf(properties['condition']);
      return {
        scope: textOf(properties['scope']),
        roleDefinitionId: textOf(properties['roleDefinitionId']),
        ...(condition.trim() ? { condition } : {}),
      };
    });
  }

  /** Every deny assignment of the principal at, above or below the resource. */
  async denyAssignments(resourceId: string, principalId: string): Promise<DenyAssignmentRead[]> {
    const values = await this.listAll(resourceId, 'denyAssignments', principalId, 'deny assignments');
    return values.map((value) => {
      const properties = (value as { properties?: Record<string, unknown> }).properties ?? {};
      const excluded = Array.isArray(properties['excludePrincipals']) ? properties['excludePrincipals'] : [];
      return {
        scope: textOf(properties['scope']),
        permissions: blocksOf(properties['permissions']),
        excludedPrincipalIds: stringsOf(excluded.map((p: { id?: unknown } | null) => p?.id)),
        doNotApplyToChildScopes: properties['doNotApplyToChildScopes'] === true,
      };
    });
  }

  /**
   * The permission blocks of a role definition (`.../providers/Microsoft.Authorization/roleDefinitions/{guid}`),
   * read once per {@link ROLE_DEFINITION_TTL_IN_MS}: registering a hundred machines under one role reads it
   * once. It is read at the machine's scope, where the scheduler's role is assigned: a role assigned above
   * the machine is assignable, and so readable, there.
   */
  roleDefinition(roleDefinitionId: string, resourceId: string): Promise<PermissionBlock[]> {
    // A role definition's GUID is unique in the tenant, whichever scope names it.
    const guid = (roleDefinitionId.split('/').pop() ?? '').toLowerCase();
    const now = this.now();
    const kept = this.definitions.get(guid);
    if (kept && kept.until > now) return kept.blocks;
    const path =
      `${armPath(resourceId)}/providers/Microsoft.Authorization/roleDefinitions/${encodeURIComponent(guid)}` +
      `?api-version=${AUTHORIZATION_API_VERSION}`;
    const blocks = this.arm
      .getJson(this.credential, path, { what: 'role definition', resourceId })
      .then((body) => blocksOf((body as { properties?: { permissions?: unknown } }).properties?.permissions));
    // A failed read is not kept: the next check asks again.
    blocks.catch(() => this.definitions.delete(guid));
    this.definitions.set(guid, { blocks, until: now + ROLE_DEFINITION_TTL_IN_MS });
    return blocks;
  }

  private async listAll(
    resourceId: string,
    kind: 'roleAssignments' | 'denyAssignments',
    principalId: string,
    what: string,
  ): Promise<unknown[]> {
    // OData quotes a quote by doubling it.
    const filter = encodeURIComponent(`assignedTo('${principalId.replace(/'/g, "''")}')`);
    let path: string | undefined =
      `${armPath(resourceId)}/providers/Microsoft.Authorization/${kind}` +
      `?api-version=${AUTHORIZATION_API_VERSION}&$filter=${filter}`;
    const values: unknown[] = [];
    for (let page = 0; path && page < MAX_PAGES; page++) {
      const body = (await this.arm.getJson(this.credential, path, { what, resourceId })) as {
        value?: unknown;
        nextLink?: unknown;
      };
      if (Array.isArray(body.value)) values.push(...(body.value as unknown[]));
      path = typeof body.nextLink === 'string' && body.nextLink ? this.arm.pathOf(body.nextLink) : undefined;
    }
    // Stopping short could miss a deny assignment, so an answer this long is no answer.
    if (path) throw new AccessDeniedError(`${what}: more than ${MAX_PAGES} pages`, { resourceId });
    return values;
  }
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
