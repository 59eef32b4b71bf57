// `compute-scheduler preview`: the next occurrences of one schedule entry, one UTC instant a line, or a
// JSON array per line of a batch file. Output is built in memory and written once: 300k lines stay fast.

import {
  describe,
  formatInstant,
  occurrences,
  ScheduleValidationError,
  validateEntry,
  type ScheduleEntry,
} from '../schedule/index.js';
import {
  parseArguments,
  parseCountOption,
  parseInstantOption,
  parseJsonOption,
  readInputFile,
} from './arguments.js';
import { UsageError } from './usage-error.js';

function entryFrom(value: unknown, where: string): ScheduleEntry {
  try {
    return validateEntry(value);
  } catch (error) {
    if (error instanceof ScheduleValidationError) {
      throw new UsageError(error.errors.map((e) => `${where}${e.pointer}: ${e.reason}`).join('\n'));
    }
    throw error;
  }
}

function instants(entry: ScheduleEntry, from: number, count: number): string[] {
  const out: string[] = [];
  for (const at of occurrences(entry, { after: from, limit: count, registeredAt: from }))
    out.push(formatInstant(at));
  return out;
}

/** Writes one instant a line in chunks, so 300k lines never sit in memory at once. */
function writeInstants(
  entry: ScheduleEntry,
  from: number,
  count: number,
  write: (text: string) => void,
): void {
  let chunk = '';
  for (const at of occurrences(entry, { after: from, limit: count, registeredAt: from })) {
    chunk += `${formatInstant(at)}\n`;
    if (chunk.length >= 1 << 16) {
      write(chunk);
      chunk = '';
    }
  }
  if (chunk.length > 0) write(chunk);
}

export function runPreview(args: string[], write: (text: string) => void): void {
  const { values, flags } = parseArguments(args, ['schedule', 'from', 'count', 'input'], ['describe']);
  const input = values.get('input');
  if (input !== undefined) {
    write(previewBatch(readInputFile(input, '--input')));
    return;
  }
  const scheduleText = values.get('schedule');
  if (scheduleText === undefined) throw new UsageError('preview needs --schedule JSON (or --input FILE)');
  const entry = entryFrom(parseJsonOption(scheduleText, '--schedule'), '--schedule ');
  const fromText = values.get('from');
  if (fromText === undefined)
    throw new UsageError('--from is required: the instant after which to list occurrences');
  const from = parseInstantOption(fromText, '--from');
  const count = parseCountOption(values.get('count') ?? '10', '--count');
  if (flags.has('describe')) write(`${describe(entry)}\n`);
  writeInstants(entry, from, count, write);
}

/** Every line is checked before anything is printed, so a bad line never leaves half an answer. */
function previewBatch(text: string): string {
  const jobs: { entry: ScheduleEntry; from: number; count: number }[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `line ${index + 1}`;
    const job = parseJsonOption(line, where);
    if (typeof job !== 'object' || job === null || Array.isArray(job))
      throw new UsageError(`${where}: expected {"schedule", "from", "count"}`);
    const { schedule, from, count } = job as Record<string, unknown>;
    if (typeof from !== 'string') throw new UsageError(`${where} /from: required, an ISO 8601 instant`);
    jobs.push({
      entry: entryFrom(schedule, `${where} /schedule`),
      from: parseInstantOption(from, `${where} /from`),
      count: parseCountOption(count, `${where} /count`),
    });
  });
  return jobs.map((job) => `${JSON.stringify(instants(job.entry, job.from, job.count))}\n`).join('');
}
