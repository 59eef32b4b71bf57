// Cron: parses 5-field crontab expressions (names, ranges, steps, lists, Sunday as 0 or 7, and the AWS-style
// `L`, `FRI#2`, `5L`) and finds the next matching wall-clock minute with table look-ups, no Date objects.

import { civilFromDays, DAY_MS, daysInMonth, MINUTE_MS, weekdayFromDays } from './civil.js';
import { ScheduleSyntaxError } from './errors.js';

export interface CronExpression {
  readonly source: string;
  readonly minutes: readonly boolean[];
  readonly hours: readonly boolean[];
  readonly daysOfMonth: readonly boolean[]; // index 1–31
  readonly lastDayOfMonth: boolean;
  readonly months: readonly boolean[]; // index 1–12
  readonly daysOfWeek: readonly boolean[]; // index 0–6, Sunday 0
  /** `FRI#2` → weekday 5, nth 2. */
  readonly nthWeekdays: readonly { weekday: number; nth: number }[];
  /** `5L` → the last Friday. */
  readonly lastWeekdays: readonly number[];
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
  /** Minute and hour fields do not start with `*`: the daylight-saving rules for fixed times apply. */
  readonly fixedTime: boolean;
  readonly nextMinute: readonly number[]; // smallest matching minute ≥ i, or -1
  readonly nextHour: readonly number[];
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  nameBase?: number;
}

const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  { name: 'day-of-week', min: 0, max: 7, names: DAY_NAMES, nameBase: 0 },
];

function fieldError(spec: FieldSpec, text: string, why: string): ScheduleSyntaxError {
  return new ScheduleSyntaxError(`cron ${spec.name} field "${text}": ${why}`);
}

function parseValue(spec: FieldSpec, text: string, whole: string): number {
  const upper = text.toUpperCase();
  if (spec.names) {
    const index = spec.names.indexOf(upper);
    if (index >= 0) return index + (spec.nameBase ?? 0);
  }
  if (!/^\d+$/.test(text)) {
    const expected = spec.names ? ` or a name (${spec.names.join(', ')})` : '';
    throw fieldError(spec, whole, `"${text}" is not a number${expected}`);
  }
  const value = Number(text);
  if (value < spec.min || value > spec.max) {
    throw fieldError(spec, whole, `${value} is out of range ${spec.min}–${spec.max}`);
  }
  return value;
}

/** Parses one plain field (no L or #) into a set of allowed values. */
function parseField(spec: FieldSpec, text: string, allowed: boolean[]): void {
  if (text.length === 0) throw fieldError(spec, text, 'empty');
  for (const part of text.split(',')) {
    if (part.length === 0) throw fieldError(spec, text, 'empty list item');
    const [rangeText, stepText, extra] = part.split('/');
    if (extra !== undefined || rangeText === undefined)
      throw fieldError(spec, text, `"${part}" has more than one "/"`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText)) throw fieldError(spec, text, `step "${stepText}" is not a number`);
      step = Number(stepText);
      if (step < 1) throw fieldError(spec, text, 'a step must be at least 1');
      if (step > spec.max) throw fieldError(spec, text, `step ${step} is larger than the field's range`);
    }
    let from: number;
    let to: number;
    if (rangeText === '*' || rangeText === '?') {
      from = spec.min;
      to = spec.name === 'day-of-week' ? 6 : spec.max;
    } else if (rangeText.includes('-')) {
      const [a, b, more] = rangeText.split('-');
      if (more !== undefined || a === undefined || b === undefined || a === '' || b === '') {
        throw fieldError(spec, text, `"${rangeText}" is not a range`);
      }
      from = parseValue(spec, a, text);
      to = parseValue(spec, b, text);
      if (from > to) throw fieldError(spec, text, `range ${a}-${b} runs backwards`);
    } else {
      from = parseValue(spec, rangeText, text);
      // `a/n` means from a to the end of the field, as in Vixie cron.
      to = stepText !== undefined ? (spec.name === 'day-of-week' ? 6 : spec.max) : from;
    }
    for (let v = from; v <= to; v += step) allowed[spec.name === 'day-of-week' ? v % 7 : v] = true;
  }
}

function nextTable(allowed: boolean[], size: number): number[] {
  const table = new Array<number>(size + 1).fill(-1);
  let next = -1;
  for (let i = size - 1; i >= 0; i--) {
    if (allowed[i]) next = i;
    table[i] = next;
  }
  return table;
}

export function parseCron(expression: string): CronExpression {
  if (typeof expression !== 'string') throw new ScheduleSyntaxError('cron expression must be a string');
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5 || parts[0] === '') {
    throw new ScheduleSyntaxError(
      `cron expression "${expression}" has ${parts[0] === '' ? 0 : parts.length} fields; ` +
        'expected 5: minute hour day-of-month month day-of-week (no seconds field)',
    );
  }
  const [minuteText, hourText, domText, monthText, dowText] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  const minutes = new Array<boolean>(60).fill(false);
  const hours = new Array<boolean>(24).fill(false);
  const months = new Array<boolean>(13).fill(false);
  parseField(FIELDS[0]!, minuteText, minutes);
  parseField(FIELDS[1]!, hourText, hours);
  parseField(FIELDS[3]!, monthText, months);
  const isWild = (text: string): boolean => text.startsWith('*') || text === '?';
  return {
    source: expression.trim(),
    minutes,
    hours,
    ...parseDaysOfMonth(domText),
    months,
    ...parseDaysOfWeek(dowText),
    domRestricted: !isWild(domText),
    dowRestricted: !isWild(dowText),
    fixedTime: !minuteText.startsWith('*') && !hourText.startsWith('*'),
    nextMinute: nextTable(minutes, 60),
    nextHour: nextTable(hours, 24),
  };
}

/** The day-of-month field: days 1–31 and `L`, the month's last day. */
function parseDaysOfMonth(text: string): Pick<CronExpression, 'daysOfMonth' | 'lastDayOfMonth'> {
  const daysOfMonth = new Array<boolean>(32).fill(false);
  let lastDayOfMonth = false;
  for (const item of text.split(',')) {
    if (item.toUpperCase() === 'L') lastDayOfMonth = true;
    else parseField(FIELDS[2]!, item, daysOfMonth);
  }
  return { daysOfMonth, lastDayOfMonth };
}

/** The day-of-week field: days (Sunday 0 or 7, names), `FRI#2` (the nth in the month), `5L` (the last). */
function parseDaysOfWeek(text: string): Pick<CronExpression, 'daysOfWeek' | 'nthWeekdays' | 'lastWeekdays'> {
  const spec = FIELDS[4]!;
  const daysOfWeek = new Array<boolean>(7).fill(false);
  const nthWeekdays: { weekday: number; nth: number }[] = [];
  const lastWeekdays: number[] = [];
  for (const item of text.split(',')) {
    const nth = /^([A-Za-z]{3}|\d)#(\d+)$/.exec(item);
    const last = /^([A-Za-z]{3}|\d)L$/i.exec(item);
    if (nth) {
      const weekday = parseValue(spec, nth[1]!, text) % 7;
      const n = Number(nth[2]);
      if (n < 1 || n > 5) throw fieldError(spec, text, `"#${n}" must be 1–5 (the nth weekday of the month)`);
      nthWeekdays.push({ weekday, nth: n });
    } else if (last) {
      lastWeekdays.push(parseValue(spec, last[1]!, text) % 7);
    } else {
      parseField(spec, item, daysOfWeek);
    }
  }
  return { daysOfWeek, nthWeekdays, lastWeekdays };
}

/** Does the calendar day (days since epoch) match the day-of-month, month and day-of-week fields? */
export function dayMatches(
  cron: CronExpression,
  year: number,
  month: number,
  day: number,
  epochDay: number,
): boolean {
  if (!cron.months[month]) return false;
  const weekday = weekdayFromDays(epochDay);
  const length = daysInMonth(year, month);
  const domMatch = cron.daysOfMonth[day] === true || (cron.lastDayOfMonth && day === length);
  let dowMatch = cron.daysOfWeek[weekday] === true;
  if (!dowMatch) {
    for (const { weekday: w, nth } of cron.nthWeekdays) {
      if (w === weekday && Math.ceil(day / 7) === nth) dowMatch = true;
    }
    for (const w of cron.lastWeekdays) {
      if (w === weekday && day + 7 > length) dowMatch = true;
    }
  }
  // crontab(5): when both day fields are restricted, either may match; otherwise both must.
  if (cron.domRestricted && cron.dowRestricted) return domMatch || dowMatch;
  return domMatch && dowMatch;
}

/**
 * The first wall-clock minute ≥ `fromWall` (wall ms, already a whole minute) that matches, if it is before
 * `beforeWall`; undefined otherwise. Skips whole days and months at a time.
 */
export function nextWallMatch(
  cron: CronExpression,
  fromWall: number,
  beforeWall: number,
): number | undefined {
  let epochDay = Math.floor(fromWall / DAY_MS);
  let minuteOfDay = Math.floor((fromWall - epochDay * DAY_MS) / MINUTE_MS);
  let { year, month, day } = civilFromDays(epochDay);
  for (;;) {
    if (epochDay * DAY_MS >= beforeWall) return undefined;
    if (!cron.months[month]) {
      // Jump to the first day of the next month.
      epochDay += daysInMonth(year, month) - day + 1;
      month++;
      if (month > 12) {
        month = 1;
        year++;
      }
      day = 1;
      minuteOfDay = 0;
      continue;
    }
    if (dayMatches(cron, year, month, day, epochDay)) {
      const found = nextMinuteOfDay(cron, minuteOfDay);
      if (found >= 0) {
        const wall = epochDay * DAY_MS + found * MINUTE_MS;
        return wall < beforeWall ? wall : undefined;
      }
    }
    epochDay++;
    minuteOfDay = 0;
    day++;
    if (day > daysInMonth(year, month)) {
      day = 1;
      month++;
      if (month > 12) {
        month = 1;
        year++;
      }
    }
  }
}

function nextMinuteOfDay(cron: CronExpression, minuteOfDay: number): number {
  let hour = Math.floor(minuteOfDay / 60);
  let minute = minuteOfDay % 60;
  while (hour < 24) {
    const h = cron.nextHour[hour]!;
    if (h < 0) return -1;
    if (h !== hour) {
      hour = h;
      minute = 0;
    }
    const m = cron.nextMinute[minute]!;
    if (m >= 0) return hour * 60 + m;
    hour++;
    minute = 0;
  }
  return -1;
}
