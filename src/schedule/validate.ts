// Checks what users paste against Azure ML's computeStartStop shape and the engine's rules, collecting
// every problem with a JSON pointer to its field. Enum values are accepted in any case and normalised.

import { compileEntry, parseTime, WEEK_DAYS } from './compile.js';
import { ScheduleSyntaxError, ScheduleValidationError, type FieldProblem } from './errors.js';
import { findConflict } from './conflicts.js';
import { formatInstant } from './civil.js';
import type { RecurrenceFrequency, ScheduleDocument, ScheduleEntry } from './types.js';

/** Entries a document may hold when `ValidateOptions.maxEntries` is not given: Azure ML's four per compute instance. */
export const DEFAULT_MAX_ENTRIES = 4;
/** The most a deployment may allow a VM or a pool (`SCHEDULER_MAX_ENTRIES_VM`, `…_POOL`). */
export const MOST_ENTRIES_CONFIGURABLE = 20;

/** The largest `interval` per frequency: Logic Apps' limits (an interval is at least 1). */
export const INTERVAL_LIMITS: Record<RecurrenceFrequency, number> = {
  Month: 16,
  Week: 71,
  Day: 500,
  Hour: 12_000,
  Minute: 72_000,
};

/** Options of {@link validateEntry} and {@link validateSchedules}. */
export interface ValidateOptions {
  /**
   * Most entries a document may have (Azure ML allows four per compute instance). Used by
   * {@link validateSchedules} only.
   * @default {@link DEFAULT_MAX_ENTRIES} (4)
   */
  maxEntries?: number;
  /**
   * The instant "now" (UTC ms). An entry without a `startTime` is checked to fire at least once after it, and
   * Start/Stop conflicts are looked for from it on.
   * @default for the never-fires check 2000-01-01T00:00:00Z; for conflicts the earliest `startTime` of the
   *   entries, or 2026-01-01T00:00:00Z when that is later or there is none
   */
  now?: number;
}

type Json = Record<string, unknown>;

class Problems {
  readonly list: FieldProblem[] = [];
  add(pointer: string, reason: string): void {
    this.list.push({ pointer, reason });
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A value quoted back in a reason: scalars as JSON, anything nested only by its type (never walked). */
function shown(value: unknown): string {
  if (typeof value === 'object' && value !== null) return typeName(value);
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function checkKeys(value: Json, allowed: readonly string[], pointer: string, problems: Problems): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      problems.add(
        `${pointer}/${escapePointer(key)}`,
        `unknown field "${key}"; expected one of ${allowed.join(', ')}`,
      );
    }
  }
}

export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Whether the request sets a field: JSON `null` counts as leaving it out. */
const given = (value: unknown) => value !== undefined && value !== null;

function enumValue<T extends string>(
  value: unknown,
  allowed: readonly T[],
  pointer: string,
  problems: Problems,
  required = true,
): T | undefined {
  if (!given(value)) {
    if (required) problems.add(pointer, `required; one of ${allowed.join(', ')}`);
    return undefined;
  }
  if (typeof value !== 'string') {
    problems.add(pointer, `must be a string, one of ${allowed.join(', ')}; got ${typeName(value)}`);
    return undefined;
  }
  const found = allowed.find((a) => a.toLowerCase() === value.trim().toLowerCase());
  if (!found) problems.add(pointer, `"${value}" is not one of ${allowed.join(', ')}`);
  return found;
}

function optionalString(value: unknown, pointer: string, problems: Problems): string | undefined {
  if (!given(value)) return undefined;
  if (typeof value !== 'string') {
    problems.add(pointer, `must be a string; got ${typeName(value)}`);
    return undefined;
  }
  return value;
}

function integerList(
  value: unknown,
  pointer: string,
  problems: Problems,
  min: number,
  max: number,
  what: string,
): number[] | undefined {
  if (!Array.isArray(value)) {
    problems.add(pointer, `must be an array of ${what}; got ${typeName(value)}`);
    return undefined;
  }
  if (value.length === 0) {
    problems.add(pointer, `must list at least one ${what.replace(/s$/, '')}`);
    return undefined;
  }
  const out: number[] = [];
  value.forEach((item, i) => {
    if (typeof item !== 'number' || !Number.isInteger(item))
      problems.add(`${pointer}/${i}`, `must be an integer; got ${shown(item)}`);
    else if (item < min || item > max || (min < 0 && item === 0)) {
      problems.add(`${pointer}/${i}`, `${item} is out of range ${min}–${max}${min < 0 ? ' (not 0)' : ''}`);
    } else out.push(item);
  });
  return out.length === value.length ? [...new Set(out)].sort((a, b) => a - b) : undefined;
}

const ENTRY_FIELDS = [
  'triggerType',
  'action',
  'status',
  'cron',
  'recurrence',
  // Accepted and ignored: Azure ML returns the first two on entries people copy, and this API's own GET
  // adds the last two, so a schedule read can be written back as it is.
  'id',
  'provisioningStatus',
  'description',
  'nextOccurrences',
] as const;
const CRON_FIELDS = ['expression', 'timeZone', 'startTime', 'endTime'] as const;
const RECURRENCE_FIELDS = ['frequency', 'interval', 'timeZone', 'startTime', 'schedule'] as const;
const PATTERN_FIELDS = ['hours', 'minutes', 'weekDays', 'monthDays'] as const;
const FREQUENCIES = ['Minute', 'Hour', 'Day', 'Week', 'Month'] as const;

function parseEntry(raw: unknown, pointer: string, problems: Problems): ScheduleEntry | undefined {
  if (!isObject(raw)) {
    problems.add(pointer, `a schedule entry must be an object; got ${typeName(raw)}`);
    return undefined;
  }
  checkKeys(raw, ENTRY_FIELDS, pointer, problems);
  const before = problems.list.length;
  const triggerType = enumValue(
    raw.triggerType,
    ['Cron', 'Recurrence'] as const,
    `${pointer}/triggerType`,
    problems,
  );
  const action = enumValue(raw.action, ['Start', 'Stop'] as const, `${pointer}/action`, problems);
  const status =
    enumValue(raw.status, ['Enabled', 'Disabled'] as const, `${pointer}/status`, problems, false) ??
    'Enabled';
  const entry: ScheduleEntry = { triggerType: triggerType ?? 'Cron', action: action ?? 'Start', status };
  if (triggerType === 'Cron') {
    const cron = parseCronField(raw, pointer, problems);
    if (cron) entry.cron = cron;
  } else if (triggerType === 'Recurrence') {
    if (given(raw.cron)) problems.add(`${pointer}/cron`, 'a Recurrence entry takes "recurrence", not "cron"');
    const rec = raw.recurrence;
    if (!isObject(rec)) {
      problems.add(
        `${pointer}/recurrence`,
        `required for triggerType Recurrence; must be an object, got ${typeName(rec)}`,
      );
    } else {
      entry.recurrence = parseRecurrence(rec, `${pointer}/recurrence`, problems);
    }
  }
  if (problems.list.length > before) return undefined;
  return compiles(entry, pointer, problems) ? entry : undefined;
}

/** Whether the engine can run the entry; its syntax errors are reported at their field. */
function compiles(entry: ScheduleEntry, pointer: string, problems: Problems): boolean {
  try {
    compileEntry(entry);
    return true;
  } catch (error) {
    if (!(error instanceof ScheduleSyntaxError)) throw error;
    problems.add(`${pointer}${error.relativePointer}`, error.message);
    return false;
  }
}

function parseCronField(raw: Json, pointer: string, problems: Problems): ScheduleEntry['cron'] {
  if (given(raw.recurrence)) {
    problems.add(`${pointer}/recurrence`, 'a Cron entry takes "cron", not "recurrence"');
  }
  const cron = raw.cron;
  if (!isObject(cron)) {
    problems.add(
      `${pointer}/cron`,
      `required for triggerType Cron; must be an object, got ${typeName(cron)}`,
    );
    return undefined;
  }
  checkKeys(cron, CRON_FIELDS, `${pointer}/cron`, problems);
  if (typeof cron.expression !== 'string') {
    problems.add(
      `${pointer}/cron/expression`,
      `required; a 5-field cron expression such as "0 18 * * 1-5", got ${typeName(cron.expression)}`,
    );
  }
  const out: NonNullable<ScheduleEntry['cron']> = {
    expression: typeof cron.expression === 'string' ? cron.expression : '',
  };
  const timeZone = optionalString(cron.timeZone, `${pointer}/cron/timeZone`, problems);
  const startTime = optionalString(cron.startTime, `${pointer}/cron/startTime`, problems);
  const endTime = optionalString(cron.endTime, `${pointer}/cron/endTime`, problems);
  if (timeZone !== undefined) out.timeZone = timeZone;
  if (startTime !== undefined) out.startTime = startTime;
  if (endTime !== undefined) out.endTime = endTime;
  return out;
}

function parseRecurrence(rec: Json, pointer: string, problems: Problems): ScheduleEntry['recurrence'] {
  checkKeys(rec, RECURRENCE_FIELDS, pointer, problems);
  let frequency: RecurrenceFrequency | undefined;
  if (typeof rec.frequency === 'string' && rec.frequency.trim().toLowerCase() === 'second') {
    problems.add(
      `${pointer}/frequency`,
      'Second is not supported: Azure ML compute schedules run at most once a minute, and starting or stopping a machine takes minutes; use Minute, Hour, Day, Week or Month',
    );
  } else {
    frequency = enumValue(rec.frequency, FREQUENCIES, `${pointer}/frequency`, problems);
  }
  const interval = parseInterval(rec.interval, frequency, `${pointer}/interval`, problems);
  const out: NonNullable<ScheduleEntry['recurrence']> = { frequency: frequency ?? 'Day', interval };
  const timeZone = optionalString(rec.timeZone, `${pointer}/timeZone`, problems);
  const startTime = optionalString(rec.startTime, `${pointer}/startTime`, problems);
  if (timeZone !== undefined) out.timeZone = timeZone;
  if (startTime !== undefined) out.startTime = startTime;
  const schedule = given(rec.schedule)
    ? parsePattern(rec.schedule, frequency, `${pointer}/schedule`, problems)
    : undefined;
  if (schedule) out.schedule = schedule;
  return out;
}

function parseInterval(
  value: unknown,
  frequency: RecurrenceFrequency | undefined,
  pointer: string,
  problems: Problems,
): number {
  if (!given(value)) {
    problems.add(pointer, 'required; a whole number of periods, such as 1');
    return 1;
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    problems.add(pointer, `must be a whole number; got ${shown(value)}`);
    return 1;
  }
  const limit = frequency ? INTERVAL_LIMITS[frequency] : undefined;
  if (limit !== undefined && (value < 1 || value > limit)) {
    problems.add(
      pointer,
      `${value} is out of range: a ${frequency} recurrence takes an interval of 1–${limit}`,
    );
  }
  return value;
}

type Pattern = NonNullable<NonNullable<ScheduleEntry['recurrence']>['schedule']>;

/** A recurrence's `schedule`: hours × minutes (both required, as Azure ML requires), weekDays, monthDays. */
function parsePattern(
  schedule: unknown,
  frequency: RecurrenceFrequency | undefined,
  sp: string,
  problems: Problems,
): Pattern | undefined {
  if (!isObject(schedule)) {
    problems.add(sp, `must be an object; got ${typeName(schedule)}`);
    return undefined;
  }
  checkKeys(schedule, PATTERN_FIELDS, sp, problems);
  if (frequency === 'Minute' || frequency === 'Hour') {
    problems.add(
      sp,
      `a schedule applies to Day, Week and Month recurrences; a ${frequency} recurrence runs every interval from startTime, so remove "schedule"`,
    );
  }
  const required = (name: 'hours' | 'minutes', max: number, unit: string) => {
    if (schedule[name] !== undefined)
      return integerList(schedule[name], `${sp}/${name}`, problems, 0, max, unit);
    problems.add(`${sp}/${name}`, 'required with a schedule (Azure ML needs both hours and minutes)');
    return undefined;
  };
  const out: Pattern = {
    hours: required('hours', 23, 'hours') ?? [],
    minutes: required('minutes', 59, 'minutes') ?? [],
  };
  const weekDays = parseDays('weekDays', schedule, frequency, sp, problems);
  const monthDays = parseDays('monthDays', schedule, frequency, sp, problems);
  if (weekDays) out.weekDays = weekDays;
  if (monthDays) out.monthDays = monthDays;
  return out;
}

type DayField = 'weekDays' | 'monthDays';

/** The day fields of a pattern: the one frequency that takes each, and how its values are read. */
const DAY_FIELDS: {
  [F in DayField]: {
    frequency: RecurrenceFrequency;
    advice: string;
    read: (value: unknown, pointer: string, problems: Problems) => Pattern[F];
  };
} = {
  weekDays: { frequency: 'Week', advice: '; use frequency Week with interval 1', read: readWeekDays },
  monthDays: {
    frequency: 'Month',
    advice: '',
    read: (value, pointer, problems) => integerList(value, pointer, problems, -31, 31, 'days'),
  },
};

/** A pattern's `weekDays` or `monthDays`, when given and the recurrence is of the frequency that takes it. */
function parseDays<F extends DayField>(
  field: F,
  schedule: Json,
  frequency: RecurrenceFrequency | undefined,
  sp: string,
  problems: Problems,
): Pattern[F] {
  const value = schedule[field];
  if (!given(value)) return undefined;
  const pointer = `${sp}/${field}`;
  const rule = DAY_FIELDS[field];
  if (frequency !== undefined && frequency !== rule.frequency) {
    problems.add(
      pointer,
      `${field} apply only to a ${rule.frequency} recurrence (this one is ${frequency})${rule.advice}`,
    );
    return undefined;
  }
  return rule.read(value, pointer, problems);
}

function readWeekDays(value: unknown, pointer: string, problems: Problems): Pattern['weekDays'] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.add(pointer, 'must be a non-empty array of day names such as "Monday"');
    return undefined;
  }
  const days = value.map((d, i) => enumValue(d, WEEK_DAYS, `${pointer}/${i}`, problems));
  return [...new Set(days.filter((d) => d !== undefined))];
}

/**
 * Checks one schedule entry as users paste it (a `computeStartStop` item) against Azure ML's shape and the
 * rules of docs/schedules.md, and returns it normalised: enum values in Azure ML's spelling, `status`
 * filled in (`Enabled`), hours, minutes and month days sorted without duplicates. Every problem is
 * collected, not only the first. No entry limit and no conflict check: those belong to a whole document.
 * @param entry the parsed JSON value, of any type
 * @param pointer JSON pointer prefixed to every reported field, e.g. `/computeStartStop/2` (default: `''`)
 * @returns the entry, ready for {@link occurrences} and the other readers
 * @throws ScheduleValidationError listing every problem with an RFC 6901 pointer to its field: unknown or
 *   missing fields, wrong types, values out of range, an unknown time zone (with suggestions), an impossible
 *   date, a time after 9999-12-31T23:59:59Z, an `endTime` before `startTime`, an entry that can never fire
 */
export function validateEntry(entry: unknown, pointer = ''): ScheduleEntry {
  const problems = new Problems();
  const parsed = parseEntry(entry, pointer, problems);
  if (parsed) checkFires(parsed, pointer, problems);
  if (!parsed || problems.list.length > 0) throw new ScheduleValidationError(problems.list);
  return parsed;
}

/** Where an entry without a startTime is looked at from, to know whether it can fire at all. */
const EARLIEST_WINDOW_START = Date.UTC(2000, 0, 1);

/**
 * An entry that can never fire is a mistake worth naming (e.g. `0 0 30 2 *`, endTime before startTime, or a
 * startTime–endTime window no occurrence falls in). One that has ended is not: it fired while it ran.
 */
function checkFires(entry: ScheduleEntry, pointer: string, problems: Problems): void {
  const compiled = compileEntry(entry);
  if (entry.cron?.startTime && entry.cron.endTime) {
    const zone = compiled.zone;
    const start = parseTime(entry.cron.startTime, zone, 'cron/startTime').instant;
    const end = parseTime(entry.cron.endTime, zone, 'cron/endTime').instant;
    if (end < start) {
      problems.add(`${pointer}/cron/endTime`, 'endTime is before startTime');
      return;
    }
  }
  // Whether it fires at all in its window, not whether it fires again: an entry whose endTime has passed
  // fired in its time, and a schedule saved back after its one-off entries fired must stay valid.
  const from = (compiled.startInstant ?? EARLIEST_WINDOW_START) - 1;
  if (compiled.next(from, from + 1) === undefined) {
    const field =
      entry.triggerType === 'Cron'
        ? entry.cron?.endTime
          ? '/cron/endTime'
          : '/cron/expression'
        : '/recurrence';
    const why =
      entry.triggerType === 'Cron' && !entry.cron?.endTime
        ? `"${entry.cron?.expression ?? ''}" can never fire: no date matches its day-of-month, month and day-of-week fields together`
        : entry.triggerType === 'Cron'
          ? 'this schedule can never fire: no occurrence falls between its startTime and its endTime'
          : 'this recurrence can never fire: none of its days occurs in the periods it runs in (check monthDays against its months)';
    problems.add(`${pointer}${field}`, why);
  }
}

/**
 * Checks a whole `{"computeStartStop": [...]}` document: each entry as {@link validateEntry} does, the entry
 * limit, and that no enabled Start and enabled Stop ever fire at the same instant (searched as far ahead as
 * such a clash can first appear, see {@link findConflict}).
 * @param doc the parsed request body, of any type
 * @param options the entry limit and the instant conflicts are looked for from; see {@link ValidateOptions}
 * @returns the document with every entry normalised, in the order given
 * @throws ScheduleValidationError listing every problem with a pointer relative to the document (e.g.
 *   `/computeStartStop/1/cron/timeZone`); a conflict names both entries and the first instant they clash at
 */
export function validateSchedules(doc: unknown, options: ValidateOptions = {}): ScheduleDocument {
  const problems = new Problems();
  if (!isObject(doc)) {
    throw new ScheduleValidationError([
      { pointer: '', reason: `the body must be an object {"computeStartStop": [...]}; got ${typeName(doc)}` },
    ]);
  }
  checkKeys(doc, ['computeStartStop'], '', problems);
  const list = doc.computeStartStop;
  if (!Array.isArray(list)) {
    problems.add('/computeStartStop', `required; an array of schedule entries, got ${typeName(list)}`);
    throw new ScheduleValidationError(problems.list);
  }
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (list.length > maxEntries) {
    problems.add(
      '/computeStartStop',
      `${list.length} entries; a target takes at most ${maxEntries} schedule entries`,
    );
  }
  const entries: ScheduleEntry[] = [];
  list.forEach((raw, i) => {
    const pointer = `/computeStartStop/${i}`;
    const before = problems.list.length;
    const entry = parseEntry(raw, pointer, problems);
    if (entry) checkFires(entry, pointer, problems);
    if (entry && problems.list.length === before) entries.push(entry);
  });
  if (problems.list.length > 0) throw new ScheduleValidationError(problems.list);

  const from =
    options.now ??
    Math.min(...entries.map((e) => compileEntry(e).startInstant ?? Infinity), Date.UTC(2026, 0, 1));
  const clash = findConflict(entries, from);
  if (clash) {
    const first = entries[clash.first]!;
    const second = entries[clash.second]!;
    const reason =
      `/computeStartStop/${clash.first} (${first.action}) and /computeStartStop/${clash.second} (${second.action}) ` +
      `both fire at ${formatInstant(clash.at)}: a target cannot start and stop at the same instant`;
    problems.add(`/computeStartStop/${clash.first}`, reason);
    problems.add(`/computeStartStop/${clash.second}`, reason);
    throw new ScheduleValidationError(problems.list);
  }
  return { computeStartStop: entries };
}
