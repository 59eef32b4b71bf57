// Turns a validated ScheduleEntry into something that answers "when next?" quickly: the cron expression
// parsed once, the zone resolved once, start and end turned into instants. Cached per entry object.

import { LAST_INSTANT_MS, readDateTime } from './civil.js';
import { parseCron, type CronExpression } from './cron.js';
import { nextCronInstant } from './cron-timing.js';
import { ScheduleSyntaxError } from './errors.js';
import { nextRecurrenceInstant, type RecurrenceRule } from './recurrence.js';
import type { ScheduleAction, ScheduleEntry, WeekDay } from './types.js';
import { resolveTimeZone, utc, type TimeZone } from './zones.js';

export interface CompiledEntry {
  readonly entry: ScheduleEntry;
  readonly enabled: boolean;
  readonly action: ScheduleAction;
  readonly zone: TimeZone;
  readonly cron: CronExpression | undefined;
  readonly rule: RecurrenceRule | undefined;
  readonly startInstant: number | undefined;
  readonly endInstant: number | undefined;
  /** The first occurrence strictly after `after`, ignoring status; undefined when there is none. */
  next(after: number, registeredAt: number): number | undefined;
}

export const WEEK_DAYS: readonly WeekDay[] = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
];

const cache = new WeakMap<ScheduleEntry, CompiledEntry>();

/** Resolves a time given as a wall time in `zone`, or as an instant when it carries `Z` or an offset. */
export function parseTime(
  text: string,
  zone: TimeZone,
  field: string,
): { instant: number; wall: number; explicitOffset: boolean } {
  const parsed = readDateTime(text);
  if ('problem' in parsed) {
    throw new ScheduleSyntaxError(
      parsed.malformed
        ? `${parsed.problem} such as "2026-01-05T08:00:00" (wall time in the time zone) or "2026-01-05T16:00:00Z"`
        : parsed.problem,
      `/${field}`,
    );
  }
  const explicitOffset = parsed.offsetMs !== undefined;
  const instant = explicitOffset ? parsed.wall - parsed.offsetMs! : zone.instantOfWall(parsed.wall);
  if (instant > LAST_INSTANT_MS) {
    throw new ScheduleSyntaxError(
      `"${text}" is after 9999-12-31T23:59:59Z in its time zone, the last instant handled`,
      `/${field}`,
    );
  }
  return explicitOffset
    ? { instant, wall: instant + zone.offsetAt(instant), explicitOffset }
    : { instant, wall: parsed.wall, explicitOffset };
}

/** No occurrence after the last instant `YYYY-MM-DDTHH:MM:SSZ` can name. */
const withinYears = (at: number | undefined): number | undefined =>
  at !== undefined && at <= LAST_INSTANT_MS ? at : undefined;

function zoneOf(id: string | undefined, pointer: string): TimeZone {
  if (id === undefined || id === '') return utc;
  try {
    return resolveTimeZone(id);
  } catch (error) {
    if (error instanceof ScheduleSyntaxError) throw new ScheduleSyntaxError(error.message, pointer);
    throw error;
  }
}

export function compileEntry(entry: ScheduleEntry): CompiledEntry {
  const cached = cache.get(entry);
  if (cached) return cached;
  const compiled = entry.triggerType === 'Cron' ? compileCron(entry) : compileRecurrence(entry);
  cache.set(entry, compiled);
  return compiled;
}

function compileCron(entry: ScheduleEntry): CompiledEntry {
  const trigger = entry.cron;
  if (!trigger) throw new ScheduleSyntaxError('a Cron entry needs "cron"', '/cron');
  const zone = zoneOf(trigger.timeZone, '/cron/timeZone');
  let cron: CronExpression;
  try {
    cron = parseCron(trigger.expression);
  } catch (error) {
    if (error instanceof ScheduleSyntaxError)
      throw new ScheduleSyntaxError(error.message, '/cron/expression');
    throw error;
  }
  const start =
    trigger.startTime !== undefined
      ? parseTime(trigger.startTime, zone, 'cron/startTime').instant
      : undefined;
  const end =
    trigger.endTime !== undefined ? parseTime(trigger.endTime, zone, 'cron/endTime').instant : undefined;
  return {
    entry,
    enabled: entry.status !== 'Disabled',
    action: entry.action,
    zone,
    cron,
    rule: undefined,
    startInstant: start,
    endInstant: end,
    next(after) {
      // startTime is inclusive: an occurrence exactly at it fires.
      const from = start !== undefined && start - 1 > after ? start - 1 : after;
      const found = withinYears(nextCronInstant(cron, zone, from));
      return found !== undefined && end !== undefined && found > end ? undefined : found;
    },
  };
}

function compileRecurrence(entry: ScheduleEntry): CompiledEntry {
  const trigger = entry.recurrence;
  if (!trigger) throw new ScheduleSyntaxError('a Recurrence entry needs "recurrence"', '/recurrence');
  let zone = zoneOf(trigger.timeZone, '/recurrence/timeZone');
  let startInstant: number | undefined;
  let startWall: number | undefined;
  if (trigger.startTime !== undefined) {
    const start = parseTime(trigger.startTime, zone, 'recurrence/startTime');
    // Logic Apps: a startTime in UTC (trailing Z) means the whole recurrence runs in UTC; the zone is ignored.
    if (start.explicitOffset) {
      zone = utc;
      startWall = start.instant;
    } else startWall = start.wall;
    startInstant = start.instant;
  }
  const schedule = trigger.schedule;
  const timesOfDay = schedule
    ? [
        ...new Set(schedule.hours.flatMap((h) => schedule.minutes.map((m) => h * 3_600_000 + m * 60_000))),
      ].sort((a, b) => a - b)
    : undefined;
  const rule: RecurrenceRule = {
    frequency: trigger.frequency,
    interval: trigger.interval,
    zone,
    startInstant,
    startWall,
    timesOfDay,
    weekDays: schedule?.weekDays?.map((d) => WEEK_DAYS.indexOf(d)),
    monthDays: schedule?.monthDays,
  };
  return {
    entry,
    enabled: entry.status !== 'Disabled',
    action: entry.action,
    zone,
    cron: undefined,
    rule,
    startInstant,
    endInstant: undefined,
    next: (after, registeredAt) => withinYears(nextRecurrenceInstant(rule, after, registeredAt)),
  };
}
