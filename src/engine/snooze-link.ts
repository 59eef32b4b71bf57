// The one-click link of a warning: a token that names the target, the stop it warns of and the hours to
// snooze, signed with HMAC-SHA256 under the app's key, so the link needs no sign-in and cannot be altered.
// It is valid until the stop it warns of; following it again changes nothing more.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidRequestError } from '../errors.js';

/** What a snooze link carries. */
export interface SnoozeGrant {
  targetId: string;
  /** The registration the warning was for: a machine registered again does not honour old links. */
  registration?: string;
  /** The stop the warning was for, UTC ms: the link is valid until then. */
  stopAt: number;
  /** One or two. */
  hours: 1 | 2;
}

/** The hours a warning offers to snooze a stop by. */
export const SNOOZE_HOURS = [1, 2] as const;

/** A token for the grant: `{payload}.{signature}`, both base64url. */
export function signSnooze(key: Buffer, grant: SnoozeGrant): string {
  const payload = Buffer.from(
    JSON.stringify({ t: grant.targetId, r: grant.registration ?? '', s: grant.stopAt, h: grant.hours }),
    'utf8',
  ).toString('base64url');
  return `${payload}.${signature(key, payload)}`;
}

/**
 * The grant a token carries, if its signature is ours and its stop is still to come.
 * @param now UTC ms
 * @throws InvalidRequestError (parameter `token`) for a token that is malformed, altered or signed under
 *   another key, and for one whose stop has passed
 */
export function verifySnooze(key: Buffer, token: string, now: number): SnoozeGrant {
  const refuse = (reason: string) =>
    new InvalidRequestError(`The snooze link ${reason}.`, [{ parameter: 'token', reason }]);
  const [payload, mac, extra] = token.split('.');
  if (!payload || !mac || extra !== undefined) throw refuse('is malformed');
  const expected = Buffer.from(signature(key, payload), 'utf8');
  const given = Buffer.from(mac, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    throw refuse('is not signed by us');
  const grant = decode(payload);
  if (!grant) throw refuse('is malformed');
  if (now >= grant.stopAt) throw refuse('has expired: the stop it was for has come');
  return grant;
}

function signature(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload, 'utf8').digest('base64url');
}

function decode(payload: string): SnoozeGrant | undefined {
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const { t, r, s, h } = (fields ?? {}) as Record<string, unknown>;
  if (typeof t !== 'string' || typeof r !== 'string' || typeof s !== 'number' || (h !== 1 && h !== 2)) {
    return undefined;
  }
  return { targetId: t, ...(r ? { registration: r } : {}), stopAt: s, hours: h };
}
