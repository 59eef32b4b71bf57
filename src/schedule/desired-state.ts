// Reads a target's entries together: the merged timeline with the state wanted after each occurrence, and
// the state wanted at an instant (the action of the latest occurrence at or before it).

import { compileEntry } from './compile.js';
import type { DesiredState, Occurrence, ScheduleEntry, TimelinePoint } from './types.js';

const stateAfter = (action: 'Start' | 'Stop'): DesiredState => (action === 'Start' ? 'Running' : 'Stopped');

/** Merged occurrences of the enabled entries in [from, to], oldest first, with the desired state after each. */
export function timeline(
  entries: ScheduleEntry[],
  from: number,
  to: number,
  registeredAt = from,
): TimelinePoint[] {
  const points: TimelinePoint[] = [];
  entries.forEach((entry, entryIndex) => {
    const compiled = compileEntry(entry);
    if (!compiled.enabled) return;
    let at = compiled.next(from - 1, registeredAt);
    while (at !== undefined && at <= to) {
      points.push({ at, entryIndex, action: entry.action, desiredState: stateAfter(entry.action) });
      at = compiled.next(at, registeredAt);
    }
  });
  return points.sort((a, b) => a.at - b.at || a.entryIndex - b.entryIndex);
}

const LOOKBACK_WINDOWS_MS = [1, 8, 32, 367, 1500, 11_000].map((days) => days * 86_400_000);

/** The latest occurrence at or before `instant` across enabled entries; undefined when none ever fired. */
export function lastOccurrence(
  entries: ScheduleEntry[],
  instant: number,
  registeredAt?: number,
): Occurrence | undefined {
  for (const window of LOOKBACK_WINDOWS_MS) {
    let latest: Occurrence | undefined;
    entries.forEach((entry, entryIndex) => {
      const compiled = compileEntry(entry);
      if (!compiled.enabled) return;
      const from = instant - window;
      const anchor = registeredAt ?? from;
      let at = compiled.next(from - 1, anchor);
      let last: number | undefined;
      while (at !== undefined && at <= instant) {
        last = at;
        at = compiled.next(at, anchor);
      }
      if (
        last !== undefined &&
        (!latest || last > latest.at || (last === latest.at && entryIndex > latest.entryIndex))
      ) {
        latest = { at: last, entryIndex, action: entry.action };
      }
    });
    if (latest) return latest;
  }
  return undefined;
}

export function desiredStateAt(
  entries: ScheduleEntry[],
  instant: number,
  registeredAt?: number,
): DesiredState | undefined {
  const last = lastOccurrence(entries, instant, registeredAt);
  return last ? stateAfter(last.action) : undefined;
}
