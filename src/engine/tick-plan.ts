// What a tick does with the due rows it read, decided without I/O: per target, the latest occurrence in the
// window to act on, the earlier ones it supersedes, how long its message waits to keep the subscription
// inside its write budget, and where each row moves next. `tick()` reads, then carries this plan out.

import { nextOccurrence } from '../schedule/index.js';
import type { DueEntry, DueMove } from '../store/ports.js';
import type { ActionMessage } from './action-message.js';
import { SubscriptionPacer, type CallBudget, type PacingState } from './pacing.js';

/** A tick keeps at most this many coalesced occurrences per target in its message (queue messages are ≤ 64 KiB). */
export const MAX_SUPERSEDED = 1000;

/** The instants a tick covers (UTC ms). */
export interface TickWindow {
  /** Rows are read after this instant: the checkpoint, less a grace for rows written late. */
  readFrom: number;
  /** The oldest occurrence still acted on: the catch-up window's start (inclusive). */
  windowStart: number;
  /** The minute evaluated up to (inclusive). */
  until: number;
}

export interface TargetPlan {
  targetId: string;
  /** The action for the target's latest occurrence in the window, if any occurred. */
  message?: ActionMessage;
  /** How long after the tick began the message may be handled, to respect the subscription's budget. */
  slotInMs: number;
  /** Each row and where it moves: its entry's next occurrence after `until`, nowhere, or away (not current). */
  moves: DueMove[];
}

export interface TickPlan {
  targets: TargetPlan[];
  superseded: number;
  spreadOverInMs: number;
  /** What this tick's calls leave of the write buckets, for the next tick (kept with the checkpoint). */
  pacing: PacingState;
}

/** Where the write buckets stand when the tick starts: its start, and what earlier ticks left of them. */
export interface PacingStart {
  now: number;
  carried?: PacingState;
}

interface Due {
  at: number;
  entryIndex: number;
  action: 'Start' | 'Stop';
}

/**
 * Plans a tick over `rows` (as read, oldest first). Rows not in `current` belong to a replaced schedule:
 * they move nowhere and act on nothing. Targets are planned in id order, so the spread is the same
 * whichever order storage answered in.
 */
export function planTick(
  rows: readonly DueEntry[],
  current: ReadonlySet<DueEntry>,
  window: TickWindow,
  budget: CallBudget | false,
  start: PacingStart = { now: 0 },
): TickPlan {
  const pacer = new SubscriptionPacer(budget, start.now, start.carried);
  const plan: TickPlan = { targets: [], superseded: 0, spreadOverInMs: 0, pacing: {} };
  for (const [targetId, targetRows] of byTarget(rows)) {
    const due = targetRows.filter((row) => current.has(row)).flatMap((row) => occurrencesIn(row, window));
    const target: TargetPlan = {
      targetId,
      slotInMs: 0,
      moves: targetRows.map((row) =>
        current.has(row)
          ? { row, nextAt: nextOccurrence(row.entry, window.until, row.registeredAt) }
          : { row, nextAt: undefined, drop: true },
      ),
    };
    if (due.length > 0) {
      const first = targetRows[0]!;
      target.message = messageFor(first, due);
      plan.superseded += target.message.superseded?.length ?? 0;
      target.slotInMs = pacer.delayFor(first.resourceId, first.kind);
      plan.spreadOverInMs = Math.max(plan.spreadOverInMs, target.slotInMs);
    }
    plan.targets.push(target);
  }
  plan.pacing = pacer.state();
  return plan;
}

function byTarget(rows: readonly DueEntry[]): [string, DueEntry[]][] {
  const groups = new Map<string, DueEntry[]>();
  for (const row of rows) groups.set(row.targetId, [...(groups.get(row.targetId) ?? []), row]);
  return [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The row's occurrences in the window: from its instant through `until`, leaving out those at or before
 * `readFrom` (an earlier tick had them) and those before the catch-up window (too old to act on).
 */
function occurrencesIn(row: DueEntry, window: TickWindow): Due[] {
  const found: Due[] = [];
  for (
    let at: number | undefined = row.at;
    at !== undefined && at <= window.until;
    at = nextOccurrence(row.entry, at, row.registeredAt)
  ) {
    if (at > window.readFrom && at >= window.windowStart)
      found.push({ at, entryIndex: row.entryIndex, action: row.action });
  }
  return found;
}

/** The latest occurrence acts; the earlier ones ride along to be recorded `superseded`. */
function messageFor(first: DueEntry, due: Due[]): ActionMessage {
  due.sort((a, b) => a.at - b.at || a.entryIndex - b.entryIndex);
  const latest = due[due.length - 1]!;
  const earlier = due.slice(0, -1).filter((o) => o.at !== latest.at);
  return {
    v: 1,
    targetId: first.targetId,
    resourceId: first.resourceId,
    kind: first.kind,
    action: latest.action,
    occurrenceAt: latest.at,
    source: 'schedule',
    ...(earlier.length > 0
      ? {
          superseded: earlier.slice(-MAX_SUPERSEDED).map((o): [number, 'Start' | 'Stop'] => [o.at, o.action]),
        }
      : {}),
  };
}
