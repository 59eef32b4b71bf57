// Activity tokens: an admin or the target's owner creates one for a reporter (shown once, stored as a hash),
// lists them without secrets, and revokes them. A token allows only reporting activity for its target.

import { newActivityToken } from '../auth/activity-token.js';
import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import { ForbiddenError, InvalidRequestError, NotFoundError } from '../errors.js';
import { parseInstant } from '../schedule/index.js';
import type { ActivityToken, ActivityTokenRepository } from '../store/pool-ports.js';
import type { StoredTarget, TargetRepository } from '../store/ports.js';
import { getTarget } from './register-targets.js';

export interface ActivityTokenDependencies {
  targets: TargetRepository;
  tokens: ActivityTokenRepository;
  clock: Clock;
}

async function targetOf(
  deps: Pick<ActivityTokenDependencies, 'targets'>,
  principal: Principal,
  targetId: string,
  ownerOnly: boolean,
): Promise<StoredTarget> {
  const target = await getTarget(deps, principal, targetId, `No target ${targetId}.`);
  if (ownerOnly && !principal.isAdmin && target.owner.id !== principal.id) {
    throw new ForbiddenError('Only the target’s owner or an admin may create or revoke its activity tokens.');
  }
  return target;
}

/**
 * Creates a token for the target's reporters.
 * @param body `{ expiresAt? }` as checked by the ActivityTokenRequest schema
 * @returns the token as stored, and its text, which is never shown again
 * @throws InvalidRequestError for an `expiresAt` not in the future; NotFoundError; ForbiddenError
 */
export async function createActivityToken(
  deps: ActivityTokenDependencies,
  principal: Principal,
  targetId: string,
  body: { expiresAt?: string },
): Promise<{ token: ActivityToken; secret: string }> {
  const target = await targetOf(deps, principal, targetId, true);
  const now = deps.clock.now();
  const expiresAt = body.expiresAt !== undefined ? parseInstant(body.expiresAt) : undefined;
  if (expiresAt !== undefined && expiresAt <= now) {
    throw new InvalidRequestError('The token would be expired already.', [
      { pointer: '/expiresAt', reason: 'must be in the future' },
    ]);
  }
  const made = newActivityToken(target.id);
  const token: ActivityToken = {
    targetId: target.id,
    tokenId: made.tokenId,
    createdAt: now,
    createdBy: principal.id,
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(target.registration !== undefined ? { registration: target.registration } : {}),
  };
  await deps.tokens.create(token, made.secretHash);
  return { token, secret: made.token };
}

/** The target's tokens, without secrets. @throws NotFoundError, ForbiddenError */
export async function listActivityTokens(
  deps: ActivityTokenDependencies,
  principal: Principal,
  targetId: string,
): Promise<ActivityToken[]> {
  const target = await targetOf(deps, principal, targetId, false);
  const tokens = await deps.tokens.list(target.id);
  // Tokens of an earlier registration no longer work: do not list them as if they did.
  return tokens.filter((t) => t.registration === undefined || t.registration === target.registration);
}

/** Revokes a token at once. @throws NotFoundError for an unknown token or target; ForbiddenError */
export async function revokeActivityToken(
  deps: ActivityTokenDependencies,
  principal: Principal,
  targetId: string,
  tokenId: string,
): Promise<void> {
  const target = await targetOf(deps, principal, targetId, true);
  if (!/^[0-9a-f]{16}$/.test(tokenId) || !(await deps.tokens.revoke(target.id, tokenId))) {
    throw new NotFoundError(`Target ${targetId} has no activity token ${tokenId}.`);
  }
}
