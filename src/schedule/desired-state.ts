// Reads a target's entries together: the merged timeline with the state wanted after each occurrence, and
// the state wanted at an instant (the action of the latest occurrence at or before it).

import { compileEntry } from './compile.js';
import type { DesiredState, Occurrence, ScheduleEntry, TimelinePoint } from './types.js';

const stateAfter = (action: 'Start' | 'Stop'): DesiredState => (action === 'Start' ? 'Running' : 'Stopped');

/**
 * The merged occurrences of a target's enabled entries in [from, to], oldest first (entries that fire at the
 * same instant in the order of the document), each with the state it leaves the target in: `Running` after a
 * Start, `Stopped` after a Stop. Disabled entries contribute nothing.
 * @param entries valid entries, as one target's document holds them
 * @param from inclusive start, UTC ms
 * @param to inclusive end, UTC ms; the caller bounds the window (the API allows 31 days)
 * @param registeredAt when the schedule was registered, anchoring recurrences without a `startTime`
 *   (default: `from`)
 * @returns the points; `entryIndex` is the entry's index in `entries`
 */
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

/**
 * The latest occurrence at or before `instant` across the enabled entries; of two at that same instant, the
 * later entry in the document. Looks back in growing windows, up to about 30 years.
 * @param entries valid entries
 * @param instant UTC ms
 * @param registeredAt when the schedule was registered, anchoring recurrences without a `startTime`
 *   (default: the start of each look-back window)
 * @returns the occurrence, or undefined when none fired in the look-back
 */
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

/**
 * The state a target should be in at `instant`: the state left by {@link lastOccurrence}.
 * @param entries valid entries
 * @param instant UTC ms
 * @param registeredAt when the schedule was registered, anchoring recurrences without a `startTime`
 * @returns `Running` or `Stopped`, or undefined before the first occurrence
 */
export function desiredStateAt(
  entries: ScheduleEntry[],
  instant: number,
  registeredAt?: number,
): DesiredState | undefined {
  const last = lastOccurrence(entries, instant, registeredAt);
  return last ? stateAfter(last.action) : undefined;
}
