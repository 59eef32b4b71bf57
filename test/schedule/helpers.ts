// Small helpers shared by the schedule conformance tests. Golden instants are always written out in full
// in the tests themselves; nothing here computes an expected value.
import {
  occurrences,
  ScheduleValidationError,
  validateEntry,
  type FieldProblem,
} from '../../src/schedule/index.js';
import type {
  CronTrigger,
  RecurrenceTrigger,
  ScheduleAction,
  ScheduleEntry,
} from '../../src/schedule/types.js';

/** UTC instant as `YYYY-MM-DDTHH:MM:SSZ` (the CLI's format). */
export const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

export const at = (isoInstant: string): number => {
  const ms = Date.parse(isoInstant);
  if (Number.isNaN(ms)) throw new Error(`bad instant in test: ${isoInstant}`);
  return ms;
};

/**
 * The next `n` occurrences strictly after `fromIso`, as `YYYY-MM-DDTHH:MM:SSZ` strings. The entry goes through
 * `validateEntry` first, exactly as the API and the CLI do before computing anything.
 */
export function next(entry: unknown, fromIso: string, n: number, registeredAtIso?: string): string[] {
  const valid = validateEntry(entry);
  const options: { after: number; limit: number; registeredAt?: number } = { after: at(fromIso), limit: n };
  if (registeredAtIso !== undefined) options.registeredAt = at(registeredAtIso);
  const out: string[] = [];
  for (const ms of occurrences(valid, options)) {
    out.push(iso(ms));
    if (out.length >= n) break; // never trust the engine's `limit` to stop an infinite iterator
  }
  return out;
}

/** Occurrences in (fromIso, untilIso], collected with a generous safety cap. */
export function between(entry: unknown, fromIso: string, untilIso: string, cap = 10_000): string[] {
  const valid = validateEntry(entry);
  const until = at(untilIso);
  const out: string[] = [];
  for (const ms of occurrences(valid, { after: at(fromIso), until, limit: cap })) {
    if (ms > until) break;
    out.push(iso(ms));
    if (out.length >= cap) break;
  }
  return out;
}

export function cron(
  expression: string,
  timeZone?: string,
  extra: Partial<Omit<CronTrigger, 'expression' | 'timeZone'>> = {},
  action: ScheduleAction = 'Start',
): ScheduleEntry {
  const trigger: CronTrigger = { expression, ...extra };
  if (timeZone !== undefined) trigger.timeZone = timeZone;
  return { triggerType: 'Cron', action, cron: trigger };
}

export function recurrence(trigger: RecurrenceTrigger, action: ScheduleAction = 'Start'): ScheduleEntry {
  return { triggerType: 'Recurrence', action, recurrence: trigger };
}

/** Every hour of the day, 0–23, as the Logic Apps examples list them. */
export const ALL_HOURS = Array.from({ length: 24 }, (_, h) => h);

/** The field problems of the ScheduleValidationError that `fn` throws; fails the test when it throws nothing else. */
export function problems(fn: () => unknown): readonly FieldProblem[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScheduleValidationError) return error.errors;
    throw error;
  }
  throw new Error('expected a ScheduleValidationError, but nothing was thrown');
}
