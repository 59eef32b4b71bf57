// Calendar arithmetic on "wall milliseconds" (a zone's local date and time counted as if it were UTC),
// done with integer maths so that stepping through schedules never allocates a Date.

import { ScheduleSyntaxError } from './errors.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Days since 1970-01-01 for a proleptic Gregorian date (month 1–12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

export function civilFromDays(days: number): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** 0 = Sunday … 6 = Saturday. */
export function weekdayFromDays(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_LENGTHS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (MONTH_LENGTHS[month - 1] ?? 31);
}

export function wallMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  return daysFromCivil(year, month, day) * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS + second * 1000;
}

export function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/** The smallest whole minute at or after `ms`. */
export function ceilToMinute(ms: number): number {
  return Math.ceil(ms / MINUTE_MS) * MINUTE_MS;
}

/**
 * The last instant the product handles: 9999-12-31T23:59:59Z. Past it `YYYY-MM-DDTHH:MM:SSZ` has no year to
 * print, so input beyond it is refused and no occurrence is produced after it.
 */
export const LAST_INSTANT_MS = 253_402_300_799_000;

/** Parses `YYYY-MM-DDTHH:MM[:SS[.fff]]` with an optional `Z` or `±HH:MM`. */
export interface ParsedDateTime {
  wall: number;
  /** Offset in ms when the text names one (`Z` is 0); undefined for a plain wall time. */
  offsetMs: number | undefined;
  /** The fraction of a second written, in whole ms (schedules ignore it; instants keep it). */
  fractionMs: number;
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Reads a date-time strictly: a date that does not exist (2026-02-30) is refused, never rolled over into the
 * next month as `Date.parse` does.
 * @returns the parsed value, or the reason it is not one (naming the text, not the field)
 */
export function readDateTime(text: string): ParsedDateTime | { problem: string; malformed?: true } {
  const m = DATE_TIME.exec(text.trim());
  if (!m) return { problem: `"${text}" is not an ISO 8601 date-time`, malformed: true };
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) =>
    v === undefined ? 0 : Number(v),
  ) as [number, number, number, number, number, number];
  if (month < 1 || month > 12) return { problem: `"${text}" has no month ${m[2]}: months run 01–12` };
  if (day < 1 || day > daysInMonth(year, month)) {
    return { problem: `"${text}" is not a date: ${m[1]}-${m[2]} has ${daysInMonth(year, month)} days` };
  }
  if (hour > 23 || minute > 59 || second > 59)
    return { problem: `"${text}" is not a time of day: it runs from 00:00:00 to 23:59:59` };
  let offsetMs: number | undefined;
  const zone = m[8];
  if (zone !== undefined) {
    if (zone.toUpperCase() === 'Z') offsetMs = 0;
    else {
      const digits = zone.replace(':', '');
      const sign = digits.startsWith('-') ? -1 : 1;
      const oh = Number(digits.slice(1, 3));
      const om = Number(digits.slice(3, 5));
      if (oh > 14 || om > 59)
        return { problem: `"${text}" has offset ${zone}; offsets run −14:00 to +14:00` };
      offsetMs = sign * (oh * HOUR_MS + om * MINUTE_MS);
    }
  }
  const wall = wallMs(year, month, day, hour, minute, second);
  if (wall - (offsetMs ?? 0) > LAST_INSTANT_MS)
    return { problem: `"${text}" is after 9999-12-31T23:59:59Z, the last instant handled` };
  return { wall, offsetMs, fractionMs: m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3)) };
}

/**
 * {@link readDateTime} without the reason: the parsed value, or undefined when the text is not a valid
 * date-time.
 */
export function parseDateTime(text: string): ParsedDateTime | undefined {
  const read = readDateTime(text);
  return 'problem' in read ? undefined : read;
}

/**
 * An instant given as ISO 8601 with `Z` or an offset; a plain date-time is read as UTC. Strict: impossible
 * dates and instants after 9999-12-31T23:59:59Z are refused. Every edge that takes an instant (CLI options,
 * scenario files, HTTP query parameters) should read it here.
 * @param text e.g. `2026-01-05T08:00:00Z`, `2026-01-05T09:00:00+01:00`, `2026-01-05`
 * @returns UTC ms, fractions of a second kept
 * @throws ScheduleSyntaxError with the reason; the caller names the field
 */
export function parseInstant(text: string): number {
  const read = readDateTime(text);
  if ('problem' in read) {
    throw new ScheduleSyntaxError(
      read.malformed ? `${read.problem} such as 2026-01-05T08:00:00Z` : read.problem,
    );
  }
  return read.wall + read.fractionMs - (read.offsetMs ?? 0);
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * `YYYY-MM-DDTHH:MM:SSZ`, the one format the product prints instants in; fractions of a second are dropped.
 * Integer maths: it runs per line of a 300k-line preview.
 * @param ms UTC ms, at most {@link LAST_INSTANT_MS} for a four-digit year
 */
export function formatInstant(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const { year, month, day } = civilFromDays(days);
  const secondOfDay = Math.floor((ms - days * DAY_MS) / 1000);
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor((secondOfDay % 3600) / 60);
  const second = secondOfDay % 60;
  const y =
    year >= 0 && year <= 9999 ? String(year).padStart(4, '0') : new Date(ms).toISOString().slice(0, -20);
  return `${y}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}Z`;
}
