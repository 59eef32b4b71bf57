// A Start and a Stop that fire at the same instant are refused at registration, however far ahead they first
// meet: on 29 February of a year whose weekday matches (a 28-year cycle, 40 years across 2100), or once an
// interval's phase comes round. Golden instants were found by brute force over the calendar, written out here.
import { describe, expect, it } from 'vitest';
import { compileEntry } from '../../src/schedule/compile.js';
import { findConflict, validateSchedules } from '../../src/schedule/index.js';
import type { ScheduleEntry } from '../../src/schedule/types.js';
import { at, cron, problems, recurrence } from './helpers.js';

const NOW = at('2026-01-01T00:00:00Z');
const stop = (entry: ScheduleEntry): ScheduleEntry => ({ ...entry, action: 'Stop' });
const YEAR_MS = 366 * 86_400_000;
const clashOf = (entries: ScheduleEntry[], now = NOW, horizonMs?: number): string | undefined => {
  const clash = findConflict(entries, now, horizonMs);
  return clash && new Date(clash.at).toISOString().replace('.000Z', 'Z');
};

/** Counts the occurrences asked of each entry: deciding a pair must not walk them one by one. */
function countSteps(entries: ScheduleEntry[]): () => number {
  let steps = 0;
  for (const entry of entries) {
    const compiled = compileEntry(entry) as {
      next: (after: number, registeredAt: number) => number | undefined;
    };
    const next = compiled.next.bind(compiled);
    compiled.next = (after, registeredAt) => {
      steps++;
      return next(after, registeredAt);
    };
  }
  return () => steps;
}

describe('a Start and a Stop that meet only on 29 February', () => {
  it('29 February at 08:00 against Mondays of February at 08:00: first on Monday 2044-02-29, 18 years ahead', () => {
    const entries = [cron('0 8 29 2 *', 'UTC'), stop(cron('0 8 * 2 1', 'UTC'))];
    expect(clashOf(entries)).toBe('2044-02-29T08:00:00Z');
    const found = problems(() => validateSchedules({ computeStartStop: entries }, { now: NOW }));
    expect(found.map((p) => p.pointer)).toEqual(['/computeStartStop/0', '/computeStartStop/1']);
    expect(found[0]?.reason).toContain('both fire at 2044-02-29T08:00:00Z');
  });

  it('across 2100, which is not a leap year, the next Monday 29 February is 40 years on: 2112', () => {
    const entries = [cron('0 8 29 2 *', 'UTC'), stop(cron('0 8 * 2 1', 'UTC'))];
    expect(clashOf(entries, at('2073-01-01T00:00:00Z'))).toBe('2112-02-29T08:00:00Z');
  });

  it('the last day of February (L) against the fifth Monday of the month, in Pacific time', () => {
    // Only a 29 February that is a Monday has a fifth Monday in February; 08:00 PST is 16:00 UTC.
    const entries = [
      cron('0 8 L 2 *', 'Pacific Standard Time'),
      stop(cron('0 8 * 2 MON#5', 'Pacific Standard Time')),
    ];
    expect(clashOf(entries)).toBe('2044-02-29T16:00:00Z');
  });

  it('a Week recurrence every 2 weeks on Mondays meets 29 February only when the week is in phase: 2072', () => {
    // 2044-02-29 is a Monday of an off week counted from Monday 2026-01-05.
    const everyOtherMonday = recurrence({
      frequency: 'Week',
      interval: 2,
      timeZone: 'UTC',
      startTime: '2026-01-05T00:00:00',
      schedule: { hours: [8], minutes: [0], weekDays: ['Monday'] },
    });
    expect(clashOf([everyOtherMonday, stop(cron('0 8 29 2 *', 'UTC'))])).toBe('2072-02-29T08:00:00Z');
  });

  it('a Day recurrence every 3 days meets it in 2028', () => {
    const everyThirdDay = recurrence({
      frequency: 'Day',
      interval: 3,
      timeZone: 'UTC',
      startTime: '2026-01-01T08:00:00',
    });
    expect(clashOf([everyThirdDay, stop(cron('0 8 29 2 *', 'UTC'))])).toBe('2028-02-29T08:00:00Z');
  });

  it('a Day recurrence every 499 days meets it only in 2448, and is still found', () => {
    const every499Days = recurrence({
      frequency: 'Day',
      interval: 499,
      timeZone: 'UTC',
      startTime: '2026-01-01T08:00:00',
    });
    expect(clashOf([every499Days, stop(cron('0 8 29 2 *', 'UTC'))])).toBe('2448-02-29T08:00:00Z');
  });

  it('a single day more than a year ahead is found (it used to stop at 366 days)', () => {
    const start = cron('0 8 * * *', 'UTC', {
      startTime: '2027-06-01T00:00:00',
      endTime: '2027-06-01T23:59:00',
    });
    expect(clashOf([start, stop(cron('0 8 * * *', 'UTC'))])).toBe('2027-06-01T08:00:00Z');
  });
});

describe('daylight saving in the conflict check', () => {
  it('a fixed 02:30 Start fires at the end of the spring-forward gap, 03:00 PDT, with a 03:00 Stop', () => {
    const entries = [
      cron('30 2 * * *', 'Pacific Standard Time'),
      stop(cron('0 3 * * *', 'Pacific Standard Time')),
    ];
    expect(clashOf(entries)).toBe('2026-03-08T10:00:00Z');
  });

  it('a 02:30 recurrence takes the offset before the gap (03:30 PDT) and meets a 03:30 Stop', () => {
    const entries = [
      recurrence({
        frequency: 'Day',
        interval: 1,
        timeZone: 'Pacific Standard Time',
        schedule: { hours: [2], minutes: [30] },
      }),
      stop(cron('30 3 * * *', 'Pacific Standard Time')),
    ];
    expect(clashOf(entries)).toBe('2026-03-08T10:30:00Z');
  });

  it('a wildcard cron skips the gap: every minute of 02:00–02:59 never meets a fixed 03:00 Stop', () => {
    const entries = [
      cron('* 2 * * *', 'Pacific Standard Time'),
      stop(cron('0 3 * * *', 'Pacific Standard Time')),
    ];
    expect(clashOf(entries)).toBeUndefined();
  });
});

describe('deciding a pair without walking every minute', () => {
  it('even-minute and odd-minute recurrences never meet, decided without stepping through them', () => {
    const even = recurrence({ frequency: 'Minute', interval: 2, startTime: '2026-03-01T00:00:00Z' });
    const odd = stop(recurrence({ frequency: 'Minute', interval: 2, startTime: '2026-03-01T00:01:00Z' }));
    const steps = countSteps([even, odd]);
    expect(clashOf([even, odd], NOW, YEAR_MS)).toBeUndefined();
    expect(steps()).toBeLessThan(10);
  });

  it('two elapsed-time recurrences meet where the remainder theorem says: every 7 minutes and every 11 from 00:03', () => {
    const every7 = recurrence({ frequency: 'Minute', interval: 7, startTime: '2026-01-01T00:00:00Z' });
    const every11 = stop(
      recurrence({ frequency: 'Minute', interval: 11, startTime: '2026-01-01T00:03:00Z' }),
    );
    expect(clashOf([every7, every11])).toBe('2026-01-01T00:14:00Z');
  });

  it('minute-level blocks of one day in Pacific time, across both changes, never meet and are decided at once', () => {
    const entries = [
      stop(cron('* 0-7 * * *', 'Pacific Standard Time')),
      cron('* 8-11 * * *', 'Pacific Standard Time'),
      stop(cron('* 12-17 * * *', 'Pacific Standard Time')),
      cron('*/2 18-23 * * *', 'Pacific Standard Time'),
    ];
    const steps = countSteps(entries);
    expect(clashOf(entries, at('2026-03-01T00:00:00Z'), YEAR_MS)).toBeUndefined();
    expect(steps()).toBeLessThan(20);
  });

  it('08:00 in Berlin and 07:00 UTC meet once Berlin is on CET, and walking finds the first such day', () => {
    const entries = [cron('0 8 * * *', 'W. Europe Standard Time'), stop(cron('0 7 * * *', 'UTC'))];
    expect(clashOf(entries, at('2026-04-01T00:00:00Z'))).toBe('2026-10-25T07:00:00Z');
  });
});
