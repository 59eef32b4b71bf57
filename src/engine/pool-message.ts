// The message on the `pools` queue: "look at this pool (or idle machine) now". It carries no plan: the
// reconciler reads the pool, its policy and its activity when the message is handled, so a late or repeated
// delivery decides from what is true then, never from what was true when it was sent.

import { isInstant, MalformedMessageError, readQueueBody } from './action-message.js';

/** Why a reconcile was asked for: the minute's round, a wake or connect, or a scheduled Start/Stop. */
export type ReconcileSource = 'tick' | 'wake' | 'schedule';

export interface PoolMessage {
  v: 1;
  targetId: string;
  /** The registration the policy was found on: a message for an earlier registration does nothing. */
  registration?: string;
  /** When it was asked for (UTC ms); the tick's round uses the minute. */
  at: number;
  source: ReconcileSource;
  /** With `source: "wake"`: the run created for the wake, which the reconcile settles. */
  runAt?: number;
  /** Attempts so far of a reconcile Azure throttled or refused for now (absent: the first). */
  attempt?: number;
}

/** Base64 JSON, as the Functions queue trigger reads it (host.json messageEncoding). */
export function encodePoolMessage(message: PoolMessage): string {
  return Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
}

const SOURCES = new Set<string>(['tick', 'wake', 'schedule']);

/**
 * Accepts a parsed object, a JSON string or base64 JSON (the trigger hands over whichever it decoded).
 * @throws MalformedMessageError for anything that is not a pool message of ours
 */
export function decodePoolMessage(body: unknown): PoolMessage {
  const m = readQueueBody(body);
  if (
    m.v !== 1 ||
    typeof m.targetId !== 'string' ||
    !/^[0-9a-f]{32}$/.test(m.targetId) ||
    (m.registration !== undefined && typeof m.registration !== 'string') ||
    !isInstant(m.at) ||
    typeof m.source !== 'string' ||
    !SOURCES.has(m.source) ||
    (m.runAt !== undefined && !isInstant(m.runAt)) ||
    (m.attempt !== undefined && !isInstant(m.attempt))
  ) {
    throw new MalformedMessageError('missing or malformed pool message fields');
  }
  return m as unknown as PoolMessage;
}
