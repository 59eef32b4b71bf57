// The message the tick (and manual actions) put on the `actions` queue: one per target, the latest
// desired state, plus the occurrences coalesced away so that each still gets its run row.

import { SchedulerError } from '../errors.js';
import type { PoolModel } from '../compute/gateway.js';
import type { Target } from '../store/ports.js';
import type { TargetKind } from '../targets/resource-id.js';

export type RequestedAction = 'Start' | 'Stop' | 'Restart';

/** `enforce`: a stop undoing someone else's start on an enforced target; `override`: an override's state. */
export type ActionSource = 'schedule' | 'manual' | 'idle' | 'wake' | 'enforce' | 'override';

export interface ActionMessage {
  v: 1;
  targetId: string;
  resourceId: string;
  kind: TargetKind;
  action: RequestedAction;
  /** The occurrence acted on (UTC ms); with targetId, the run's idempotency key. */
  occurrenceAt: number;
  /** Why: a schedule entry, a person's request, an idle policy's stop, or a wake (connect) request. */
  source: ActionSource;
  requestedBy?: string;
  /** The registration a request was accepted for: it acts on that registration of the target only. */
  registration?: string;
  /**
   * A schedule's message: the schedule revision its due rows were written for. The tick does not know
   * whether it is still current; the executor checks, and acts only if the current schedule still asks for
   * this action at this instant (docs/decisions/0015).
   */
  revision?: string;
  /** Where the tick moved the rows behind this message: [entry index, instant], to delete if stale. */
  nextRows?: [number, number][];
  /** `revision` was not the target's a moment ago: this is the second look (a write may have been landing). */
  revisionRechecked?: true;
  /** Earlier occurrences in the same tick window, coalesced away: [instant, action]. */
  superseded?: [number, 'Start' | 'Stop'][];
  /** Failed attempts so far, carried across re-enqueues (dequeue counts restart with each new message). */
  attempt?: number;
  /** Throttled attempts so far: Azure asked us to wait, which is not a failure, so it has its own budget. */
  throttled?: number;
  /** An earlier attempt may have called Azure before it died: read the machine before acting again. */
  resumed?: true;
  /**
   * The claim on the target that the attempt which sent this message held when it sent it (a retry, or an
   * envelope's action handed on alone). Found still held (storage refused to give it back, or that
   * attempt has not yet), it is this message's own: resumed at once, in doubt, instead of kept away from as
   * another delivery's until its lease lapses. Only that very claim counts, by the ETag of the row its
   * write left: once anyone has written the row since (a claim, a release), it names nothing
   * (docs/decisions/0017).
   */
  claimedAs?: HeldClaim;
  /**
   * Which carrier of its run this message is: absent (0) for the first, one more for each message an
   * attempt that held the target sent on. The run row remembers the newest carrier it was handed to, and a
   * message of an earlier one (its original delivered again) steps aside (docs/decisions/0017).
   */
  carrier?: number;
  /**
   * A pool's Start or Stop whose write was throttled or failed: the pool as that write read it. The next
   * attempt sends the same write without reading again, conditional on the ETag (If-Match), so a pool
   * changed meanwhile refuses it and is read afresh. Without it, every attempt needs a read and a write to
   * get through, which under heavy throttling is the square of the odds of one.
   */
  lastRead?: PoolRead;
  /** Not an action: the nth look at the machine of a run Azure accepted, to settle it (check-accepted.ts). */
  check?: number;
}

/** One claim on a target: whose, and the ETag of the `latest` row as its write left it. */
export interface HeldClaim {
  owner: string;
  etag: string;
}

/** What a retry carries of a pool: its model, always with the ETag that keeps the write conditional. */
export type PoolRead = PoolModel & { etag: string };

/**
 * The message asking for `action` on `target` at `occurrenceAt`, outside the tick's plan: a person's
 * request, an override's end, an enforcement stop. It names the target's registration so that a target
 * deleted and registered again meanwhile is not acted on for a request made to its former self.
 */
export function actionMessageFor(
  target: Pick<Target, 'id' | 'resourceId' | 'kind' | 'registration'>,
  action: RequestedAction,
  occurrenceAt: number,
  origin: { source: ActionSource; requestedBy?: string },
): ActionMessage {
  return {
    v: 1,
    targetId: target.id,
    resourceId: target.resourceId,
    kind: target.kind,
    action,
    occurrenceAt,
    source: origin.source,
    ...(origin.requestedBy !== undefined ? { requestedBy: origin.requestedBy } : {}),
    ...(target.registration ? { registration: target.registration } : {}),
  };
}

/** Queue messages the Functions queue trigger accepts must be base64 (host.json messageEncoding). */
export function encodeActionMessage(message: ActionMessage): string {
  return Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
}

const ACTIONS = new Set(['Start', 'Stop', 'Restart']);
const KINDS = new Set(['vm', 'pool', 'computeInstance']);
const SOURCES = new Set<string>([
  'schedule',
  'manual',
  'idle',
  'wake',
  'enforce',
  'override',
] satisfies ActionSource[]);

/** A message no delivery can ever carry out: retrying it only delays the poison queue. */
export class MalformedMessageError extends SchedulerError {
  // Whoever sent it is not a user who could fix it; the message goes to the poison queue.
  readonly isUserError = false;
  override readonly name = 'MalformedMessageError';

  constructor(reason: string) {
    super(`action message: ${reason}`);
  }
}

/** A UTC instant in ms as our messages carry it: a whole, non-negative number. */
export const isInstant = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isCount = (v: unknown) =>
  v === undefined || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);
const isOptionalText = (v: unknown) => v === undefined || typeof v === 'string';

/**
 * The object a queue message carries, whichever way the trigger handed it over: already parsed, a JSON
 * string, or base64 JSON (what other senders and the local host put on the queue). Every queue of ours
 * reads its body through this, so the encodings it accepts cannot drift apart between them.
 * @throws MalformedMessageError when it is not JSON or not an object
 */
export function readQueueBody(body: unknown): Record<string, unknown> {
  let value = body;
  if (typeof value === 'string') {
    const text = value.trim().startsWith('{') ? value : Buffer.from(value, 'base64').toString('utf8');
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      throw new MalformedMessageError('not JSON');
    }
  }
  if (typeof value !== 'object' || value === null) throw new MalformedMessageError('not an object');
  return value as Record<string, unknown>;
}

const isPairsOfInstants = (v: unknown) =>
  Array.isArray(v) && v.every((pair) => Array.isArray(pair) && pair.length === 2 && pair.every(isInstant));

function isHeldClaim(value: unknown): value is HeldClaim {
  if (typeof value !== 'object' || value === null) return false;
  const { owner, etag } = value as Record<string, unknown>;
  return typeof owner === 'string' && owner.length > 0 && typeof etag === 'string' && etag.length > 0;
}

function isPoolRead(value: unknown): value is PoolRead {
  if (typeof value !== 'object' || value === null) return false;
  const { capacity, tags, etag } = value as Record<string, unknown>;
  return (
    isInstant(capacity) &&
    typeof etag === 'string' &&
    typeof tags === 'object' &&
    tags !== null &&
    Object.values(tags).every((tag) => typeof tag === 'string')
  );
}

/**
 * The queue trigger hands handlers the decoded body: a parsed object when it was JSON, or a string.
 * Accept both, and base64 too, so messages from other senders and the local host read the same.
 * Throws MalformedMessageError for anything that is not an action message of ours.
 */
export function decodeActionMessage(body: unknown): ActionMessage {
  return checkActionMessage(readQueueBody(body));
}

function checkActionMessage(m: Record<string, unknown>): ActionMessage {
  const superseded = m.superseded;
  if (
    m.v !== 1 ||
    typeof m.targetId !== 'string' ||
    typeof m.resourceId !== 'string' ||
    typeof m.kind !== 'string' ||
    !KINDS.has(m.kind) ||
    typeof m.action !== 'string' ||
    !ACTIONS.has(m.action) ||
    !isInstant(m.occurrenceAt) ||
    typeof m.source !== 'string' ||
    !SOURCES.has(m.source) ||
    !isOptionalText(m.requestedBy) ||
    !isOptionalText(m.registration) ||
    !isOptionalText(m.revision) ||
    (m.nextRows !== undefined && !isPairsOfInstants(m.nextRows)) ||
    !isCount(m.attempt) ||
    !isCount(m.throttled) ||
    !isCount(m.check) ||
    (m.resumed !== undefined && m.resumed !== true) ||
    (m.revisionRechecked !== undefined && m.revisionRechecked !== true) ||
    (m.lastRead !== undefined && !isPoolRead(m.lastRead)) ||
    (m.claimedAs !== undefined && !isHeldClaim(m.claimedAs)) ||
    !isCount(m.carrier) ||
    (superseded !== undefined &&
      !(
        Array.isArray(superseded) &&
        superseded.every(
          (s) =>
            Array.isArray(s) && s.length === 2 && isInstant(s[0]) && (s[1] === 'Start' || s[1] === 'Stop'),
        )
      ))
  ) {
    throw new MalformedMessageError('missing or malformed fields');
  }
  return m as unknown as ActionMessage;
}

/**
 * Several of the tick's actions in one queue message: those whose pacing slots fall in the same second,
 * which the queue would have made visible at the same second anyway (its delays are whole seconds). The
 * executor carries out each as if it had come alone (docs/decisions/0016). Retries, waits and everything
 * sent outside the tick stay single messages.
 */
export interface ActionEnvelope {
  v: 1;
  actions: ActionMessage[];
}

/** Actions in one envelope at most: a host takes 16 messages at once, so this bounds one instance's work. */
export const MAX_ENVELOPE_ACTIONS = 32;

/**
 * The JSON of an envelope at most, in bytes: base64 makes it 4/3 larger, and Queue Storage takes 64 KiB.
 * An action that would not fit beside others (a long catch-up's superseded list) goes alone.
 */
export const MAX_ENVELOPE_BYTES = 40_000;

/** The JSON bytes an action takes in an envelope (with its separating comma). */
export function envelopeBytes(message: ActionMessage): number {
  return Buffer.byteLength(JSON.stringify(message), 'utf8') + 1;
}

export function encodeActionEnvelope(actions: readonly ActionMessage[]): string {
  const envelope: ActionEnvelope = { v: 1, actions: [...actions] };
  return Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64');
}

/** What one delivery of the `actions` queue carries: a single action, or an envelope of several. */
export type ActionDelivery =
  | { kind: 'single'; message: ActionMessage }
  | {
      kind: 'envelope';
      actions: ActionMessage[];
      /** Members that are not action messages of ours, as they came (for the poison queue). */
      malformed: string[];
    };

/**
 * Reads a delivery of the `actions` queue: a single action message (today's shape, and every message sent
 * before envelopes existed) or an envelope. A malformed member does not spoil its neighbours.
 * @throws MalformedMessageError when the body is neither
 */
export function decodeActionDelivery(body: unknown): ActionDelivery {
  const m = readQueueBody(body);
  if (!('actions' in m)) return { kind: 'single', message: checkActionMessage(m) };
  if (m.v !== 1 || !Array.isArray(m.actions) || m.actions.length === 0) {
    throw new MalformedMessageError('an envelope without actions');
  }
  const actions: ActionMessage[] = [];
  const malformed: string[] = [];
  for (const member of m.actions as unknown[]) {
    try {
      if (typeof member !== 'object' || member === null) throw new MalformedMessageError('not an object');
      actions.push(checkActionMessage(member as Record<string, unknown>));
    } catch (error) {
      if (!(error instanceof MalformedMessageError)) throw error;
      malformed.push(JSON.stringify(member));
    }
  }
  return { kind: 'envelope', actions, malformed };
}
