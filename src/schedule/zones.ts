// Time zones: resolves IANA, Windows and UTC ids, and answers "what offset is in force at this
// instant" from transitions found once per zone and year, so stepping through a schedule never calls Intl.

import { DAY_MS, daysFromCivil, MINUTE_MS } from './civil.js';
import { ScheduleSyntaxError } from './errors.js';
import { windowsZones } from './windows-zones.generated.js';

/** A stretch of time with one UTC offset: [start, end). */
export interface OffsetSegment {
  start: number;
  end: number;
  offsetMs: number;
  /** The offset in force just before `start` (equal to offsetMs when start is not a real transition). */
  previousOffsetMs: number;
}

const FIRST_YEAR = 1900;
const SAMPLE_STEP_MS = 7 * DAY_MS;
const LAST_YEAR = 2400;

export class TimeZone {
  /** The IANA id (today's name, e.g. Europe/Kyiv), or `UTC`. */
  readonly id: string;
  private readonly format: Intl.DateTimeFormat | undefined;
  // Segment i starts at starts[i] with offsets[i]; coverage ends at coveredTo.
  private starts: number[] = [];
  private offsets: number[] = [];
  private coveredFromYear = 0;
  private coveredToYear = 0;
  private coveredTo = -Infinity;
  private lastIndex = 0;
  private segments: (OffsetSegment | undefined)[] = [];

  constructor(id: string, intlId: string | undefined) {
    this.id = id;
    this.format =
      intlId === undefined
        ? undefined
        : new Intl.DateTimeFormat('en-US', {
            timeZone: intlId,
            hourCycle: 'h23',
            year: 'numeric',
            month: 'numeric',
            day: 'numeric',
            hour: 'numeric',
            minute: 'numeric',
            second: 'numeric',
          });
  }

  /** True for UTC: an offset of zero at every instant. */
  get isFixed(): boolean {
    return this.format === undefined;
  }

  /** The zone's offset from UTC at `instant` (UTC ms), in ms: wall clock minus UTC (Berlin in winter: 3,600,000). */
  offsetAt(instant: number): number {
    return this.segmentAt(instant).offsetMs;
  }

  /** The segment holding `instant`; its end is the next transition or the end of what is computed so far. */
  segmentAt(instant: number): OffsetSegment {
    if (this.format === undefined)
      return { start: -Infinity, end: Infinity, offsetMs: 0, previousOffsetMs: 0 };
    this.cover(instant);
    const starts = this.starts;
    let i = this.lastIndex;
    if (!(starts[i]! <= instant && (i + 1 >= starts.length || instant < starts[i + 1]!))) {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= instant) lo = mid;
        else hi = mid - 1;
      }
      i = lo;
      this.lastIndex = i;
    }
    const end = i + 1 < starts.length ? starts[i + 1]! : this.coveredTo;
    const cached = this.segments[i];
    // Stepping through a schedule asks for the same segment again and again: hand back one object.
    if (cached !== undefined && cached.end === end && cached.start === starts[i]) return cached;
    const offsetMs = this.offsets[i]!;
    const segment = {
      start: starts[i]!,
      end,
      offsetMs,
      previousOffsetMs: i > 0 ? this.offsets[i - 1]! : offsetMs,
    };
    this.segments[i] = segment;
    return segment;
  }

  /**
   * The instant of a wall time. A wall time skipped by a spring-forward uses the offset before the change
   * (so it moves forward by the gap); a repeated one uses its first occurrence. This is Logic Apps' rule.
   */
  instantOfWall(wall: number): number {
    if (this.format === undefined) return wall;
    // Offsets stay within ±18 h, so every candidate instant lies in that window around `wall`.
    const last = wall + 18 * 3_600_000;
    let seg = this.segmentAt(wall - 18 * 3_600_000);
    let gapInstant: number | undefined;
    for (;;) {
      const candidate = wall - seg.offsetMs;
      // Segments are visited in time order, so the first that holds the wall time is its first occurrence.
      if (candidate >= seg.start && candidate < seg.end) return candidate;
      if (gapInstant === undefined && candidate < seg.start && wall - seg.previousOffsetMs >= seg.start) {
        gapInstant = wall - seg.previousOffsetMs;
      }
      if (seg.end > last || seg.end === Infinity) break;
      seg = this.segmentAt(seg.end);
    }
    // In a spring-forward gap: the offset in force before the change.
    return gapInstant ?? wall - seg.offsetMs;
  }

  /** The offset Intl reports at an instant: the zone's wall clock minus UTC, in ms. */
  private intlOffset(instant: number): number {
    const parts = this.format!.formatToParts(instant);
    const field = (type: Intl.DateTimeFormatPartTypes, missing: number) => {
      const part = parts.find((p) => p.type === type);
      return part ? Number(part.value) : missing;
    };
    const [year, month, day] = [field('year', 0), field('month', 1), field('day', 1)];
    const [hour, minute, second] = [field('hour', 0), field('minute', 0), field('second', 0)];
    const wall =
      daysFromCivil(year, month, day) * DAY_MS + hour * 3_600_000 + minute * MINUTE_MS + second * 1000;
    const flooredInstant = Math.floor(instant / 1000) * 1000;
    return wall - flooredInstant;
  }

  private cover(instant: number): void {
    if (this.starts.length > 0 && instant >= this.starts[0]! && instant < this.coveredTo) return;
    const year = Math.min(Math.max(new Date(instant).getUTCFullYear(), FIRST_YEAR), LAST_YEAR);
    if (this.starts.length === 0 || year < this.coveredFromYear) {
      // First use, or going back in time (rare): rebuild from the earlier year.
      const toYear = Math.max(this.coveredToYear, year);
      this.starts = [Date.UTC(year, 0, 1)];
      this.offsets = [this.intlOffset(Date.UTC(year, 0, 1))];
      this.coveredFromYear = year;
      this.coveredToYear = year - 1;
      this.lastIndex = 0;
      this.segments = [];
      while (this.coveredToYear < toYear) this.appendYear();
    }
    while (this.coveredToYear < year) this.appendYear();
    // Beyond the computed range the nearest year's offset stands.
    if (this.coveredToYear >= LAST_YEAR) this.coveredTo = Infinity;
    if (this.coveredFromYear <= FIRST_YEAR) this.starts[0] = -Infinity;
  }

  private appendYear(): void {
    const year = this.coveredToYear + 1;
    const from = Date.UTC(year, 0, 1);
    const to = Date.UTC(year + 1, 0, 1);
    let previous = this.offsets[this.offsets.length - 1]!;
    let sampleAt = from;
    // Weekly samples find each change (no zone changes offset twice within a week); a binary search pins
    // it to the second.
    while (sampleAt < to) {
      const next = Math.min(sampleAt + SAMPLE_STEP_MS, to);
      const offset = this.intlOffset(next);
      if (offset !== previous) {
        let lo = sampleAt;
        let hi = next;
        while (hi - lo > 1000) {
          const mid = Math.floor((lo + hi) / 2000) * 1000;
          if (this.intlOffset(mid) === previous) lo = mid;
          else hi = mid;
        }
        this.starts.push(hi);
        this.offsets.push(offset);
        previous = offset;
      }
      sampleAt = next;
    }
    this.coveredToYear = year;
    this.coveredTo = to;
  }
}

const zoneCache = new Map<string, TimeZone>();
const windowsByLowerName = new Map(windowsZones.map(([windows, iana]) => [windows.toLowerCase(), iana]));
const windowsNameByLower = new Map(windowsZones.map(([windows]) => [windows.toLowerCase(), windows]));

let ianaIds: string[] | undefined;
function knownIanaIds(): string[] {
  ianaIds ??= [...new Set([...Intl.supportedValuesOf('timeZone'), ...windowsZones.map(([, iana]) => iana)])];
  return ianaIds;
}

/**
 * Resolves a time zone as an entry's `timeZone` names it: an IANA id (`Europe/Berlin`), a Windows id in any
 * case (`W. Europe Standard Time`, through CLDR windowsZones territory 001, to today's IANA name), or `UTC`
 * (also `Etc/UTC`, `GMT`, `Z`). Surrounding spaces are ignored; zones are cached, so the same id gives the
 * same object.
 * @param id the id as written
 * @returns the zone; its `id` is the canonical IANA id, or `UTC`
 * @throws ScheduleSyntaxError for an unknown or empty id, whose message suggests close matches
 *   ({@link suggestZones})
 */
export function resolveTimeZone(id: string): TimeZone {
  const key = id.trim().toLowerCase();
  const cached = zoneCache.get(key);
  if (cached) return cached;
  const zone = createZone(id.trim(), key);
  zoneCache.set(key, zone);
  return zone;
}

function createZone(id: string, key: string): TimeZone {
  if (key === 'utc' || key === 'etc/utc' || key === 'z' || key === 'gmt' || key === 'etc/gmt') {
    return new TimeZone('UTC', undefined);
  }
  const iana = windowsByLowerName.get(key) ?? id;
  if (key.length > 0 && iana.length > 0) {
    try {
      const intl = new Intl.DateTimeFormat('en-US', { timeZone: iana });
      const canonical =
        knownIanaIds().find((known) => known.toLowerCase() === iana.toLowerCase()) ??
        intl.resolvedOptions().timeZone;
      if (canonical === 'Etc/UTC' || canonical === 'UTC') return new TimeZone('UTC', undefined);
      return new TimeZone(canonical, iana);
    } catch {
      // fall through to the suggestion below
    }
  }
  const suggestions = suggestZones(id);
  throw new ScheduleSyntaxError(
    `unknown time zone "${id}"` +
      (suggestions.length > 0 ? `; did you mean ${suggestions.map((s) => `"${s}"`).join(', ')}?` : '.') +
      ' Use an IANA id such as "Europe/Berlin", a Windows id such as "W. Europe Standard Time", or "UTC".',
  );
}

let genericNames: Map<string, string[]> | undefined;

/** "pacific time" → the Windows ids whose zone CLDR calls that ("Pacific Standard Time", …); built on first error. */
function windowsIdsByGenericName(): Map<string, string[]> {
  if (genericNames) return genericNames;
  genericNames = new Map();
  for (const [windows, iana] of windowsZones) {
    try {
      const name = new Intl.DateTimeFormat('en-US', { timeZone: iana, timeZoneName: 'longGeneric' })
        .formatToParts(0)
        .find((p) => p.type === 'timeZoneName')?.value;
      if (!name || name.startsWith('GMT')) continue;
      const key = name.toLowerCase();
      genericNames.set(key, [...(genericNames.get(key) ?? []), windows]);
    } catch {
      // a zone this runtime does not know cannot be suggested
    }
  }
  return genericNames;
}

/**
 * The closest known ids: first zones whose everyday name is what was typed ("Pacific Time"), then Windows
 * ids holding every word typed, then the nearest by edit distance, Windows and IANA ids alike.
 * @param id the unknown id as written
 * @param count most suggestions to return (default: 3)
 * @returns known ids, best first; empty when nothing is close
 */
export function suggestZones(id: string, count = 3): string[] {
  const wanted = id.trim().toLowerCase();
  const suggestions = new Set<string>();
  const generic = windowsIdsByGenericName();
  for (const key of [wanted, `${wanted} time`, wanted.replace(/ standard time$/, ' time')]) {
    for (const windows of generic.get(key) ?? []) suggestions.add(windows);
  }
  const words = wanted.split(/[\s/_()]+/).filter((w) => w.length > 2 && w !== 'time' && w !== 'standard');
  if (words.length > 0) {
    for (const windows of windowsNameByLower.values()) {
      if (words.every((w) => windows.toLowerCase().includes(w))) suggestions.add(windows);
    }
  }
  const candidates = [...windowsNameByLower.values(), ...knownIanaIds(), 'UTC'];
  candidates
    .map((candidate) => ({ candidate, distance: editDistance(wanted, candidate.toLowerCase()) }))
    .filter(({ distance, candidate }) => distance <= Math.max(3, Math.floor(candidate.length / 3)))
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .forEach(({ candidate }) => suggestions.add(candidate));
  return [...suggestions].slice(0, count);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost));
    }
    previous = current;
  }
  return previous[b.length]!;
}

export const utc: TimeZone = new TimeZone('UTC', undefined);
