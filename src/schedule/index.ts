// The schedule engine's public face: validation, occurrences, desired state, timelines, conflicts and
// descriptions. Pure: no I/O, and no clock of its own; callers pass the instants.

import { compileEntry } from './compile.js';
import type { ScheduleEntry } from './types.js';

export type * from './types.js';
export { ScheduleValidationError, ScheduleSyntaxError, type FieldProblem } from './errors.js';
export {
  validateEntry,
  validateSchedules,
  INTERVAL_LIMITS,
  DEFAULT_MAX_ENTRIES,
  type ValidateOptions,
} from './validate.js';
export { timeline, desiredStateAt, lastOccurrence } from './desired-state.js';
export { findConflict, type Conflict } from './conflicts.js';
export { describe, describeZone } from './describe.js';
export { resolveTimeZone, suggestZones, type TimeZone } from './zones.js';
export { formatInstant, parseDateTime, parseInstant, LAST_INSTANT_MS } from './civil.js';

export interface OccurrencesOptions {
  /** Exclusive lower bound (UTC ms or a Date). */
  after: number | Date;
  /** Inclusive upper bound. */
  until?: number | Date;
  limit?: number;
  /** When the entry was registered; anchors recurrences that have no startTime. Defaults to `after`. */
  registeredAt?: number;
}

/** The entry's occurrences strictly after `after`, lazily, as UTC ms. Disabled entries yield nothing. */
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

export function nextOccurrence(
  entry: ScheduleEntry,
  after: number,
  registeredAt = after,
): number | undefined {
  const compiled = compileEntry(entry);
  return compiled.enabled ? compiled.next(after, registeredAt) : undefined;
}
