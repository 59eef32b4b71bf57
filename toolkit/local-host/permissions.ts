// The permission check on one machine, against the ARM emulator as in Azure: the caller's role assignments
// read with the scheduler's identity (`role-assignments`), or ARM's permissions API asked with a token for
// the caller (`on-behalf-of`; the emulator's unsigned JWT stands in for the on-behalf-of token). The emulator
// grants every caller everything unless SCHEDULER_LOCAL_ROLE_ASSIGNMENTS lists the role assignments to use.

import type { Agent } from 'node:https';
import { permissionCheckFor, type PermissionCheck } from '../../src/auth/permission-check.js';
import { ROLE_ASSIGNMENT_READ_ACTIONS } from '../../src/auth/role-assignment-check.js';
import type { PermissionCheckMode } from '../../src/config.js';
import { ConfigurationError } from '../../src/errors.js';
import { emulatorCredential, type PermissionOptions, type RoleAssignment } from '../arm-emulator/index.js';

/** The check `mode` names against the emulator at `url` (trusted through `agent`); the scheduler is `schedulerId`. */
export function localPermissionCheck(
  mode: PermissionCheckMode,
  url: string,
  agent: Agent,
  schedulerId: string,
): PermissionCheck {
  return permissionCheckFor(mode, {
    scheduler: emulatorCredential({ principalId: schedulerId }),
    callerCredential: (caller) => emulatorCredential({ principalId: caller.principal.id, isUser: true }),
    arm: { endpoint: url, agent },
  });
}

/**
 * What the deployment's role gives the scheduler for the role-assignment check: reading role assignments,
 * deny assignments and role definitions, everywhere.
 */
export function schedulerReadsAssignments(schedulerId: string): RoleAssignment {
  return { principalId: schedulerId, scope: '/', actions: [...ROLE_ASSIGNMENT_READ_ACTIONS] };
}

/**
 * Reads SCHEDULER_LOCAL_ROLE_ASSIGNMENTS: absent, every caller may do everything; else a JSON array of
 * `{"principalId", "scope", "actions", "notActions"?}`, and only those.
 */
export function readLocalRoleAssignments(value: string | undefined, schedulerId: string): PermissionOptions {
  if (value === undefined || value.trim() === '') return { grantEveryone: true };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  const isAssignment = (a: unknown): a is RoleAssignment => {
    const { principalId, scope, actions, notActions } = (a ?? {}) as Record<string, unknown>;
    const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
    return (
      typeof principalId === 'string' &&
      typeof scope === 'string' &&
      strings(actions) &&
      (notActions === undefined || strings(notActions))
    );
  };
  if (!Array.isArray(parsed) || !parsed.every(isAssignment)) {
    throw new ConfigurationError([
      'SCHEDULER_LOCAL_ROLE_ASSIGNMENTS must be a JSON array of {"principalId","scope","actions":[...]}',
    ]);
  }
  return { grantEveryone: false, roleAssignments: [...parsed, schedulerReadsAssignments(schedulerId)] };
}
