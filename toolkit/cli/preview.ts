// `compute-scheduler preview`: the next occurrences of one schedule entry, one UTC instant a line, or a
// JSON array per line of a batch file. Output is streamed in 64 KiB chunks: 300k lines stay fast and small.

import {
  describe,
  formatInstant,
  occurrences,
  ScheduleValidationError,
  validateEntry,
  type ScheduleEntry,
} from '../../src/schedule/index.js';
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
      throw new UsageError(error.errors.map((e) => `${where}${e.pointer ?? ''}: ${e.reason}`).join('\n'));
    }
    throw error;
  }
}

/**
 * Most occurrences one preview prints: a million lines is about 21 MB and a second of work; a larger count
 * (a batch line's `1e12`) would otherwise run until memory runs out.
 */
export const MAX_PREVIEW_COUNT = 1_000_000;

/** Writes each instant through `line` in chunks, so a million lines never sit in memory at once. */
function writeInstants(
  entry: ScheduleEntry,
  from: number,
  count: number,
  write: (text: string) => void,
  line: (instant: string, first: boolean) => string,
): void {
  let chunk = '';
  let first = true;
  for (const at of occurrences(entry, { after: from, limit: count, registeredAt: from })) {
    chunk += line(formatInstant(at), first);
    first = false;
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
    previewBatch(readInputFile(input, '--input'), write);
    return;
  }
  const scheduleText = values.get('schedule');
  if (scheduleText === undefined) throw new UsageError('preview needs --schedule JSON (or --input FILE)');
  const entry = entryFrom(parseJsonOption(scheduleText, '--schedule'), '--schedule ');
  const fromText = values.get('from');
  if (fromText === undefined)
    throw new UsageError('--from is required: the instant after which to list occurrences');
  const from = parseInstantOption(fromText, '--from');
  const count = parseCountOption(values.get('count') ?? '10', '--count', MAX_PREVIEW_COUNT);
  if (flags.has('describe')) write(`${describe(entry)}\n`);
  writeInstants(entry, from, count, write, (instant) => `${instant}\n`);
}

/** Every line is checked before anything is printed, so a bad line never leaves half an answer. */
function previewBatch(text: string, write: (text: string) => void): void {
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
      count: parseCountOption(count, `${where} /count`, MAX_PREVIEW_COUNT),
    });
  });
  for (const job of jobs) {
    write('[');
    writeInstants(job.entry, job.from, job.count, write, (instant, first) =>
      first ? `"${instant}"` : `,"${instant}"`,
    );
    write(']\n');
  }
}
