// Instants shown on wall clocks: the schedule's zone (Windows ids mapped to IANA) and the viewer's.
// Only Intl does zone arithmetic here; day boundaries are found from it, so 23- and 25-hour days are right.

const formatters = new Map();
function parts(instant, zone) {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(zone, format);
  }
  const out = {};
  for (const { type, value } of format.formatToParts(instant)) out[type] = value;
  return {
    year: Number(out.year),
    month: Number(out.month),
    day: Number(out.day),
    hour: Number(out.hour),
    minute: Number(out.minute),
    second: Number(out.second),
    weekday: out.weekday,
  };
}

export const viewerZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Whether the browser knows this IANA id. */
export function isKnownZone(zone) {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The IANA id for a schedule's zone: Windows ids through the CLDR map (case-insensitive), else as given. */
export function ianaZone(zone, windowsZones) {
  if (!zone) return 'UTC';
  const match = Object.keys(windowsZones ?? {}).find((id) => id.toLowerCase() === zone.toLowerCase());
  const iana = match ? windowsZones[match] : zone;
  return isKnownZone(iana) ? iana : 'UTC';
}

function offsetAt(instant, zone) {
  const p = parts(instant, zone);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The instant a wall-clock day starts in `zone` (the first instant after a gap, if midnight is skipped). */
export function startOfDay(year, month, day, zone) {
  const wall = Date.UTC(year, month - 1, day);
  let guess = wall - offsetAt(wall, zone);
  guess = wall - offsetAt(guess, zone);
  return guess;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Monday 00:00 of the week holding `instant`, on the wall clock of `zone`. */
export function startOfWeek(instant, zone) {
  const p = parts(instant, zone);
  return startOfDay(p.year, p.month, p.day - WEEKDAYS.indexOf(p.weekday), zone);
}

/** The seven days from `weekStart`, each with its first instant and the next day's. */
export function weekDays(weekStart, zone) {
  const p = parts(weekStart, zone);
  return Array.from({ length: 7 }, (_, i) => ({
    start: startOfDay(p.year, p.month, p.day + i, zone),
    end: startOfDay(p.year, p.month, p.day + i + 1, zone),
    label: new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
    }).format(startOfDay(p.year, p.month, p.day + i, zone) + 1),
  }));
}

/** "Thu 26 Nov, 08:50" in `zone`. */
export function formatWhen(instant, zone) {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(instant);
}

/** "08:50" in `zone`. */
export function formatClock(instant, zone) {
  const p = parts(instant, zone);
  return `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}

/** A short name for the zone at that instant, e.g. "PST" or "GMT+1". */
export function zoneAbbreviation(instant, zone) {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' })
    .formatToParts(instant)
    .find((p) => p.type === 'timeZoneName');
  return name?.value ?? zone;
}
