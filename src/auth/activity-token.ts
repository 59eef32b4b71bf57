// Activity tokens: what a reporter on a machine sends as `Authorization: Bearer <token>`. The token names its
// target and id, so checking it is one point read; only a SHA-256 of its secret is stored.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'csat';
const TOKEN = /^csat_([0-9a-f]{32})_([0-9a-f]{16})_([0-9a-f]{64})$/;

/** What a token says of itself (before it is checked against the store). */
export interface PresentedToken {
  targetId: string;
  tokenId: string;
  secret: string;
}

/** A new token: its id, the text handed to the caller once, and the hash to store. */
export function newActivityToken(targetId: string): { tokenId: string; token: string; secretHash: string } {
  const tokenId = randomBytes(8).toString('hex');
  // 256 random bits: no dictionary to try, so a plain SHA-256 is as good as a slow hash here.
  const secret = randomBytes(32).toString('hex');
  return { tokenId, token: `${PREFIX}_${targetId}_${tokenId}_${secret}`, secretHash: hashSecret(secret) };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The bearer token of an Authorization header, if it looks like one of ours; undefined otherwise. */
export function presentedToken(authorization: string | null): PresentedToken | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  const parts = match ? TOKEN.exec(match[1]!) : null;
  if (!parts) return undefined;
  return { targetId: parts[1]!, tokenId: parts[2]!, secret: parts[3]! };
}

/** Whether an Authorization header carries a bearer token at all (ours or not). */
export function hasBearer(authorization: string | null): boolean {
  return /^Bearer\s/i.test(authorization ?? '');
}

/** Compares in constant time: a secret must not be guessable from how fast it is refused. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
