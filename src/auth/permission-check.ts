// The permission check of registration: whoever registers a machine, or changes its schedule, must be
// able to start and stop it in Azure themselves; the scheduler's own (broader) rights are never lent.
// Azure's role assignments decide, read one of two ways: the caller's assignments read with the scheduler's
// identity (role-assignment-check.ts), or ARM's permissions API asked with the caller's token (on behalf of
// the caller, here).

import { OnBehalfOfCredential, type TokenCredential } from '@azure/identity';
import { AccessDeniedError, TargetNotFoundError } from '../compute/errors.js';
import { ArmPermissionReader } from '../compute/arm-permissions.js';
import type { ArmReadOptions } from '../compute/arm-read.js';
import { ArmRoleAssignmentReader } from '../compute/arm-role-assignments.js';
import type { PermissionCheckMode } from '../config.js';
import { ConfigurationError, ForbiddenError, InvalidRequestError, UnauthenticatedError } from '../errors.js';
import type { TargetKind } from '../targets/resource-id.js';
import { missingActions, START_STOP_ACTIONS } from './permissions.js';
import type { HeaderReader, Principal } from './principal.js';
import { RoleAssignmentPermissionCheck } from './role-assignment-check.js';

/** Who asks, with the headers the platform passed (the tokens are there). */
export interface Caller {
  principal: Principal;
  headers: HeaderReader;
}

/** Checks that a caller may start and stop a machine. */
export interface PermissionCheck {
  /**
   * @throws ForbiddenError naming the first action the caller lacks on the machine
   * @throws InvalidRequestError (pointer `/resourceId`) when ARM does not know the machine
   */
  assertMayStartAndStop(caller: Caller, machine: { resourceId: string; kind: TargetKind }): Promise<void>;
}

/** `SCHEDULER_PERMISSION_CHECK=off`: the tenant relies on the scheduler's own access rules alone. */
export const noPermissionCheck: PermissionCheck = { assertMayStartAndStop: () => Promise.resolve() };

/** How a check reaches ARM, whichever the mode. */
export interface PermissionCheckWiring {
  /** The scheduler's own credential, for reading role assignments. */
  scheduler: TokenCredential;
  /** The caller's credential, for the on-behalf-of check. */
  callerCredential: (caller: Caller) => TokenCredential;
  /** Endpoint and agent (the local emulator); Azure's by default. */
  arm?: ArmReadOptions;
}

/** The check `SCHEDULER_PERMISSION_CHECK` names. */
export function permissionCheckFor(
  mode: PermissionCheckMode,
  wiring: PermissionCheckWiring,
): PermissionCheck {
  if (mode === 'off') return noPermissionCheck;
  if (mode === 'on-behalf-of')
    return new ArmPermissionCheck(new ArmPermissionReader(wiring.arm), wiring.callerCredential);
  return new RoleAssignmentPermissionCheck(new ArmRoleAssignmentReader(wiring.scheduler, wiring.arm));
}

/** Asks ARM's permissions API of the machine with a credential for the caller. */
export class ArmPermissionCheck implements PermissionCheck {
  /**
   * @param reader reads ARM's permissions API
   * @param credentialFor the caller's credential to ARM (on behalf of the caller in Azure)
   */
  constructor(
    private readonly reader: ArmPermissionReader,
    private readonly credentialFor: (caller: Caller) => TokenCredential,
  ) {}

  async assertMayStartAndStop(
    caller: Caller,
    machine: { resourceId: string; kind: TargetKind },
  ): Promise<void> {
    let blocks;
    try {
      blocks = await this.reader.read(this.credentialFor(caller), machine.resourceId);
    } catch (error) {
      if (error instanceof TargetNotFoundError) {
        throw new InvalidRequestError('Azure does not know this machine (or will not show it to you).', [
          { pointer: '/resourceId', reason: 'was not found in Azure' },
        ]);
      }
      if (error instanceof AccessDeniedError) {
        throw new ForbiddenError(
          `Azure refused to tell what you may do on ${machine.resourceId}: ${error.message}`,
        );
      }
      throw error;
    }
    const missing = missingActions(blocks, START_STOP_ACTIONS[machine.kind]);
    if (missing.length > 0) {
      throw new ForbiddenError(
        `You may not start and stop this machine in Azure: your role assignments lack ${missing.join(', ')} ` +
          `on ${machine.resourceId}.`,
        missing.map((action) => ({ pointer: '/resourceId', reason: `missing the Azure action ${action}` })),
      );
    }
  }
}

/**
 * The caller's token as App Service Authentication hands it over: the access token of its token store, else
 * the bearer token the caller sent, else the ID token (whose audience is this app).
 */
export function userAssertion(headers: HeaderReader): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.get('authorization')?.trim() ?? '')?.[1];
  return (
    headers.get('x-ms-token-aad-access-token')?.trim() ||
    bearer ||
    headers.get('x-ms-token-aad-id-token')?.trim() ||
    undefined
  );
}

/**
 * How many callers' credentials {@link onBehalfOf} keeps, each with the tokens it got; the least recently
 * used goes first.
 */
export const KEPT_CALLER_CREDENTIALS = 1_000;

/**
 * Credentials on behalf of each caller (`OnBehalfOfCredential`), from the app registration's settings. The
 * credential for a caller's token is kept and handed out again for the same token: its token cache then
 * answers, so a person registering several machines trades their token with Entra ID once, not once per
 * request (ARM is still asked about each machine). A new token (a new sign-in, a refresh) is a new key.
 * @throws ConfigurationError at the first check when the settings are missing, UnauthenticatedError when the
 *   request carries no token of the caller's
 */
export function onBehalfOf(
  settings: { tenantId: string; clientId: string; clientSecret: string } | undefined,
): (caller: Caller) => TokenCredential {
  const kept = new Map<string, TokenCredential>();
  return (caller) => {
    if (!settings) {
      throw new ConfigurationError([
        'SCHEDULER_PERMISSION_CHECK is on-behalf-of but SCHEDULER_OBO_TENANT_ID, SCHEDULER_OBO_CLIENT_ID and ' +
          'SCHEDULER_OBO_CLIENT_SECRET (or MICROSOFT_PROVIDER_AUTHENTICATION_SECRET) are not all set',
      ]);
    }
    const userAssertionToken = userAssertion(caller.headers);
    if (!userAssertionToken) {
      throw new UnauthenticatedError(
        'No token of yours came with the request (x-ms-token-aad-access-token or a bearer token): the ' +
          'scheduler checks your Azure rights with it.',
      );
    }
    const credential =
      kept.get(userAssertionToken) ?? new OnBehalfOfCredential({ ...settings, userAssertionToken });
    // Most recently used last: a Map iterates in insertion order, so the first key is the one to let go.
    kept.delete(userAssertionToken);
    kept.set(userAssertionToken, credential);
    if (kept.size > KEPT_CALLER_CREDENTIALS) kept.delete(kept.keys().next().value!);
    return credential;
  };
}
