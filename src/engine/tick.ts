// The tick: once a minute, read what fell due since the checkpoint (within the catch-up window), keep
// only each target's latest desired state, enqueue one action per target, move each due row to its next
// occurrence and advance the checkpoint. Safe to run twice or on two hosts: runs dedupe, rows move idempotently.

import type { Clock } from '../clock.js';
import { ConflictError, PreconditionFailedError } from '../errors.js';
import { nextOccurrence } from '../schedule/index.js';
import type { DueEntry, Store } from '../store/ports.js';
import type { ActionMessage } from './action-message.js';
import { ARM_WRITES, SubscriptionPacer, type CallBudget } from './pacing.js';
import { forEachLimited, type ActionQueue } from './ports.js';

export const TICK_CHECKPOINT = 'tick';
const MINUTE_MS = 60_000;
/** A tick keeps at most this many coalesced occurrences per target in its message (queue messages are ≤ 64 KiB). */
const MAX_SUPERSEDED = 1000;
/** How far behind its checkpoint a tick looks for rows written late into a minute already read. */
const LATE_WRITE_GRACE_MS = 2 * MINUTE_MS;

export interface TickDependencies {
  store: Pick<Store, 'due' | 'checkpoints'>;
  actions: ActionQueue;
  clock: Clock;
  catchUpWindowInMs: number;
  /** Storage calls in flight at once. */
  concurrency?: number;
  /**
   * Each subscription's ARM write budget, which the tick's messages are spread over (default: Azure's
   * documented 200 at once, then 10 a second); `false` sends every message at once.
   */
  pacing?: CallBudget | false;
}

export interface TickReport {
  /** The minutes evaluated: (from, until]. */
  from: number;
  until: number;
  dueRows: number;
  /** Messages enqueued, one per target. */
  enqueued: number;
  /** Occurrences coalesced away (each gets a superseded run row). */
  superseded: number;
  /** Whether this tick moved the checkpoint (false when another host got there first). */
  advanced: boolean;
  /** Empty past hour tables of the due index removed. */
  prunedTables?: number;
  /** The longest a message was held back to keep its subscription within its write budget. */
  spreadOverInMs: number;
}

interface DueOccurrence {
  at: number;
  entryIndex: number;
  action: 'Start' | 'Stop';
}

export async function tick(deps: TickDependencies): Promise<TickReport> {
  const startedAt = deps.clock.now();
  const until = Math.floor(startedAt / MINUTE_MS) * MINUTE_MS;
  const windowStart = until - deps.catchUpWindowInMs;
  const checkpoint = await deps.store.checkpoints.get(TICK_CHECKPOINT);
  // First tick ever: look back over the catch-up window, so no row is left behind the checkpoint.
  const from = checkpoint ? checkpoint.value : windowStart;
  const report: TickReport = {
    from,
    until,
    dueRows: 0,
    enqueued: 0,
    superseded: 0,
    advanced: false,
    spreadOverInMs: 0,
  };
  if (until <= from) return report;

  const rows: DueEntry[] = [];
  // Also look a little behind the checkpoint: a schedule written just before a minute turned can land its
  // row in that minute after the previous tick read it. Rows already handled were moved on, so only such
  // late rows are found there, and a run row stops anything being done twice.
  const readFrom = from - LATE_WRITE_GRACE_MS;
  for await (const row of deps.store.due.listDue(readFrom, until)) rows.push(row);
  report.dueRows = rows.length;

  // Occurrences per target in (readFrom, until] that are inside the catch-up window [windowStart, until]:
  // an outage of exactly the window still catches up its first minute. Older ones fell outside.
  const byTarget = new Map<string, { rows: DueEntry[]; occurrences: DueOccurrence[] }>();
  const concurrency = deps.concurrency ?? 32;
  const current = new Set<DueEntry>();
  await forEachLimited(rows, concurrency, async (row) => {
    if (await deps.store.due.isCurrent(row)) current.add(row);
  });
  for (const row of rows) {
    const group = byTarget.get(row.targetId) ?? { rows: [], occurrences: [] };
    byTarget.set(row.targetId, group);
    group.rows.push(row);
    if (!current.has(row)) continue;
    for (
      let at: number | undefined = row.at;
      at !== undefined && at <= until;
      at = nextOccurrence(row.entry, at, row.registeredAt)
    ) {
      if (at > readFrom && at >= windowStart)
        group.occurrences.push({ at, entryIndex: row.entryIndex, action: row.action });
    }
  }

  const pacer = new SubscriptionPacer(deps.pacing ?? ARM_WRITES);
  await forEachLimited([...byTarget.values()], concurrency, async ({ rows: targetRows, occurrences }) => {
    const first = targetRows[0]!;
    if (occurrences.length > 0) {
      occurrences.sort((a, b) => a.at - b.at || a.entryIndex - b.entryIndex);
      const latest = occurrences[occurrences.length - 1]!;
      const earlier = occurrences.slice(0, -1).filter((o) => o.at !== latest.at);
      const message: ActionMessage = {
        v: 1,
        targetId: first.targetId,
        resourceId: first.resourceId,
        kind: first.kind,
        action: latest.action,
        occurrenceAt: latest.at,
        source: 'schedule',
      };
      if (earlier.length > 0) {
        message.superseded = earlier.slice(-MAX_SUPERSEDED).map((o) => [o.at, o.action]);
        report.superseded += message.superseded.length;
      }
      // Enqueue before moving the rows: a crash in between repeats the message (deduped by the run row),
      // where the other order could lose it.
      // The pacer counts from the start of the tick; a large tick takes a while to get here.
      const slot = pacer.delayFor(first.resourceId, first.kind);
      report.spreadOverInMs = Math.max(report.spreadOverInMs, slot);
      const delay = slot - (deps.clock.now() - startedAt);
      await deps.actions.send(message, delay > 0 ? { visibilityDelayInMs: delay } : undefined);
      report.enqueued++;
    }
    for (const row of targetRows) {
      const next = current.has(row) ? nextOccurrence(row.entry, until, row.registeredAt) : undefined;
      await deps.store.due.reschedule(row, next);
    }
  });

  try {
    if (checkpoint) await deps.store.checkpoints.set(TICK_CHECKPOINT, until, { etag: checkpoint.etag });
    else await deps.store.checkpoints.set(TICK_CHECKPOINT, until);
    report.advanced = true;
  } catch (error) {
    // Another host ticked the same minutes: its work and ours are the same, so losing the race is fine.
    if (!isConcurrencyConflict(error)) throw error;
  }
  if (report.advanced) {
    // Housekeeping: past, empty hour tables of the due index go. A failure here harms nothing (the next
    // hour tries again), so it must not fail a tick whose work is done.
    report.prunedTables = await deps.store.due.pruneBefore(until).catch(() => 0);
  }
  return report;
}

function isConcurrencyConflict(error: unknown): boolean {
  return error instanceof PreconditionFailedError || error instanceof ConflictError;
}
