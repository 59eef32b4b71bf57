// `compute-scheduler validate --file schedules.json`: checks a whole computeStartStop document the way
// registration does (fields, limits, Start/Stop clashes however far ahead they first meet).

import type { Clock } from '../../src/clock.js';
import { describe, ScheduleValidationError, validateSchedules } from '../../src/schedule/index.js';
import { parseArguments, parseCountOption, parseJsonOption, readInputFile } from './arguments.js';
import { UsageError } from './usage-error.js';

export function runValidate(args: string[], write: (text: string) => void, clock: Clock): void {
  const { values } = parseArguments(args, ['file', 'max-entries']);
  const file = values.get('file');
  if (file === undefined) throw new UsageError('validate needs --file schedules.json');
  const doc = parseJsonOption(readInputFile(file, '--file'), '--file');
  const maxText = values.get('max-entries');
  const maxEntries = maxText === undefined ? undefined : parseCountOption(maxText, '--max-entries');
  try {
    const valid = validateSchedules(doc, { now: clock.now(), ...(maxEntries ? { maxEntries } : {}) });
    const lines = valid.computeStartStop.map((entry, i) => `  ${i}: ${entry.action} ${describe(entry)}`);
    write(`valid: ${valid.computeStartStop.length} entries\n${lines.join('\n')}\n`);
  } catch (error) {
    if (error instanceof ScheduleValidationError)
      throw new UsageError(error.errors.map((e) => `${e.pointer || '/'}: ${e.reason}`).join('\n'));
    throw error;
  }
}
