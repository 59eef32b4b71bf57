// Property tests (fast-check) against an independent oracle: the zone's wall clock computed with Intl in this file.
//   1. occurrences strictly increase, start strictly after `after`, and fall on whole minutes;
//   2. each cron occurrence matches its expression on the zone's wall clock (a fixed-time entry may instead fire at
//      the first instant after a spring-forward gap);
//   3. no matching wall-clock minute is skipped, and nothing else fires: over a 3-day window the occurrences equal a
//      minute-by-minute scan; fixed-time entries are compared away from transitions (±3 h), wildcard entries everywhere;
//   4. the same for Day recurrences with a schedule.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { occurrences, validateEntry } from '../../src/schedule/index.js';
import type { RecurrenceFrequency, ScheduleEntry, WeekDay } from '../../src/schedule/types.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const ZONES = [
  'UTC',
  'America/Los_Angeles',
  'Europe/Berlin',
  'Australia/Sydney',
  'America/Santiago',
  'Pacific/Auckland',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Africa/Casablanca',
] as const;

// Daylight-saving changes of 2026 per zone (checked with Intl): sampling often starts within two days of one of the
// zone's own changes, so that windows cross them.
const TRANSITIONS: Record<string, string[]> = {
  'America/Los_Angeles': ['2026-03-08T10:00:00Z', '2026-11-01T09:00:00Z'],
  'Europe/Berlin': ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z'],
  'Australia/Sydney': ['2026-04-04T16:00:00Z', '2026-10-03T16:00:00Z'],
  'America/Santiago': ['2026-04-05T03:00:00Z', '2026-09-06T04:00:00Z'],
  'Pacific/Auckland': ['2026-04-04T14:00:00Z', '2026-09-26T14:00:00Z'],
  'Australia/Lord_Howe': ['2026-04-04T15:00:00Z', '2026-10-03T15:30:00Z'],
  'Pacific/Chatham': ['2026-04-04T14:00:00Z', '2026-09-26T14:00:00Z'],
  'Africa/Casablanca': ['2026-02-15T02:00:00Z', '2026-03-22T02:00:00Z'],
};

// ---------------------------------------------------------------------------------------------------------------
// The oracle: UTC offset and wall clock of a zone at an instant, from Intl only.

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset in minutes at `ms`. */
function offsetAt(zone: string, ms: number): number {
  let formatter = offsetFormatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    offsetFormatters.set(zone, formatter);
  }
  const name = formatter.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
  if (!match) throw new Error(`unexpected offset ${name}`);
  if (!match[1]) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

interface Wall {
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
  weekday: number; // 0 = Sunday
}

function wallAt(ms: number, offsetMinutes: number): Wall {
  const d = new Date(ms + offsetMinutes * MINUTE);
  return {
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    weekday: d.getUTCDay(),
  };
}

/** Offsets for every whole minute in (from, to], asking Intl once per 15 minutes unless the offset changed. */
function minuteOffsets(zone: string, from: number, to: number): Map<number, number> {
  const out = new Map<number, number>();
  const first = Math.floor(from / MINUTE) * MINUTE + MINUTE;
  for (let block = first; block <= to; block += 15 * MINUTE) {
    const end = Math.min(block + 14 * MINUTE, to);
    const a = offsetAt(zone, block);
    const b = offsetAt(zone, end);
    for (let t = block; t <= end; t += MINUTE) out.set(t, a === b ? a : offsetAt(zone, t));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// A small cron matcher for the subset the generator produces: `*`, `*/n`, `a`, `a-b`, `a-b/n`, lists.

function expandField(field: string, lo: number, hi: number): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let start: number;
    let end: number;
    if (range === '*') {
      start = lo;
      end = hi;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      start = Number(a);
      end = Number(b);
    } else {
      start = Number(range);
      end = stepText === undefined ? start : hi;
    }
    for (let v = start; v <= end; v += step) values.add(v);
  }
  return values;
}

interface CronOracle {
  matches(wall: Wall): boolean;
  fixedTime: boolean;
}

function cronOracle(expression: string): CronOracle {
  const [mi = '', ho = '', dom = '', mo = '', dow = ''] = expression.split(' ');
  const minutes = expandField(mi, 0, 59);
  const hours = expandField(ho, 0, 23);
  const days = expandField(dom, 1, 31);
  const months = expandField(mo, 1, 12);
  const weekdays = expandField(dow, 0, 6);
  const domRestricted = !dom.startsWith('*');
  const dowRestricted = !dow.startsWith('*');
  return {
    fixedTime: !mi.startsWith('*') && !ho.startsWith('*'),
    matches(w) {
      if (!minutes.has(w.minute) || !hours.has(w.hour) || !months.has(w.month)) return false;
      const domOk = days.has(w.day);
      const dowOk = weekdays.has(w.weekday);
      return domRestricted && dowRestricted ? domOk || dowOk : domOk && dowOk;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Generators.

const int = (min: number, max: number) => fc.integer({ min, max });

function fieldArb(lo: number, hi: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant('*'),
    int(2, Math.min(30, hi)).map((n) => `*/${n}`),
    int(lo, hi).map(String),
    fc.uniqueArray(int(lo, hi), { minLength: 2, maxLength: 4 }).map((a) => a.sort((x, y) => x - y).join(',')),
    fc.tuple(int(lo, hi), int(lo, hi)).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc
      .tuple(int(lo, hi), int(lo, hi), int(2, 10))
      .map(([a, b, s]) => `${Math.min(a, b)}-${Math.max(a, b)}/${s}`),
  );
}

const domArb = fc.oneof(
  { weight: 5, arbitrary: fc.constant('*') },
  { weight: 1, arbitrary: fc.constant('*/2') },
  { weight: 1, arbitrary: int(1, 28).map(String) },
  { weight: 1, arbitrary: fc.tuple(int(1, 14), int(15, 28)).map(([a, b]) => `${a}-${b}`) },
);
const monthArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant('*') },
  {
    weight: 1,
    arbitrary: fc.uniqueArray(int(1, 12), { minLength: 3, maxLength: 8 }).map((a) => a.join(',')),
  },
);
const dowArb = fc.oneof(
  { weight: 5, arbitrary: fc.constant('*') },
  { weight: 1, arbitrary: fc.constant('1-5') },
  { weight: 1, arbitrary: fc.constant('0,6') },
  { weight: 1, arbitrary: int(0, 6).map(String) },
  { weight: 1, arbitrary: fc.constant('*/2') },
);

const expressionArb = fc
  .tuple(fieldArb(0, 59), fieldArb(0, 23), domArb, monthArb, dowArb)
  .map((fields) => fields.join(' '));

const zoneArb = fc.constantFrom(...ZONES);

const anyInstantArb = int(0, 2 * 365 * 24 * 60).map((m) => Date.parse('2026-01-01T00:00:00Z') + m * MINUTE);

/** A zone and a minute-aligned instant in 2026–2027, most of the time within two days of one of the zone's changes. */
const zoneAndAfterArb: fc.Arbitrary<[string, number]> = zoneArb.chain((zone) => {
  const changes = (TRANSITIONS[zone] ?? []).map((s) => Date.parse(s));
  if (changes.length === 0) return anyInstantArb.map((t): [string, number] => [zone, t]);
  return fc
    .oneof(
      { weight: 1, arbitrary: anyInstantArb },
      {
        weight: 3,
        arbitrary: fc
          .tuple(fc.constantFrom(...changes), int(-2 * 24 * 60, 2 * 24 * 60))
          .map(([t, m]) => t + m * MINUTE),
      },
    )
    .map((t): [string, number] => [zone, t]);
});

function take(entry: ScheduleEntry, after: number, limit: number, until?: number): number[] {
  const out: number[] = [];
  const options: { after: number; limit: number; until?: number } = { after, limit };
  if (until !== undefined) options.until = until;
  for (const ms of occurrences(entry, options)) {
    if (until !== undefined && ms > until) break;
    out.push(ms);
    if (out.length >= limit) break;
  }
  return out;
}

const cronEntry = (expression: string, timeZone: string): ScheduleEntry =>
  validateEntry({ triggerType: 'Cron', action: 'Start', cron: { expression, timeZone } });

const iso = (ms: number) => new Date(ms).toISOString();

// ---------------------------------------------------------------------------------------------------------------

const WEEKDAYS: WeekDay[] = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

const wallStartArb = fc
  .tuple(int(0, 700), int(0, 23), int(0, 59), fc.boolean())
  .map(
    ([d, h, m, z]) =>
      new Date(Date.parse('2026-01-01T00:00:00Z') + d * DAY + h * HOUR + m * MINUTE)
        .toISOString()
        .slice(0, 19) + (z ? 'Z' : ''),
  );

const recurrenceArb: fc.Arbitrary<unknown> = fc
  .tuple(
    fc.constantFrom<RecurrenceFrequency>('Minute', 'Hour', 'Day', 'Week', 'Month'),
    int(1, 4),
    zoneArb,
    fc.option(wallStartArb, { nil: undefined }),
    fc.boolean(),
    fc.uniqueArray(int(0, 23), { minLength: 1, maxLength: 4 }),
    fc.uniqueArray(int(0, 59), { minLength: 1, maxLength: 3 }),
    fc.uniqueArray(fc.constantFrom(...WEEKDAYS), { minLength: 1, maxLength: 3 }),
    fc.uniqueArray(fc.oneof(int(1, 31), int(-3, -1)), { minLength: 1, maxLength: 3 }),
  )
  .map(([frequency, interval, timeZone, startTime, withSchedule, hours, minutes, weekDays, monthDays]) => {
    const recurrence: Record<string, unknown> = { frequency, interval, timeZone };
    if (startTime !== undefined) recurrence.startTime = startTime;
    if (withSchedule && (frequency === 'Day' || frequency === 'Week' || frequency === 'Month')) {
      const schedule: Record<string, unknown> = { hours, minutes };
      if (frequency === 'Week') schedule.weekDays = weekDays;
      if (frequency === 'Month') schedule.monthDays = monthDays;
      recurrence.schedule = schedule;
    }
    return { triggerType: 'Recurrence', action: 'Stop', recurrence };
  });

describe('properties', () => {
  it('occurrences strictly increase, come strictly after `after` and fall on whole minutes (cron and recurrence)', () => {
    const entryArb = fc.oneof(
      fc
        .tuple(expressionArb, zoneArb)
        .map(([e, z]) => ({ triggerType: 'Cron', action: 'Start', cron: { expression: e, timeZone: z } })),
      recurrenceArb,
    );
    fc.assert(
      fc.property(entryArb, zoneAndAfterArb, fc.boolean(), (raw, [, after], halfMinute) => {
        const entry = validateEntry(raw);
        const from = after + (halfMinute ? 30_000 : 0);
        const runs = take(entry, from, 60, undefined);
        let previous = from;
        for (const ms of runs) {
          expect(ms % MINUTE, iso(ms)).toBe(0);
          expect(ms, `${JSON.stringify(raw)} after ${iso(previous)}`).toBeGreaterThan(previous);
          previous = ms;
        }
      }),
      { numRuns: 200 },
    );
  });

  it("each cron occurrence matches its expression on the zone's wall clock (or is the first instant after a gap)", () => {
    fc.assert(
      fc.property(expressionArb, zoneAndAfterArb, (expression, [zone, after]) => {
        const oracle = cronOracle(expression);
        for (const ms of take(cronEntry(expression, zone), after, 40)) {
          const offset = offsetAt(zone, ms);
          if (oracle.matches(wallAt(ms, offset))) continue;
          const springsForwardHere = oracle.fixedTime && offsetAt(zone, ms - MINUTE) < offset;
          expect(springsForwardHere, `${expression} in ${zone}: ${iso(ms)} does not match`).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('over 3 days, cron occurrences equal a minute-by-minute wall-clock scan (fixed-time: away from transitions)', () => {
    fc.assert(
      fc.property(expressionArb, zoneAndAfterArb, (expression, [zone, after]) => {
        const oracle = cronOracle(expression);
        const until = after + 3 * DAY;
        const offsets = minuteOffsets(zone, after, until - MINUTE); // (after, until): `until` itself is left out
        const near = (t: number) => {
          const o = offsetAt(zone, t);
          return offsetAt(zone, t - 3 * HOUR) !== o || offsetAt(zone, t + 3 * HOUR) !== o;
        };
        const expected: number[] = [];
        for (const [t, offset] of offsets) if (oracle.matches(wallAt(t, offset))) expected.push(t);
        let actual = take(cronEntry(expression, zone), after, 5000, until).filter((t) => t < until);
        let wanted = expected;
        if (oracle.fixedTime) {
          actual = actual.filter((t) => !near(t));
          wanted = expected.filter((t) => !near(t));
        }
        expect(actual.map(iso), `${expression} in ${zone} after ${iso(after)}`).toEqual(wanted.map(iso));
      }),
      { numRuns: 100 },
    );
  });

  it('over 3 days, a daily recurrence with a schedule equals a wall-clock scan away from transitions', () => {
    fc.assert(
      fc.property(
        zoneAndAfterArb,
        fc.uniqueArray(int(0, 23), { minLength: 1, maxLength: 5 }),
        fc.uniqueArray(int(0, 59), { minLength: 1, maxLength: 4 }),
        ([zone, after], hours, minutes) => {
          const entry = validateEntry({
            triggerType: 'Recurrence',
            action: 'Start',
            recurrence: {
              frequency: 'Day',
              interval: 1,
              timeZone: zone,
              startTime: '2025-12-01T00:00:00',
              schedule: { hours, minutes },
            },
          });
          const until = after + 3 * DAY;
          const near = (t: number) => {
            const o = offsetAt(zone, t);
            return offsetAt(zone, t - 3 * HOUR) !== o || offsetAt(zone, t + 3 * HOUR) !== o;
          };
          const expected: number[] = [];
          for (const [t, offset] of minuteOffsets(zone, after, until - MINUTE)) {
            const w = wallAt(t, offset);
            if (hours.includes(w.hour) && minutes.includes(w.minute) && !near(t)) expected.push(t);
          }
          const actual = take(entry, after, 5000, until).filter((t) => t < until && !near(t));
          expect(actual.map(iso), `${JSON.stringify({ zone, hours, minutes })} after ${iso(after)}`).toEqual(
            expected.map(iso),
          );
        },
      ),
      { numRuns: 100 },
    );
  });
});
