// The permission check on one machine: the caller's rights are asked of the ARM emulator with a token for
// the caller (the emulator's unsigned JWT), as Azure is asked on the caller's behalf. The emulator grants
// every caller everything unless SCHEDULER_LOCAL_ROLE_ASSIGNMENTS lists the role assignments to use.

import type { Agent } from 'node:https';
import { ArmPermissionCheck } from '../../src/auth/permission-check.js';
import { ArmPermissionReader } from '../../src/compute/arm-permissions.js';
import { ConfigurationError } from '../../src/errors.js';
import { emulatorCredential, type PermissionOptions, type RoleAssignment } from '../arm-emulator/index.js';

/** The check against the emulator at `url`, for the principal the local host plays. */
export function localPermissionCheck(url: string, agent: Agent): ArmPermissionCheck {
  return new ArmPermissionCheck(new ArmPermissionReader({ endpoint: url, agent }), (caller) =>
    emulatorCredential({ principalId: caller.principal.id, isUser: true }),
  );
}

/**
 * Reads SCHEDULER_LOCAL_ROLE_ASSIGNMENTS: absent, every caller may do everything; else a JSON array of
 * `{"principalId", "scope", "actions", "notActions"?}`, and only those.
 */
export function readLocalRoleAssignments(value: string | undefined): PermissionOptions {
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
  return { grantEveryone: false, roleAssignments: parsed };
}
