// The message the tick (and manual actions) put on the `actions` queue: one per target, the latest
// desired state, plus the occurrences coalesced away so that each still gets its run row.

import type { TargetKind } from '../targets/resource-id.js';

export type RequestedAction = 'Start' | 'Stop' | 'Restart';

export interface ActionMessage {
  v: 1;
  targetId: string;
  resourceId: string;
  kind: TargetKind;
  action: RequestedAction;
  /** The occurrence acted on (UTC ms); with targetId, the run's idempotency key. */
  occurrenceAt: number;
  source: 'schedule' | 'manual';
  requestedBy?: string;
  /** Earlier occurrences in the same tick window, coalesced away: [instant, action]. */
  superseded?: [number, 'Start' | 'Stop'][];
  /** Failed attempts so far, carried across re-enqueues (dequeue counts restart with each new message). */
  attempt?: number;
  /** Throttled attempts so far: Azure asked us to wait, which is not a failure, so it has its own budget. */
  throttled?: number;
}

/** Queue messages the Functions queue trigger accepts must be base64 (host.json messageEncoding). */
export function encodeActionMessage(message: ActionMessage): string {
  return Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
}

const ACTIONS = new Set(['Start', 'Stop', 'Restart']);

/**
 * The queue trigger hands handlers the decoded body: a parsed object when it was JSON, or a string.
 * Accept both, and base64 too, so messages from other senders and the local host read the same.
 */
export function decodeActionMessage(body: unknown): ActionMessage {
  let value = body;
  if (typeof value === 'string') {
    const text = value.trim().startsWith('{') ? value : Buffer.from(value, 'base64').toString('utf8');
    value = JSON.parse(text) as unknown;
  }
  if (typeof value !== 'object' || value === null) throw new TypeError('action message: not an object');
  const m = value as Partial<ActionMessage>;
  if (
    m.v !== 1 ||
    typeof m.targetId !== 'string' ||
    typeof m.resourceId !== 'string' ||
    typeof m.kind !== 'string' ||
    typeof m.action !== 'string' ||
    !ACTIONS.has(m.action) ||
    typeof m.occurrenceAt !== 'number'
  ) {
    throw new TypeError('action message: missing or malformed fields');
  }
  return m as ActionMessage;
}
