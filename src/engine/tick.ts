// The tick: once a minute, read what fell due since the checkpoint (within the catch-up window), keep
// only each target's latest desired state, enqueue one action per target (several to a queue message),
// move each due row to its next occurrence and advance the checkpoint. Safe to run twice or on two hosts:
// runs dedupe, rows move idempotently.

import type { Clock } from '../clock.js';
import { isWriteRace } from '../errors.js';
import type { Checkpoint, DueEntry, Store } from '../store/ports.js';
import type { TickOptions } from './options.js';
import type { ActionQueue } from './ports.js';
import { forEachLimited } from '../in-flight.js';
import type { PacingState } from './pacing.js';
import { envelopesOf, planTick, type TickWindow } from './tick-plan.js';

export const TICK_CHECKPOINT = 'tick';
const MINUTE_MS = 60_000;
/** How far behind its checkpoint a tick looks for rows written late into a minute already read. */
const LATE_WRITE_GRACE_MS = 2 * MINUTE_MS;

export interface TickDependencies {
  store: Pick<Store, 'due' | 'checkpoints'>;
  actions: ActionQueue;
  clock: Clock;
  /** Resolved once with `resolveTickOptions`. */
  options: TickOptions;
}

export interface TickReport {
  /** The minutes evaluated: (from, until]. */
  from: number;
  until: number;
  dueRows: number;
  /** Actions enqueued, one per target. */
  enqueued: number;
  /** Queue messages they went in: actions due in the same second share one (docs/decisions/0016). */
  queueMessages: number;
  /** Occurrences coalesced away (each gets a superseded run row). */
  superseded: number;
  /** Whether this tick moved the checkpoint (false when another host got there first). */
  advanced: boolean;
  /** Empty past hour tables of the due index removed. */
  prunedTables?: number;
  /** The longest a message was held back to keep its subscription within its write budget. */
  spreadOverInMs: number;
}

/**
 * One tick: reads what fell due since the checkpoint (within the catch-up window), plans it (`planTick`),
 * enqueues one action per target (those due in the same second share a queue message), moves the rows on
 * and advances the checkpoint. Safe to run twice or on two hosts at once (docs/invariants.md, 1 and 2).
 * @throws StorageError when storage fails; nothing is lost, the next tick repeats the work.
 */
export async function tick(deps: TickDependencies): Promise<TickReport> {
  const startedAt = deps.clock.now();
  const until = Math.floor(startedAt / MINUTE_MS) * MINUTE_MS;
  const windowStart = until - deps.options.catchUpWindowInMs;
  const checkpoint = await deps.store.checkpoints.get(TICK_CHECKPOINT);
  // First tick ever: look back over the catch-up window, so no row is left behind the checkpoint.
  const from = checkpoint ? checkpoint.value : windowStart;
  const report: TickReport = {
    from,
    until,
    dueRows: 0,
    enqueued: 0,
    queueMessages: 0,
    superseded: 0,
    advanced: false,
    spreadOverInMs: 0,
  };
  if (until <= from) return report;

  // Also look a little behind the checkpoint: a schedule written just before a minute turned can land its
  // row in that minute after the previous tick read it. Rows already handled were moved on, so only such
  // late rows are found there, and a run row stops anything being done twice.
  const window = { readFrom: from - LATE_WRITE_GRACE_MS, windowStart, until };
  const rows = await readDue(deps, window);
  const carried = checkpoint?.pacing;
  const pacingStart = { now: startedAt, ...(carried ? { carried } : {}) };
  const plan = planTick(rows, window, deps.options.pacing, pacingStart);
  report.dueRows = rows.length;
  report.superseded = plan.superseded;
  report.spreadOverInMs = plan.spreadOverInMs;
  // Actions due in the same second share a queue message: a send per action was the tick's whole time.
  await forEachLimited(envelopesOf(plan.targets), deps.options.concurrency, async (envelope) => {
    // The slot counts from the start of the tick; a large tick takes a while to get here.
    const delay = envelope.slotInMs - (deps.clock.now() - startedAt);
    await deps.actions.sendTogether(
      envelope.messages,
      delay > 0 ? { visibilityDelayInMs: delay } : undefined,
    );
    report.enqueued += envelope.messages.length;
    report.queueMessages++;
  });
  // Enqueue before moving the rows: a crash in between repeats the messages (deduped by the run rows),
  // where the other order could lose them. The moves go in batches, one partition each; a crash between
  // two batches leaves rows the next tick reads and moves again. Nothing here reads or writes a target's
  // partition: that would cost a call per target (docs/decisions/0015).
  await deps.store.due.rescheduleAll(plan.targets.flatMap((target) => target.moves));
  // What the calls left of each subscription's budget goes with the checkpoint: the next heavy minute starts
  // where this one's calls will have left the bucket, not full.
  report.advanced = await advanceCheckpoint(deps, checkpoint, until, plan.pacing);
  if (report.advanced) {
    // Housekeeping: past, empty hour tables of the due index go. A failure here harms nothing (the next
    // hour tries again), so it must not fail a tick whose work is done.
    report.prunedTables = await deps.store.due.pruneBefore(until).catch(() => 0);
  }
  return report;
}

async function readDue(deps: TickDependencies, window: TickWindow): Promise<DueEntry[]> {
  const rows: DueEntry[] = [];
  for await (const row of deps.store.due.listDue(window.readFrom, window.until)) rows.push(row);
  return rows;
}

/** Moves the checkpoint under its ETag; false when another host ticked the same minutes first. */
async function advanceCheckpoint(
  deps: TickDependencies,
  checkpoint: Checkpoint | undefined,
  until: number,
  pacing: PacingState,
): Promise<boolean> {
  try {
    const options = Object.keys(pacing).length > 0 ? { pacing } : {};
    if (checkpoint) {
      await deps.store.checkpoints.set(TICK_CHECKPOINT, until, { ...options, etag: checkpoint.etag });
    } else await deps.store.checkpoints.set(TICK_CHECKPOINT, until, options);
    return true;
  } catch (error) {
    // Its work and ours are the same, so losing the race is fine.
    if (isWriteRace(error)) return false;
    throw error;
  }
}
