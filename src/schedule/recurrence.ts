// Recurrence: Azure Logic Apps' recurrence semantics with Azure ML's frequencies. Periods are counted
// from the one that holds startTime (weeks start on Monday); wall times are turned into instants with the
// Logic Apps rule (a gap time takes the offset before the change, a repeated time its first pass).

import {
  civilFromDays,
  DAY_MS,
  daysFromCivil,
  daysInMonth,
  HOUR_MS,
  MINUTE_MS,
  weekdayFromDays,
} from './civil.js';
import type { RecurrenceFrequency } from './types.js';
import type { TimeZone } from './zones.js';

export interface RecurrenceRule {
  frequency: RecurrenceFrequency;
  interval: number;
  zone: TimeZone;
  /** startTime as an instant, when given. */
  startInstant: number | undefined;
  /** startTime as a wall time in `zone`, when given. */
  startWall: number | undefined;
  /** Times of day (ms after midnight), sorted; present when the entry has a `schedule`. */
  timesOfDay: number[] | undefined;
  /** Weekdays, 0 = Sunday; Week frequency only. */
  weekDays: number[] | undefined;
  /** Days of the month, negative from the end; Month frequency only. */
  monthDays: number[] | undefined;
}

const MAX_DAYS_SEARCHED = 30 * 366;

export function nextRecurrenceInstant(
  rule: RecurrenceRule,
  after: number,
  registeredAt: number,
): number | undefined {
  const anchorInstant = rule.startInstant ?? Math.ceil(registeredAt / MINUTE_MS) * MINUTE_MS;
  const anchorWall = rule.startWall ?? anchorInstant + rule.zone.offsetAt(anchorInstant);
  // No run before startTime (or before the schedule existed).
  const notBefore = anchorInstant;
  const threshold = Math.max(after + 1, notBefore);

  if (rule.timesOfDay === undefined && (rule.frequency === 'Minute' || rule.frequency === 'Hour')) {
    const step = rule.interval * (rule.frequency === 'Minute' ? MINUTE_MS : HOUR_MS);
    const k = Math.max(0, Math.ceil((threshold - anchorInstant) / step));
    return anchorInstant + k * step;
  }

  const anchorDay = Math.floor(anchorWall / DAY_MS);
  const anchorCivil = civilFromDays(anchorDay);
  const anchorMonday = anchorDay - ((weekdayFromDays(anchorDay) + 6) % 7);
  const times = rule.timesOfDay ?? [anchorWall - anchorDay * DAY_MS];
  const weekDays = rule.weekDays ?? [weekdayFromDays(anchorDay)];
  const monthDays = rule.monthDays ?? [anchorCivil.day];

  // Start a day early: a wall time's instant can fall on the previous UTC day.
  const thresholdWall = threshold + rule.zone.offsetAt(threshold);
  let day = Math.max(anchorDay, Math.floor(thresholdWall / DAY_MS) - 1);
  const lastDay = day + MAX_DAYS_SEARCHED;
  while (day <= lastDay) {
    const skipTo = nextValidDay(
      rule,
      day,
      anchorDay,
      anchorMonday,
      anchorCivil.year * 12 + anchorCivil.month - 1,
      weekDays,
      monthDays,
    );
    if (skipTo !== day) {
      day = skipTo;
      continue;
    }
    let best: number | undefined;
    for (const time of times) {
      const instant = rule.zone.instantOfWall(day * DAY_MS + time);
      if (instant >= threshold && (best === undefined || instant < best)) best = instant;
    }
    if (best !== undefined) return best;
    day++;
  }
  return undefined;
}

/** `day` itself when it is a valid day, else the first day worth looking at after it. */
function nextValidDay(
  rule: RecurrenceRule,
  day: number,
  anchorDay: number,
  anchorMonday: number,
  anchorMonthIndex: number,
  weekDays: number[],
  monthDays: number[],
): number {
  const n = rule.interval;
  switch (rule.frequency) {
    case 'Minute':
    case 'Hour':
      // With a schedule, every day counts; the schedule's hours and minutes pick the times.
      return day;
    case 'Day': {
      const offset = (day - anchorDay) % n;
      return offset === 0 ? day : day + (n - offset);
    }
    case 'Week': {
      const week = Math.floor((day - anchorMonday) / 7);
      if (week % n !== 0) return anchorMonday + (week + (n - (week % n))) * 7;
      return weekDays.includes(weekdayFromDays(day)) ? day : day + 1;
    }
    case 'Month': {
      const { year, month, day: dom } = civilFromDays(day);
      const monthIndex = year * 12 + month - 1 - anchorMonthIndex;
      if (monthIndex % n !== 0) {
        const target = year * 12 + month - 1 + (n - (monthIndex % n));
        return daysFromCivil(Math.floor(target / 12), (target % 12) + 1, 1);
      }
      const length = daysInMonth(year, month);
      for (const wanted of monthDays) {
        // Negative days count from the month's end; day 31 only exists in 31-day months.
        const actual = wanted < 0 ? length + wanted + 1 : wanted;
        if (actual === dom) return day;
      }
      return day + 1;
    }
  }
}
