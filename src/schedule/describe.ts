// Says in one sentence when an entry fires, in the words a user would use:
// "At 18:00, Monday to Friday, Pacific time (UTC−08:00/−07:00)".

import { compileEntry, WEEK_DAYS } from './compile.js';
import type { CronExpression } from './cron.js';
import type { ScheduleEntry } from './types.js';
import type { TimeZone } from './zones.js';

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth'];
const pad = (n: number): string => String(n).padStart(2, '0');

function values(flags: readonly boolean[], from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) if (flags[i]) out.push(i);
  return out;
}

function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]!}`;
}

/** Consecutive runs become "Monday to Friday"; the rest are listed. */
function runs(numbers: number[], name: (n: number) => string): string {
  const parts: string[] = [];
  let i = 0;
  while (i < numbers.length) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    if (j - i >= 2) parts.push(`${name(numbers[i]!)} to ${name(numbers[j]!)}`);
    else for (let k = i; k <= j; k++) parts.push(name(numbers[k]!));
    i = j + 1;
  }
  return joinWords(parts);
}

function describeTimes(cron: CronExpression): string {
  const minutes = values(cron.minutes, 0, 59);
  const hours = values(cron.hours, 0, 23);
  if (minutes.length * hours.length <= 6) {
    return `At ${joinWords(hours.flatMap((h) => minutes.map((m) => `${pad(h)}:${pad(m)}`)))}`;
  }
  const minutePart =
    minutes.length === 60
      ? 'Every minute'
      : isStep(minutes, 60)
        ? `Every ${minutes[1]! - minutes[0]!} minutes`
        : `At minute ${joinWords(minutes.map(String))}`;
  if (hours.length === 24)
    return minutePart === `At minute ${minutes[0]}` ? `At minute ${minutes[0]} past every hour` : minutePart;
  return `${minutePart}, ${hours.length === 1 ? 'during hour' : 'during hours'} ${runs(hours, (h) => `${pad(h)}:00`)}`;
}

function isStep(list: number[], size: number): boolean {
  if (list.length < 2 || list[0] !== 0) return false;
  const step = list[1]! - list[0];
  return size % step === 0 && list.every((v, i) => v === i * step);
}

function describeDays(cron: CronExpression): string {
  const parts: string[] = [];
  const weekdays = values(cron.daysOfWeek, 0, 6);
  const dowNames: string[] = [];
  if (cron.dowRestricted) {
    // Monday-first order reads naturally: "Monday to Friday", "Saturday and Sunday".
    const mondayFirst = weekdays.map((d) => (d + 6) % 7).sort((a, b) => a - b);
    if (mondayFirst.length > 0) dowNames.push(runs(mondayFirst, (d) => WEEK_DAYS[(d + 1) % 7]!));
    for (const { weekday, nth } of cron.nthWeekdays)
      dowNames.push(`the ${ORDINALS[nth - 1]!} ${WEEK_DAYS[weekday]!} of the month`);
    for (const weekday of cron.lastWeekdays) dowNames.push(`the last ${WEEK_DAYS[weekday]!} of the month`);
  }
  const domNames: string[] = [];
  if (cron.domRestricted) {
    const days = values(cron.daysOfMonth, 1, 31);
    if (days.length > 0) domNames.push(`on day ${runs(days, String)} of the month`);
    if (cron.lastDayOfMonth) domNames.push('on the last day of the month');
  }
  if (domNames.length > 0 && dowNames.length > 0)
    parts.push(`${joinWords(domNames)} or ${joinWords(dowNames)}`);
  else if (domNames.length > 0) parts.push(joinWords(domNames));
  else if (dowNames.length > 0) parts.push(joinWords(dowNames));
  else parts.push('every day');
  const months = values(cron.months, 1, 12);
  if (months.length < 12) parts.push(`in ${runs(months, (m) => MONTHS[m - 1]!)}`);
  return parts.join(', ');
}

function formatOffset(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const sign = minutes < 0 ? '\u2212' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * "Pacific time (UTC−08:00/−07:00)": the zone's everyday English name and the offsets it shows over a year;
 * the IANA id where the runtime has no such name, and `UTC` for UTC.
 * @param zone a zone from {@link resolveTimeZone}
 * @param around UTC ms the year of offsets starts at (default: 2026-01-01T00:00:00Z)
 */
export function describeZone(zone: TimeZone, around = Date.UTC(2026, 0, 1)): string {
  if (zone.isFixed) return 'UTC';
  const offsets = new Set<number>();
  for (let t = around; t < around + 366 * 86_400_000; t += 7 * 86_400_000) offsets.add(zone.offsetAt(t));
  const sorted = [...offsets].sort((a, b) => a - b);
  let name = zone.id;
  try {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: zone.id,
      timeZoneName: 'longGeneric',
    }).formatToParts(around);
    const generic = parts.find((p) => p.type === 'timeZoneName')?.value;
    if (generic && !generic.startsWith('GMT')) name = generic.replace(/( Standard)? Time$/, ' time');
  } catch {
    // keep the IANA id
  }
  return `${name} (UTC${sorted.map(formatOffset).join('/')})`;
}

/**
 * One English sentence saying when the entry fires, as shown beside it in the API:
 * "At 18:00, Monday to Friday, Pacific time (UTC−08:00/−07:00), from 2026-01-05T00:00:00". A disabled
 * entry's sentence ends in "(disabled)". Wording may improve between versions: show it, do not parse it.
 * @param entry a valid entry
 * @throws ScheduleSyntaxError when the entry was not validated and cannot be read
 */
export function describe(entry: ScheduleEntry): string {
  const compiled = compileEntry(entry);
  const zone = describeZone(compiled.zone);
  const parts: string[] = [];
  if (compiled.cron) {
    parts.push(describeTimes(compiled.cron), describeDays(compiled.cron), zone);
    if (entry.cron?.startTime) parts.push(`from ${entry.cron.startTime}`);
    if (entry.cron?.endTime) parts.push(`until ${entry.cron.endTime}`);
  } else if (entry.recurrence) {
    const r = entry.recurrence;
    const unit = r.frequency.toLowerCase();
    const every = r.interval === 1 ? `Every ${unit}` : `Every ${r.interval} ${unit}s`;
    const s = r.schedule;
    if (s) {
      const times = s.hours.flatMap((h) => s.minutes.map((m) => `${pad(h)}:${pad(m)}`));
      let days = '';
      if (s.weekDays?.length)
        days = ` on ${runs(
          s.weekDays.map((d) => (WEEK_DAYS.indexOf(d) + 6) % 7).sort((a, b) => a - b),
          (d) => WEEK_DAYS[(d + 1) % 7]!,
        )}`;
      if (s.monthDays?.length)
        days = ` on day ${joinWords(s.monthDays.map((d) => (d < 0 ? (d === -1 ? 'the last day' : `${-d} days from the end`) : String(d))))}`;
      parts.push(`${every}${days} at ${joinWords(times)}`);
    } else parts.push(every);
    parts.push(zone);
    if (r.startTime) parts.push(`from ${r.startTime}`);
  }
  const sentence = parts.join(', ');
  return entry.status === 'Disabled' ? `${sentence} (disabled)` : sentence;
}
