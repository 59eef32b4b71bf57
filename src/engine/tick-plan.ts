// What a tick does with the due rows it read, decided without I/O: per target, the latest occurrence in the
// window to act on, the earlier ones it supersedes, how long its message waits to keep the subscription
// inside its write budget, and where each row moves next. `tick()` reads, then carries this plan out.

import { nextOccurrence } from '../schedule/index.js';
import type { DueEntry, DueMove } from '../store/ports.js';
import {
  envelopeBytes,
  MAX_ENVELOPE_ACTIONS,
  MAX_ENVELOPE_BYTES,
  type ActionMessage,
} from './action-message.js';
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
  /** The schedule revision the rows were written for (a target has two only when a replaced one left a row). */
  revision: string;
  /** The action for the target's latest occurrence in the window, if any occurred. */
  message?: ActionMessage;
  /** How long after the tick began the message may be handled, to respect the subscription's budget. */
  slotInMs: number;
  /** Each row and where it moves: its entry's next occurrence after `until`, or nowhere. */
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
 * Plans a tick over `rows` (as read, oldest first), one message per target and schedule revision. Whether a
 * revision is still the target's current one is not the tick's to know (it would cost a read per target):
 * the message names it and the executor checks (docs/decisions/0015). Targets are planned in id order, so
 * the spread is the same whichever order storage answered in.
 */
export function planTick(
  rows: readonly DueEntry[],
  window: TickWindow,
  budget: CallBudget | false,
  start: PacingStart = { now: 0 },
): TickPlan {
  const pacer = new SubscriptionPacer(budget, start.now, start.carried);
  const plan: TickPlan = { targets: [], superseded: 0, spreadOverInMs: 0, pacing: {} };
  for (const targetRows of byTargetAndRevision(rows)) {
    const first = targetRows[0]!;
    const moves = targetRows.map((row) => ({
      row,
      nextAt: nextOccurrence(row.entry, window.until, row.registeredAt),
    }));
    const target: TargetPlan = { targetId: first.targetId, revision: first.revision, slotInMs: 0, moves };
    const due = targetRows.flatMap((row) => occurrencesIn(row, window));
    if (due.length > 0) {
      target.message = messageFor(first, due, moves);
      plan.superseded += target.message.superseded?.length ?? 0;
      target.slotInMs = pacer.delayFor(first.resourceId, first.kind);
      plan.spreadOverInMs = Math.max(plan.spreadOverInMs, target.slotInMs);
    }
    plan.targets.push(target);
  }
  plan.pacing = pacer.state();
  return plan;
}

/** The rows of each target and revision, targets in id order (then revisions, for a stable order). */
function byTargetAndRevision(rows: readonly DueEntry[]): DueEntry[][] {
  const groups = new Map<string, DueEntry[]>();
  for (const row of rows) {
    const key = `${row.targetId}\u0000${row.revision}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group);
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

/**
 * The latest occurrence acts; the earlier ones ride along to be recorded `superseded`. The message names the
 * revision and where its rows went, so that an executor finding the schedule replaced can delete them.
 */
function messageFor(first: DueEntry, due: Due[], moves: DueMove[]): ActionMessage {
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
    revision: first.revision,
    nextRows: moves.flatMap(({ row, nextAt }): [number, number][] =>
      nextAt === undefined ? [] : [[row.entryIndex, nextAt]],
    ),
    ...(earlier.length > 0
      ? {
          superseded: earlier.slice(-MAX_SUPERSEDED).map((o): [number, 'Start' | 'Stop'] => [o.at, o.action]),
        }
      : {}),
  };
}

/** Actions that go in one queue message, and when that message may be handled (ms after the tick began). */
export interface PlannedEnvelope {
  messages: ActionMessage[];
  /** The latest slot among them: no action is handled before its own slot, so each budget still holds. */
  slotInMs: number;
}

/**
 * Puts the plan's actions in as few queue messages as the budget allows (docs/decisions/0016): those whose
 * slots fall in the same second share a message, delayed to the latest of their slots. The queue's delays
 * are whole seconds, so each was to be handled in that second anyway. A message holds at most
 * `MAX_ENVELOPE_ACTIONS` actions and `MAX_ENVELOPE_BYTES` of JSON, and one target once (two revisions of a
 * target go in two messages, so whatever carries an action can tell the members apart by their machine).
 */
export function envelopesOf(targets: readonly TargetPlan[]): PlannedEnvelope[] {
  const bySecond = new Map<number, { message: ActionMessage; slotInMs: number }[]>();
  for (const { message, slotInMs } of targets) {
    if (!message) continue;
    const second = Math.ceil(slotInMs / 1000);
    const inSecond = bySecond.get(second);
    if (inSecond) inSecond.push({ message, slotInMs });
    else bySecond.set(second, [{ message, slotInMs }]);
  }
  const envelopes: PlannedEnvelope[] = [];
  for (const second of [...bySecond.keys()].sort((a, b) => a - b)) {
    let open: PlannedEnvelope = { messages: [], slotInMs: 0 };
    let bytes = 0;
    for (const { message, slotInMs } of bySecond.get(second) ?? []) {
      const size = envelopeBytes(message);
      const fits =
        open.messages.length < MAX_ENVELOPE_ACTIONS &&
        bytes + size <= MAX_ENVELOPE_BYTES &&
        !open.messages.some((m) => m.targetId === message.targetId);
      if (open.messages.length > 0 && !fits) {
        envelopes.push(open);
        open = { messages: [], slotInMs: 0 };
        bytes = 0;
      }
      open.messages.push(message);
      open.slotInMs = Math.max(open.slotInMs, slotInMs);
      bytes += size;
    }
    if (open.messages.length > 0) envelopes.push(open);
  }
  return envelopes;
}
