// The local timer driver reads NCRONTAB as the Functions host does (six fields, UTC) and marks late runs.

import { describe, expect, it } from 'vitest';
import type { Timer } from '@azure/functions';
import type { DefinitionOf } from '../../../src/functions/registry.js';
import { invokeTimer, nextTimerInstant, timerSchedule } from '../../../toolkit/local-host/timer-driver.js';

describe('the local timer driver', () => {
  it('fires "0 * * * * *" at second 0 of every minute, strictly after now', () => {
    const schedule = timerSchedule('0 * * * * *');
    expect(new Date(nextTimerInstant(schedule, Date.parse('2026-11-25T10:00:00Z'))).toISOString()).toBe(
      '2026-11-25T10:01:00.000Z',
    );
    expect(new Date(nextTimerInstant(schedule, Date.parse('2026-11-25T10:00:59.999Z'))).toISOString()).toBe(
      '2026-11-25T10:01:00.000Z',
    );
  });

  it('honours a fixed second and the other fields in UTC', () => {
    const schedule = timerSchedule('30 15 2 * * 1');
    // Mondays at 02:15:30 UTC; 2026-11-25 is a Wednesday.
    expect(new Date(nextTimerInstant(schedule, Date.parse('2026-11-25T10:00:00Z'))).toISOString()).toBe(
      '2026-11-30T02:15:30.000Z',
    );
  });

  it('refuses schedules it cannot run', () => {
    expect(() => timerSchedule('* * * * *')).toThrow(/six-field/);
    expect(() => timerSchedule('*/5 * * * * *')).toThrow(/fixed second/);
  });

  it('marks a run that starts more than ten seconds late as past due', async () => {
    const seen: boolean[] = [];
    const definition: DefinitionOf<'timer'> = {
      name: 'tick',
      trigger: { type: 'timer', schedule: '0 * * * * *' },
      handler: (timer: Timer) => {
        seen.push(timer.isPastDue);
      },
    };
    await invokeTimer(definition, () => undefined, 60_000, 61_000);
    await invokeTimer(definition, () => undefined, 60_000, 90_000);
    expect(seen).toEqual([false, true]);
  });
});
