// Finds the first instant at which a Start entry and a Stop entry of one target fire together.
// Walks the sparser entry of each pair and asks the other whether it fires at the same instant.

import { compileEntry } from './compile.js';
import type { ScheduleEntry } from './types.js';

export interface Conflict {
  /** Indexes of the two entries, first < second. */
  first: number;
  second: number;
  /** The first clashing instant (UTC ms). */
  at: number;
}

export function findConflict(
  entries: ScheduleEntry[],
  from: number,
  horizonMs: number,
  registeredAt = from,
): Conflict | undefined {
  const until = from + horizonMs;
  let best: Conflict | undefined;
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      const a = compileEntry(entries[i]!);
      const b = compileEntry(entries[j]!);
      if (!a.enabled || !b.enabled || a.action === b.action) continue;
      const limit = best ? Math.min(best.at, until) : until;
      const at = firstCommonInstant(a.next.bind(a), b.next.bind(b), from, limit, registeredAt);
      if (at !== undefined && (!best || at < best.at)) best = { first: i, second: j, at };
    }
  }
  return best;
}

type Next = (after: number, registeredAt: number) => number | undefined;

function firstCommonInstant(
  a: Next,
  b: Next,
  from: number,
  until: number,
  registeredAt: number,
): number | undefined {
  // Leapfrog: advance whichever is behind to at-or-after the other; equal means both fire then.
  let x = a(from - 1, registeredAt);
  let y = b(from - 1, registeredAt);
  while (x !== undefined && y !== undefined && x <= until && y <= until) {
    if (x === y) return x;
    if (x < y) x = a(y - 1, registeredAt);
    else y = b(x - 1, registeredAt);
  }
  return undefined;
}
