// The schedule engine's public face: validation, occurrences, desired state, timelines, conflicts and
// descriptions. Pure: no I/O, and no clock of its own; callers pass the instants. The semantics it keeps
// are written down in docs/schedules.md.

import { compileEntry } from './compile.js';
import type { ScheduleEntry } from './types.js';

export type * from './types.js';
export { ScheduleValidationError, ScheduleSyntaxError, type FieldProblem } from './errors.js';
export {
  validateEntry,
  validateSchedules,
  INTERVAL_LIMITS,
  DEFAULT_MAX_ENTRIES,
  MOST_ENTRIES_CONFIGURABLE,
  type ValidateOptions,
} from './validate.js';
export { timeline, desiredStateAt, lastOccurrence } from './desired-state.js';
export { findConflict, type Conflict } from './conflicts.js';
export { describe, describeZone } from './describe.js';
export { resolveTimeZone, suggestZones, type TimeZone } from './zones.js';
export { formatInstant, parseDateTime, parseInstant, LAST_INSTANT_MS } from './civil.js';

/** Options of {@link occurrences}. */
export interface OccurrencesOptions {
  /** Exclusive lower bound (UTC ms or a Date): every occurrence yielded is strictly after it. */
  after: number | Date;
  /**
   * Inclusive upper bound (UTC ms or a Date).
   * @default no bound: the series runs until the entry ends (its `endTime`, or 9999-12-31T23:59:59Z)
   */
  until?: number | Date;
  /**
   * Most occurrences to yield.
   * @default no limit
   */
  limit?: number;
  /**
   * When the entry was registered (UTC ms): a recurrence without a `startTime` counts its intervals from it
   * and never runs before it. Ignored by cron entries.
   * @default `after`
   */
  registeredAt?: number;
}

/**
 * The entry's occurrences strictly after `options.after`, in increasing order, lazily. Each is a UTC
 * instant in ms on a whole minute, placed by the rules of docs/schedules.md (time zone, daylight saving,
 * `startTime`/`endTime`, recurrence periods).
 * @param entry a valid entry, as returned by {@link validateEntry} or {@link validateSchedules}
 * @param options the window and the registration instant; see {@link OccurrencesOptions}
 * @returns a generator of UTC ms; a `Disabled` entry yields nothing, and the series ends at the entry's
 *   `endTime`, at `until`, after `limit` values, or at 9999-12-31T23:59:59Z
 * @throws ScheduleSyntaxError when the entry was not validated and cannot be read (its pointer is relative
 *   to the entry)
 */
export function* occurrences(
  entry: ScheduleEntry,
  options: OccurrencesOptions,
): Generator<number, void, undefined> {
  const compiled = compileEntry(entry);
  if (!compiled.enabled) return;
  const after = +options.after;
  const until = options.until === undefined ? Infinity : +options.until;
  const limit = options.limit ?? Infinity;
  const registeredAt = options.registeredAt ?? after;
  let at = after;
  for (let count = 0; count < limit; count++) {
    const next = compiled.next(at, registeredAt);
    if (next === undefined || next > until) return;
    yield next;
    at = next;
  }
}

/**
 * The entry's first occurrence strictly after `after`: the one-value form of {@link occurrences}, used to
 * place an entry's row in the due index.
 * @param entry a valid entry
 * @param after exclusive lower bound, UTC ms
 * @param registeredAt when the entry was registered (UTC ms), anchoring recurrences without a `startTime`
 *   (default: `after`)
 * @returns UTC ms, or undefined when the entry is disabled or has no further occurrence (past its `endTime`
 *   or 9999-12-31T23:59:59Z)
 * @throws ScheduleSyntaxError when the entry was not validated and cannot be read
 */
export function nextOccurrence(
  entry: ScheduleEntry,
  after: number,
  registeredAt = after,
): number | undefined {
  const compiled = compileEntry(entry);
  return compiled.enabled ? compiled.next(after, registeredAt) : undefined;
}
