// Finds the first instant at which a Start entry and a Stop entry of one target fire together, looking as
// far ahead as the two can first meet: a pair that can only meet on 29 February of some year decades away,
// or once an interval's phase comes round, is found all the same.
//
// Three steps per pair, cheapest first:
// 1. Times of day. Both fire at an instant t only if their wall times at t differ by the difference of their
//    zones' offsets at t. When no wall time of one, shifted by any offset difference the two zones show
//    together, equals a wall time of the other, they never meet (Start at 08:00, Stop at 18:00): no walking.
// 2. Two elapsed-time recurrences (Minute or Hour without a schedule) are arithmetic progressions: the
//    Chinese remainder theorem gives their first common instant exactly.
// 3. Otherwise walk both in step (leapfrog) until the horizon after which nothing new can happen: every
//    calendar year type (leap or not, weekday of 1 January, leap neighbours) recurs within 40 years, so a
//    pair of calendar entries (cron, Week 1, Month 1, Day 1 or 7) is searched 41 years past the later first
//    occurrence; an interval whose phase does not follow the calendar (Day 3, Week 2, Month 5, Minute 7 …)
//    repeats with the 400-year Gregorian cycle only once its phase comes round too, so that pair is searched
//    400 years times the phases the cycle leaves, up to the last instant (9999-12-31T23:59:59Z).
// Zones are assumed to keep rules that repeat with the calendar (the engine holds offsets fixed after 2400).

import { DAY_MS, HOUR_MS, LAST_INSTANT_MS, MINUTE_MS } from './civil.js';
import { compileEntry, type CompiledEntry } from './compile.js';
import type { ScheduleEntry } from './types.js';
import type { TimeZone } from './zones.js';

export interface Conflict {
  /** Indexes of the two entries, first < second. */
  first: number;
  second: number;
  /** The first clashing instant (UTC ms). */
  at: number;
}

const YEAR_MS = 366 * DAY_MS;
/** Every year type, with its neighbours' leap status, recurs within 40 years (the gap 2072 → 2112). */
const CALENDAR_SPAN_MS = 41 * YEAR_MS;
/** The Gregorian calendar repeats every 400 years: 146,097 days, 4,800 months. */
const CYCLE_DAYS = 146_097;
const CYCLE_MONTHS = 4_800;
const CYCLE_SPAN_MS = 401 * YEAR_MS;

/**
 * The first instant at or after `from` at which an enabled Start and an enabled Stop fire together.
 * Occurrences are compared where they really fire, daylight-saving rules included (docs/schedules.md).
 * @param entries valid entries, as one target's document holds them
 * @param from UTC ms to search from (registration uses "now")
 * @param horizonMs when given, look no further than `from + horizonMs`; by default as far as a clash can first
 *   appear (see above), up to 9999-12-31T23:59:59Z
 * @param registeredAt anchors recurrences without a startTime (default: `from`)
 * @returns the clashing pair with the earliest instant, or undefined when none ever clash
 */
export function findConflict(
  entries: ScheduleEntry[],
  from: number,
  horizonMs?: number,
  registeredAt = from,
): Conflict | undefined {
  let best: Conflict | undefined;
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      const a = compileEntry(entries[i]!);
      const b = compileEntry(entries[j]!);
      if (!a.enabled || !b.enabled || a.action === b.action) continue;
      const at = firstCommonInstant(a, b, from, registeredAt, horizonMs, best?.at);
      if (at !== undefined && (!best || at < best.at)) best = { first: i, second: j, at };
    }
  }
  return best;
}

/** How an entry's instants repeat. */
type Shape =
  | { kind: 'elapsed'; anchor: number; stepMs: number }
  | {
      kind: 'wall';
      zone: TimeZone;
      /** Wall times of day (ms after midnight) it fires at. */
      times: number[];
      /**
       * Where a time skipped by a spring-forward fires: a fixed-time cron at the end of the gap, a recurrence
       * with the offset before it (the gap's length later), a wildcard cron never.
       */
      inGap: 'end' | 'shifted' | 'never';
      /** Days its phase takes to repeat beyond what the calendar decides (1: the calendar alone). */
      phaseDays: number;
      /** Months its phase takes to repeat beyond the calendar (Month recurrences). */
      phaseMonths: number;
    };

function shapeOf(entry: CompiledEntry, registeredAt: number): Shape {
  const cron = entry.cron;
  if (cron) {
    const times: number[] = [];
    for (let h = 0; h < 24; h++) {
      if (!cron.hours[h]) continue;
      for (let m = 0; m < 60; m++) if (cron.minutes[m]) times.push(h * HOUR_MS + m * MINUTE_MS);
    }
    return {
      kind: 'wall',
      zone: entry.zone,
      times,
      inGap: cron.fixedTime ? 'end' : 'never',
      phaseDays: 1,
      phaseMonths: 1,
    };
  }
  const rule = entry.rule!;
  const anchor = rule.startInstant ?? Math.ceil(registeredAt / MINUTE_MS) * MINUTE_MS;
  if (rule.timesOfDay === undefined && (rule.frequency === 'Minute' || rule.frequency === 'Hour')) {
    return {
      kind: 'elapsed',
      anchor,
      stepMs: rule.interval * (rule.frequency === 'Minute' ? MINUTE_MS : HOUR_MS),
    };
  }
  const anchorWall = rule.startWall ?? anchor + rule.zone.offsetAt(anchor);
  const n = rule.interval;
  return {
    kind: 'wall',
    zone: rule.zone,
    times: rule.timesOfDay ?? [mod(anchorWall, DAY_MS)],
    inGap: 'shifted',
    // A Day 7 or Week 1 recurrence falls on the same weekdays every week: the calendar decides it.
    phaseDays: rule.frequency === 'Day' ? (n === 7 ? 1 : n) : rule.frequency === 'Week' && n > 1 ? 7 * n : 1,
    phaseMonths: rule.frequency === 'Month' ? n : 1,
  };
}

function firstCommonInstant(
  a: CompiledEntry,
  b: CompiledEntry,
  from: number,
  registeredAt: number,
  horizonMs: number | undefined,
  before: number | undefined,
): number | undefined {
  let x = a.next(from - 1, registeredAt);
  let y = b.next(from - 1, registeredAt);
  if (x === undefined || y === undefined) return undefined;
  const sa = shapeOf(a, registeredAt);
  const sb = shapeOf(b, registeredAt);
  const until = Math.min(
    LAST_INSTANT_MS,
    horizonMs === undefined ? Math.max(x, y) + spanOf(sa, sb) : from + horizonMs,
    before ?? Infinity,
    a.endInstant ?? Infinity,
    b.endInstant ?? Infinity,
  );
  if (sa.kind === 'elapsed' && sb.kind === 'elapsed') {
    const at = commonTerm(sa, sb, Math.max(x, y));
    return at !== undefined && at <= until ? at : undefined;
  }
  if (!timesCanMeet(sa, sb, from, until)) return undefined;
  // Leapfrog: advance whichever is behind to at-or-after the other; equal means both fire then.
  while (x !== undefined && y !== undefined && x <= until && y <= until) {
    if (x === y) return x;
    if (x < y) x = a.next(y - 1, registeredAt);
    else y = b.next(x - 1, registeredAt);
  }
  return undefined;
}

/** How far past the later first occurrence a first clash can still appear. */
function spanOf(a: Shape, b: Shape): number {
  // An elapsed recurrence's time of day repeats after stepMs / gcd(stepMs, day) days.
  const days = (s: Shape): number => (s.kind === 'elapsed' ? s.stepMs / gcd(s.stepMs, DAY_MS) : s.phaseDays);
  const months = (s: Shape): number => (s.kind === 'elapsed' ? 1 : s.phaseMonths);
  const phaseDays = lcm(days(a), days(b));
  const phaseMonths = lcm(months(a), months(b));
  if (phaseDays === 1 && phaseMonths === 1) return CALENDAR_SPAN_MS;
  // The 400-year cycle repeats with the phase only after this many cycles.
  const cycles = (phaseDays / gcd(phaseDays, CYCLE_DAYS)) * (phaseMonths / gcd(phaseMonths, CYCLE_MONTHS));
  return Math.min(cycles * CYCLE_SPAN_MS, LAST_INSTANT_MS);
}

/**
 * Can the two fire at the same instant, judging by times of day alone? Sound, not exact: false means never;
 * true means "walk and see".
 */
function timesCanMeet(a: Shape, b: Shape, from: number, until: number): boolean {
  const wallsA = wallTimes(a, from, until);
  const wallsB = new Set(wallTimes(b, from, until));
  for (const delta of offsetDifferences(a, b, from, until)) {
    // At an instant t: wallA = t + offsetA(t), wallB = t + offsetB(t), so wallA − delta = wallB.
    for (const wall of wallsA) if (wallsB.has(mod(wall - delta, DAY_MS))) return true;
  }
  return false;
}

/** Times of day on the entry's own clock (UTC for elapsed recurrences), including where a gap moves them. */
function wallTimes(shape: Shape, from: number, until: number): number[] {
  if (shape.kind === 'elapsed') {
    const step = gcd(shape.stepMs, DAY_MS);
    const first = mod(shape.anchor, step);
    const out: number[] = [];
    for (let t = first; t < DAY_MS; t += step) out.push(t);
    return out;
  }
  const out = new Set(shape.times);
  if (shape.inGap === 'never') return [...out];
  for (const gap of forwardGaps(shape.zone, from, until)) {
    for (const time of shape.times) {
      if (mod(time - gap.startTime, DAY_MS) >= gap.lengthMs) continue;
      out.add(mod(shape.inGap === 'end' ? gap.startTime + gap.lengthMs : time + gap.lengthMs, DAY_MS));
    }
  }
  return [...out];
}

/** The spring-forward gaps of a zone in [from, until], as wall time of day and length, without repeats. */
function forwardGaps(zone: TimeZone, from: number, until: number): { startTime: number; lengthMs: number }[] {
  const seen = new Map<string, { startTime: number; lengthMs: number }>();
  if (zone.isFixed) return [];
  let seg = zone.segmentAt(from);
  while (seg.end !== Infinity && seg.end <= until) {
    const next = zone.segmentAt(seg.end);
    if (next.offsetMs > seg.offsetMs) {
      const gap = { startTime: mod(seg.end + seg.offsetMs, DAY_MS), lengthMs: next.offsetMs - seg.offsetMs };
      seen.set(`${gap.startTime}/${gap.lengthMs}`, gap);
    }
    seg = next;
  }
  return [...seen.values()];
}

/** offsetA(t) − offsetB(t) for every t in [from, until]; elapsed recurrences count as UTC. */
function offsetDifferences(a: Shape, b: Shape, from: number, until: number): Set<number> {
  const za = a.kind === 'wall' ? a.zone : undefined;
  const zb = b.kind === 'wall' ? b.zone : undefined;
  // One zone against itself: both read the same clock, whatever its offset.
  if (za !== undefined && za === zb) return new Set([0]);
  const differences = new Set<number>();
  let t = from;
  for (;;) {
    const sa = za?.segmentAt(t);
    const sb = zb?.segmentAt(t);
    differences.add((sa?.offsetMs ?? 0) - (sb?.offsetMs ?? 0));
    const end = Math.min(sa?.end ?? Infinity, sb?.end ?? Infinity);
    if (end === Infinity || end > until) return differences;
    t = end;
  }
}

/** The first instant ≥ lower in both progressions anchor + k·step, by the Chinese remainder theorem. */
function commonTerm(
  a: { anchor: number; stepMs: number },
  b: { anchor: number; stepMs: number },
  lower: number,
): number | undefined {
  const [sa, sb, aa, ab] = [BigInt(a.stepMs), BigInt(b.stepMs), BigInt(a.anchor), BigInt(b.anchor)];
  const g = bigGcd(sa, sb);
  const diff = ab - aa;
  if (diff % g !== 0n) return undefined;
  const m = sb / g;
  // aa + sa·k ≡ ab (mod sb)  ⇔  (sa/g)·k ≡ diff/g (mod m)
  const k = bigMod((diff / g) * inverse((sa / g) % m, m), m);
  const period = sa * m;
  const first = aa + sa * k;
  const low = BigInt(lower);
  const steps = first >= low ? 0n : (low - first + period - 1n) / period;
  const at = first + steps * period;
  return at > BigInt(LAST_INSTANT_MS) ? undefined : Number(at);
}

function inverse(value: bigint, modulus: bigint): bigint {
  if (modulus === 1n) return 0n;
  let [oldR, r] = [bigMod(value, modulus), modulus];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return bigMod(oldS, modulus);
}

const mod = (a: number, m: number): number => ((a % m) + m) % m;
const bigMod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function bigGcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

const lcm = (a: number, b: number): number => (a / gcd(a, b)) * b;
