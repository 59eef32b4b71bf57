// Whose turn it is to act on a target: the pure rule behind "only the latest desired state may act, one run
// at a time" (docs/invariants.md, invariant 3). No I/O: the executor reads the facts and obeys the answer.

import { nextOccurrence } from '../schedule/index.js';
import type { LatestAction, RunAction, TargetSchedule } from '../store/ports.js';
import type { HeldClaim } from './action-message.js';

export type Turn =
  /** This run is the latest and nobody else acts: claim the target and act. */
  | { kind: 'act'; resumed: boolean }
  /** A newer desired state exists: record this run `superseded`, never call Azure for it. */
  | { kind: 'superseded'; by: { at: number; action: RunAction } }
  /** Another delivery of this very run is acting right now: leave it to that one. */
  | { kind: 'duplicate' }
  /** The run has ended, or was handed on to a later carrier than this message: nothing left for it. */
  | { kind: 'done' }
  /** An older run still holds the target (it was the latest when it claimed): come back after it. */
  | { kind: 'wait'; untilAt: number };

export interface TurnFacts {
  /** The message's occurrence (the run's instant). */
  occurrenceAt: number;
  /** The queue message id of this delivery: what it claims the target as. */
  messageId: string;
  /** The claim the attempt that sent this message held when it sent it, if it held one. */
  claimedAs?: HeldClaim;
  /** Which carrier of the run this message is (0 for the first). */
  carrier?: number;
  /** The run's row, if an attempt or a record has written it yet. */
  run?: { carrier: number; ended: boolean };
  /** The history's ordering row, if any run or request has written it yet. */
  latest?: Pick<LatestAction, 'latestAt' | 'latestAction' | 'actor'> & { etag?: string };
  /** The newest due occurrence of the target's current schedule after this run's instant, if any. */
  newerDue?: { at: number; action: RunAction };
  now: number;
}

export function decideTurn(facts: TurnFacts): Turn {
  const { occurrenceAt, latest, newerDue, now, run } = facts;
  // An attempt that handed the run on wrote so on its row before letting go of the target: a message of an
  // earlier carrier is its original delivered again, and the later one carries the run (docs/decisions/0017).
  if (run && (run.ended || run.carrier > (facts.carrier ?? 0))) return { kind: 'done' };
  if (newerDue && newerDue.at > occurrenceAt) return { kind: 'superseded', by: newerDue };
  if (latest && latest.latestAt > occurrenceAt) {
    return { kind: 'superseded', by: { at: latest.latestAt, action: latest.latestAction } };
  }
  const actor = latest?.actor;
  if (actor && actor.at === occurrenceAt) {
    // An earlier delivery of this run claimed the target and may have called Azure before it died or let go
    // of its message: whoever continues must treat "already there" as that call's success.
    if (actor.until > now && !isOwnClaim(actor.owner, latest.etag, facts)) return { kind: 'duplicate' };
    return { kind: 'act', resumed: true };
  }
  if (actor && actor.until > now) return { kind: 'wait', untilAt: actor.until };
  return { kind: 'act', resumed: false };
}

/**
 * Whether a claim held on this run's occurrence is this message's: its own delivery's, or the very claim the
 * attempt that sent it held (same owner, and the row untouched since: anyone who claimed or let go since
 * changed its ETag). A message naming another claim gains nothing by it: only this occurrence's is checked.
 */
function isOwnClaim(
  owner: string,
  etag: string | undefined,
  facts: Pick<TurnFacts, 'messageId' | 'claimedAs'>,
): boolean {
  if (owner === facts.messageId) return true;
  const sender = facts.claimedAs;
  return sender !== undefined && etag !== undefined && sender.owner === owner && sender.etag === etag;
}

/**
 * The first occurrence of the schedule's enabled entries in (after, now]: a desired state newer than a run
 * at `after`. Undefined when the run is still the schedule's latest word.
 */
export function newerDueOccurrence(
  schedule: Pick<TargetSchedule, 'entries' | 'registeredAt'> | undefined,
  after: number,
  now: number,
): { at: number; action: RunAction } | undefined {
  let newer: { at: number; action: RunAction } | undefined;
  for (const entry of schedule?.entries ?? []) {
    const at = nextOccurrence(entry, after, schedule?.registeredAt);
    if (at !== undefined && at <= now && (newer === undefined || at < newer.at)) {
      newer = { at, action: entry.action };
    }
  }
  return newer;
}

/** Whether one of the schedule's enabled entries falls due at exactly `at` with `action`. */
export function scheduleAsks(
  schedule: Pick<TargetSchedule, 'entries' | 'registeredAt'> | undefined,
  at: number,
  action: RunAction,
): boolean {
  return (schedule?.entries ?? []).some(
    (entry) => entry.action === action && nextOccurrence(entry, at - 1, schedule?.registeredAt) === at,
  );
}
