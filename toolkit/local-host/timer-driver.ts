// Runs a registry's timer functions on the clock, as the Functions host does: six-field NCRONTAB in UTC,
// one invocation per occurrence, `isPastDue` when an invocation starts late.

import functions, { type LogHandler, type Timer } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import type { DefinitionOf } from '../../src/functions/registry.js';
import { nextOccurrence, validateEntry, type ScheduleEntry } from '../../src/schedule/index.js';

// @azure/functions is CommonJS: Node's ESM loader sees `app` as a named export, but not its classes.
const { InvocationContext } = functions;

/** NCRONTAB's six fields are `second minute hour day month weekday`; we support a fixed second. */
export function timerSchedule(ncrontab: string): { second: number; entry: ScheduleEntry } {
  const fields = ncrontab.trim().split(/\s+/);
  const [second, ...rest] = fields;
  if (fields.length !== 6 || second === undefined || !/^\d+$/.test(second) || Number(second) > 59) {
    throw new Error(`timer: "${ncrontab}" is not a six-field NCRONTAB with a fixed second`);
  }
  const entry = validateEntry({
    triggerType: 'Cron',
    action: 'Start',
    cron: { expression: rest.join(' '), timeZone: 'UTC' },
  });
  return { second: Number(second), entry };
}

/** The next instant after `after` at which the timer fires. */
export function nextTimerInstant(schedule: { second: number; entry: ScheduleEntry }, after: number): number {
  const minuteAfter = Math.floor((after - schedule.second * 1000) / 60_000) * 60_000;
  const next = nextOccurrence(schedule.entry, minuteAfter);
  if (next === undefined) throw new Error('timer: the schedule never fires');
  return next + schedule.second * 1000;
}

export async function invokeTimer(
  definition: DefinitionOf<'timer'>,
  log: LogHandler,
  due: number,
  now: number,
): Promise<void> {
  const timer: Timer = {
    // The host calls a run late by more than a little "past due".
    isPastDue: now - due > 10_000,
    schedule: { adjustForDST: false },
    scheduleStatus: {
      last: new Date(due).toISOString(),
      next: new Date(due + 60_000).toISOString(),
      lastUpdated: new Date(now).toISOString(),
    },
  };
  const context = new InvocationContext({
    invocationId: randomUUID(),
    functionName: definition.name,
    logHandler: log,
  });
  await definition.handler(timer, context);
}

/** Fires each timer function on the real clock; a failed run is logged and the next occurrence runs. */
export function startTimers(
  definitions: DefinitionOf<'timer'>[],
  log: LogHandler,
): { stop(): Promise<void> } {
  const handles: NodeJS.Timeout[] = [];
  let running = Promise.resolve();
  let stopped = false;
  for (const definition of definitions) {
    const schedule = timerSchedule(definition.trigger.schedule);
    const arm = () => {
      const due = nextTimerInstant(schedule, Date.now());
      const handle = setTimeout(
        () => {
          if (stopped) return;
          running = running.then(() =>
            invokeTimer(definition, log, due, Date.now()).catch((error: unknown) => {
              log('error', `${definition.name} failed: ${String(error)}`);
            }),
          );
          arm();
        },
        Math.max(0, due - Date.now()),
      );
      handles.push(handle);
    };
    arm();
  }
  return {
    async stop() {
      stopped = true;
      for (const handle of handles) clearTimeout(handle);
      await running;
    },
  };
}
