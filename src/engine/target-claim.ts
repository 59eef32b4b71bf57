// Taking a target for one run: the `latest` row is claimed under its ETag only by the latest desired state,
// and only while no older run holds it (docs/invariants.md, 3). The rule itself is `decideTurn`.

import type { Clock } from '../clock.js';
import { isWriteRace, PreconditionFailedError } from '../errors.js';
import type {
  HistoryRef,
  RunAction,
  RunOutcome,
  RunRepository,
  StoredLatestAction,
  TargetSchedule,
} from '../store/ports.js';
import type { ActionMessage, HeldClaim } from './action-message.js';
import type { ExecuteOptions } from './options.js';
import type { ActionQueue } from './ports.js';
import { closeRun, ignoreRace, isFinalOutcome, supersededNote } from './run-records.js';
import { decideTurn, newerDueOccurrence } from './turn.js';

/** Claims lost to a concurrent writer of the `latest` row before the message goes back to the queue. */
const MAX_CLAIM_ATTEMPTS = 5;

export interface ClaimDependencies {
  store: { runs: RunRepository };
  actions: ActionQueue;
  clock: Clock;
  options: Pick<ExecuteOptions, 'leaseInMs' | 'waitInMs'>;
}

/** What became of a message that did not get the target. */
export interface ClaimReport {
  outcome: RunOutcome;
  duplicate: boolean;
  retryInMs?: number;
}

export type Claim<Look = undefined> =
  | { kind: 'claimed'; latest: StoredLatestAction; resumed: boolean; looked: Look | undefined }
  | { kind: 'done'; report: ClaimReport };

/**
 * Takes the target for this run, if it is the latest desired state and no older run holds it. The claim
 * is one conditional write of the `latest` row: a request or claim that got there first makes it fail,
 * and the decision is taken again on what that writer left.
 * @param look what to read of the machine once the run may act: read before the claim is written and
 *   answered with it (`looked`), so that what was read is what the claim acts on
 */
export async function claimTurn<Look = undefined>(
  deps: ClaimDependencies,
  history: HistoryRef,
  schedule: TargetSchedule,
  message: ActionMessage,
  delivery: { messageId: string },
  look?: (resumed: boolean) => Promise<Look>,
): Promise<Claim<Look>> {
  for (let attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt++) {
    const { now, latest, run, turn } = await readTurn(deps, history, schedule, message, delivery);
    if (turn.kind === 'done') {
      return { kind: 'done', report: { outcome: run?.outcome ?? 'pending', duplicate: true } };
    }
    if (turn.kind === 'superseded') {
      await closeRun(deps, history, message, 'superseded', supersededNote(turn.by));
      return { kind: 'done', report: { outcome: 'superseded', duplicate: false } };
    }
    if (turn.kind === 'duplicate') return { kind: 'done', report: { outcome: 'pending', duplicate: true } };
    if (turn.kind === 'wait') {
      // Not a failure and no Azure call: the older run finishes (or is found superseded) within its lease.
      const delay = Math.max(1000, Math.min(turn.untilAt - now, deps.options.waitInMs));
      await deps.actions.send(message, { visibilityDelayInMs: delay });
      return { kind: 'done', report: { outcome: 'pending', duplicate: false, retryInMs: delay } };
    }
    const resumed = turn.resumed || message.resumed === true;
    // The machine is read before the claim, under the ETag of the `latest` row read above: anyone who acted
    // since claimed that row and let go of it, so the claim fails and the machine is read again. A host that
    // dies while reading leaves no claim behind, and so no doubt about a call it never made.
    const looked = look ? await look(resumed) : undefined;
    try {
      const claimed = await deps.store.runs.putLatest(
        {
          ...history,
          latestAt: message.occurrenceAt,
          latestAction: message.action,
          actor: {
            at: message.occurrenceAt,
            owner: delivery.messageId,
            until: now + deps.options.leaseInMs,
          },
        },
        latest ? { etag: latest.etag } : {},
      );
      return { kind: 'claimed', latest: claimed, resumed, looked };
    } catch (error) {
      if (!isWriteRace(error)) throw error;
    }
  }
  // Busy with requests: look again shortly, through the queue.
  const delay = deps.options.waitInMs;
  await deps.actions.send(message, { visibilityDelayInMs: delay });
  return { kind: 'done', report: { outcome: 'pending', duplicate: false, retryInMs: delay } };
}

/**
 * What decides the turn, read afresh: the `latest` row first, then the run's. An attempt that handed the
 * run on marked its row before it let go of the target, so a mark missed here means a claim written under
 * this `latest` row's ETag fails, and the turn is read again.
 */
async function readTurn(
  deps: ClaimDependencies,
  history: HistoryRef,
  schedule: TargetSchedule,
  message: ActionMessage,
  delivery: { messageId: string },
) {
  const now = deps.clock.now();
  const latest = await deps.store.runs.getLatest(history);
  const run = await deps.store.runs.get(history, message.occurrenceAt);
  const turn = decideTurn({
    occurrenceAt: message.occurrenceAt,
    messageId: delivery.messageId,
    ...(message.claimedAs ? { claimedAs: message.claimedAs } : {}),
    ...(message.carrier !== undefined ? { carrier: message.carrier } : {}),
    ...(run ? { run: { carrier: run.carrier ?? 0, ended: isFinalOutcome(run.outcome) } } : {}),
    ...(latest ? { latest } : {}),
    ...withNewer(newerDueOccurrence(schedule, message.occurrenceAt, now)),
    now,
  });
  return { now, latest, run, turn };
}

const withNewer = (newer: { at: number; action: RunAction } | undefined) =>
  newer ? { newerDue: newer } : {};

/** Gives the target back, unless someone else has already written the row (then it is not ours to clear). */
export async function letGo(
  deps: Pick<ClaimDependencies, 'store'>,
  claimed: StoredLatestAction,
): Promise<void> {
  const { etag, actor: _actor, ...rest } = claimed;
  try {
    await deps.store.runs.putLatest(rest, { etag });
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
    // A request moved `latest` on meanwhile; it kept our actor, so clear it if it is still ours.
    const now = await deps.store.runs.getLatest(claimed);
    if (now && now.actor?.at === claimed.actor?.at && now.actor?.owner === claimed.actor?.owner) {
      const { etag: current, actor: _mine, ...latest } = now;
      await deps.store.runs.putLatest(latest, { etag: current }).catch(ignoreRace);
    }
  }
}

/** The claim each failed attempt took, by the error it failed with: whoever hands the run on may resume it. */
const claimsLeft = new WeakMap<object, HeldClaim>();

/**
 * Marks `error` as thrown by an attempt that took the target with `claimed`, which it may still hold.
 * @returns the error, to throw on
 */
export function withClaimLeft(error: unknown, claimed: StoredLatestAction): unknown {
  const actor = claimed.actor;
  if (actor && typeof error === 'object' && error !== null) {
    claimsLeft.set(error, { owner: actor.owner, etag: claimed.etag });
  }
  return error;
}

/** The claim the attempt that threw `error` took on its target, if it took one (`withClaimLeft`). */
export function claimLeftBy(error: unknown): HeldClaim | undefined {
  return typeof error === 'object' && error !== null ? claimsLeft.get(error) : undefined;
}
