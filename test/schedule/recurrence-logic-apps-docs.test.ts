// The recurrence examples of the Azure Logic Apps documentation, mapped onto Azure ML's entry shape, with every
// expected instant written out. Sources:
//   - "Schedules for recurring triggers in Azure Logic Apps workflows"
//     (articles/logic-apps/concepts-schedule-automated-recurring-tasks-workflows.md): "Patterns for start date and
//     time", the past-start-time example, and the "Example recurrences" table.
//   - "Schedule and run recurring workflows with the Recurrence trigger" (articles/connectors/connectors-native-
//     recurrence.md): the Friday-September-4-2020 example and the "last day of the month" definition.
//   - The workflow definition reference (logic-apps-workflow-actions-triggers.md), Recurrence trigger example 3.
//   - Azure Scheduler's advanced-schedule table (the origin of `monthDays`), for the month-day examples.
//
// Our rule differs from Logic Apps in one place: with a `schedule`, both `hours` and `minutes` are required (Azure ML
// requires it). Where the documentation leaves one out ("{none}": Logic Apps then takes it from the start time or
// from the moment the workflow is saved), the test states the equivalent value explicitly and says so.
// Where the documentation writes `*startDate*T*startTime*Z`, a concrete 2026 instant is chosen.
import { describe, expect, it } from 'vitest';
import { validateEntry } from '../../src/schedule/index.js';
import { ALL_HOURS, next, problems, recurrence } from './helpers.js';

const MONDAY_TO_FRIDAY = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'] as const;

describe('Logic Apps "Example recurrences" table', () => {
  it('"Run every 15 minutes (with start date and time)": the first run is the start time, then every 15 minutes', () => {
    const entry = recurrence({ frequency: 'Minute', interval: 15, startTime: '2026-09-07T14:00:00Z' });
    expect(next(entry, '2026-09-07T13:00:00Z', 4)).toEqual([
      '2026-09-07T14:00:00Z',
      '2026-09-07T14:15:00Z',
      '2026-09-07T14:30:00Z',
      '2026-09-07T14:45:00Z',
    ]);
  });

  it('"Run every 15 minutes" with a start time in the past stays on the 15-minute grid of the start time', () => {
    const entry = recurrence({ frequency: 'Minute', interval: 15, startTime: '2026-09-07T14:00:00Z' });
    expect(next(entry, '2026-09-08T13:07:00Z', 3)).toEqual([
      '2026-09-08T13:15:00Z',
      '2026-09-08T13:30:00Z',
      '2026-09-08T13:45:00Z',
    ]);
  });

  it('"Run every 15 minutes (no start date and time)": counts 15-minute periods from registration', () => {
    const entry = recurrence({ frequency: 'Minute', interval: 15 });
    expect(next(entry, '2026-09-07T14:05:00Z', 3, '2026-09-07T14:03:00Z')).toEqual([
      '2026-09-07T14:18:00Z',
      '2026-09-07T14:33:00Z',
      '2026-09-07T14:48:00Z',
    ]);
  });

  it('"Run every hour, on the hour (with start date and time)": the 00 minute mark comes from the start time', () => {
    const entry = recurrence({ frequency: 'Hour', interval: 1, startTime: '2026-09-07T14:00:00Z' });
    expect(next(entry, '2026-09-07T15:30:00Z', 3)).toEqual([
      '2026-09-07T16:00:00Z',
      '2026-09-07T17:00:00Z',
      '2026-09-07T18:00:00Z',
    ]);
  });

  it('"Run every hour, every day (with start date and time)": every hour from the start time', () => {
    const entry = recurrence({ frequency: 'Hour', interval: 1, startTime: '2026-09-07T09:40:00Z' });
    expect(next(entry, '2026-09-07T00:00:00Z', 3)).toEqual([
      '2026-09-07T09:40:00Z',
      '2026-09-07T10:40:00Z',
      '2026-09-07T11:40:00Z',
    ]);
  });

  it('"Run every hour, every day (no start date and time)": every hour from registration', () => {
    const entry = recurrence({ frequency: 'Hour', interval: 1 });
    expect(next(entry, '2026-09-07T14:25:00Z', 3, '2026-09-07T14:25:00Z')).toEqual([
      '2026-09-07T15:25:00Z',
      '2026-09-07T16:25:00Z',
      '2026-09-07T17:25:00Z',
    ]);
  });

  it('"Run every 15 minutes past the hour, every hour (with start date and time)": Hour with start at 00:15', () => {
    const entry = recurrence({ frequency: 'Hour', interval: 1, startTime: '2026-09-07T00:15:00Z' });
    expect(next(entry, '2026-09-06T23:00:00Z', 4)).toEqual([
      '2026-09-07T00:15:00Z',
      '2026-09-07T01:15:00Z',
      '2026-09-07T02:15:00Z',
      '2026-09-07T03:15:00Z',
    ]);
  });

  it('"Run every 15 minutes past the hour, every hour (no start date and time)": Day with hours 0–23 and minute 15', () => {
    const entry = recurrence({
      frequency: 'Day',
      interval: 1,
      schedule: { hours: ALL_HOURS, minutes: [15] },
    });
    expect(next(entry, '2026-09-06T23:00:00Z', 4, '2026-09-06T23:00:00Z')).toEqual([
      '2026-09-06T23:15:00Z',
      '2026-09-07T00:15:00Z',
      '2026-09-07T01:15:00Z',
      '2026-09-07T02:15:00Z',
    ]);
  });

  it('the documentation calls the two "15 minutes past the hour" forms equivalent, and they are', () => {
    const byHour = recurrence({ frequency: 'Hour', interval: 1, startTime: '2026-09-07T00:15:00Z' });
    const byDay = recurrence({
      frequency: 'Day',
      interval: 1,
      schedule: { hours: ALL_HOURS, minutes: [15] },
    });
    expect(next(byDay, '2026-09-07T00:00:00Z', 30, '2026-09-07T00:00:00Z')).toEqual(
      next(byHour, '2026-09-07T00:00:00Z', 30),
    );
  });

  it('"Run every 15 minutes at the specified minute marks (no start date and time)": waits for the next mark', () => {
    const entry = recurrence({
      frequency: 'Day',
      interval: 1,
      schedule: { hours: ALL_HOURS, minutes: [0, 15, 30, 45] },
    });
    expect(next(entry, '2026-09-07T14:07:00Z', 4, '2026-09-07T14:07:00Z')).toEqual([
      '2026-09-07T14:15:00Z',
      '2026-09-07T14:30:00Z',
      '2026-09-07T14:45:00Z',
      '2026-09-07T15:00:00Z',
    ]);
  });

  it('"Run daily at 8 AM plus the minute-mark from when you save": saved at 14:23, so minutes [23] stated explicitly', () => {
    // The documentation gives hours [8] and no minutes; Logic Apps takes the minute of the save (PUT). We require
    // minutes, so the equivalent entry for a save at 2026-09-07T14:23:00Z says minutes [23].
    const entry = recurrence({ frequency: 'Day', interval: 1, schedule: { hours: [8], minutes: [23] } });
    expect(next(entry, '2026-09-07T14:23:00Z', 3, '2026-09-07T14:23:00Z')).toEqual([
      '2026-09-08T08:23:00Z',
      '2026-09-09T08:23:00Z',
      '2026-09-10T08:23:00Z',
    ]);
  });

  it('hours without minutes (the form the documentation uses) is refused by our validation, naming minutes', () => {
    const entry = recurrence({ frequency: 'Day', interval: 1, schedule: { hours: [8] } as never });
    expect(problems(() => validateEntry(entry, '/computeStartStop/0')).map((e) => e.pointer)).toContain(
      '/computeStartStop/0/recurrence/schedule/minutes',
    );
  });

  it('"Run daily at 8:00 AM (with start date and time)": no schedule, the start time gives the time of day', () => {
    const entry = recurrence({ frequency: 'Day', interval: 1, startTime: '2026-09-18T08:00:00Z' });
    expect(next(entry, '2026-09-04T00:00:00Z', 3)).toEqual([
      '2026-09-18T08:00:00Z',
      '2026-09-19T08:00:00Z',
      '2026-09-20T08:00:00Z',
    ]);
  });

  it('"Run daily at 8:00 AM (no start date and time)": hours [8], minutes [0]', () => {
    const entry = recurrence({ frequency: 'Day', interval: 1, schedule: { hours: [8], minutes: [0] } });
    expect(next(entry, '2026-09-07T14:00:00Z', 3, '2026-09-07T14:00:00Z')).toEqual([
      '2026-09-08T08:00:00Z',
      '2026-09-09T08:00:00Z',
      '2026-09-10T08:00:00Z',
    ]);
  });

  it('"Run daily at 8:00 AM and 4:00 PM": hours [8, 16], minutes [0]', () => {
    const entry = recurrence({ frequency: 'Day', interval: 1, schedule: { hours: [8, 16], minutes: [0] } });
    expect(next(entry, '2026-09-07T12:00:00Z', 4, '2026-09-07T12:00:00Z')).toEqual([
      '2026-09-07T16:00:00Z',
      '2026-09-08T08:00:00Z',
      '2026-09-08T16:00:00Z',
      '2026-09-09T08:00:00Z',
    ]);
  });

  it('"Run daily at 8:30 AM, 8:45 AM, 4:30 PM, and 4:45 PM": every hour × every minute', () => {
    const entry = recurrence({
      frequency: 'Day',
      interval: 1,
      schedule: { hours: [8, 16], minutes: [30, 45] },
    });
    expect(next(entry, '2026-09-07T00:00:00Z', 5, '2026-09-07T00:00:00Z')).toEqual([
      '2026-09-07T08:30:00Z',
      '2026-09-07T08:45:00Z',
      '2026-09-07T16:30:00Z',
      '2026-09-07T16:45:00Z',
      '2026-09-08T08:30:00Z',
    ]);
  });

  it('"Run every Saturday at 5:00 PM (no start date and time)"', () => {
    const entry = recurrence({
      frequency: 'Week',
      interval: 1,
      schedule: { hours: [17], minutes: [0], weekDays: ['Saturday'] },
    });
    expect(next(entry, '2026-09-07T00:00:00Z', 3, '2026-09-07T00:00:00Z')).toEqual([
      '2026-09-12T17:00:00Z',
      '2026-09-19T17:00:00Z',
      '2026-09-26T17:00:00Z',
    ]);
  });

  it('"Run every Saturday at 5:00 PM (with start date and time)": September 9, 2017 at 5:00 PM is the first run', () => {
    // The documentation gives no hours or minutes here (they come from the start time, 17:00); stated explicitly.
    const entry = recurrence({
      frequency: 'Week',
      interval: 1,
      startTime: '2017-09-09T17:00:00Z',
      schedule: { hours: [17], minutes: [0], weekDays: ['Saturday'] },
    });
    expect(next(entry, '2017-09-01T00:00:00Z', 3)).toEqual([
      '2017-09-09T17:00:00Z',
      '2017-09-16T17:00:00Z',
      '2017-09-23T17:00:00Z',
    ]);
  });

  it('"Run every Tuesday, Thursday at 5 PM plus the minute-mark from when you save": saved at :42, minutes [42]', () => {
    // The documentation gives hours [17] and no minutes; the save happens on Monday 2026-09-07 at 10:42 UTC.
    const entry = recurrence({
      frequency: 'Week',
      interval: 1,
      schedule: { hours: [17], minutes: [42], weekDays: ['Tuesday', 'Thursday'] },
    });
    expect(next(entry, '2026-09-07T10:42:00Z', 4, '2026-09-07T10:42:00Z')).toEqual([
      '2026-09-08T17:42:00Z',
      '2026-09-10T17:42:00Z',
      '2026-09-15T17:42:00Z',
      '2026-09-17T17:42:00Z',
    ]);
  });

  it('"Run every hour during working hours" 8:00 AM to 5:00 PM, Monday to Friday (minutes [0])', () => {
    const entry = recurrence({
      frequency: 'Week',
      interval: 1,
      schedule: {
        hours: [8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
        minutes: [0],
        weekDays: [...MONDAY_TO_FRIDAY],
      },
    });
    // Friday 2026-09-11, 16:30 UTC: the 17:00 run, then Monday morning.
    expect(next(entry, '2026-09-11T16:30:00Z', 4, '2026-09-01T00:00:00Z')).toEqual([
      '2026-09-11T17:00:00Z',
      '2026-09-14T08:00:00Z',
      '2026-09-14T09:00:00Z',
      '2026-09-14T10:00:00Z',
    ]);
  });

  it('"Run every hour during working hours" 8:30 AM to 5:30 PM: the same hours plus minutes [30]', () => {
    const entry = recurrence({
      frequency: 'Week',
      interval: 1,
      schedule: {
        hours: [8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
        minutes: [30],
        weekDays: [...MONDAY_TO_FRIDAY],
      },
    });
    expect(next(entry, '2026-09-11T17:00:00Z', 3, '2026-09-01T00:00:00Z')).toEqual([
      '2026-09-11T17:30:00Z',
      '2026-09-14T08:30:00Z',
      '2026-09-14T09:30:00Z',
    ]);
  });

  it('"Run once every day on weekends": Saturday and Sunday at the chosen 09:00', () => {
    const entry = recurrence({
      frequency: 'Week',
      interval: 1,
      schedule: { hours: [9], minutes: [0], weekDays: ['Saturday', 'Sunday'] },
    });
    expect(next(entry, '2026-09-07T00:00:00Z', 4, '2026-09-07T00:00:00Z')).toEqual([
      '2026-09-12T09:00:00Z',
      '2026-09-13T09:00:00Z',
      '2026-09-19T09:00:00Z',
      '2026-09-20T09:00:00Z',
    ]);
  });

  it('"Run every 15 minutes biweekly on Mondays only" (no start): weeks counted from the registration week', () => {
    const entry = recurrence({
      frequency: 'Week',
      interval: 2,
      schedule: { hours: ALL_HOURS, minutes: [0, 15, 30, 45], weekDays: ['Monday'] },
    });
    // Registered Wednesday 2026-09-02: its week (Monday 2026-08-31) is period 0, but that Monday has passed.
    // Period 1 (Monday 2026-09-07) is skipped; period 2 is Monday 2026-09-14, 96 runs; then Monday 2026-09-28.
    const runs = next(entry, '2026-09-02T12:00:00Z', 97, '2026-09-02T12:00:00Z');
    expect(runs).toHaveLength(97);
    expect(runs.slice(0, 3)).toEqual([
      '2026-09-14T00:00:00Z',
      '2026-09-14T00:15:00Z',
      '2026-09-14T00:30:00Z',
    ]);
    expect(runs.slice(94)).toEqual(['2026-09-14T23:30:00Z', '2026-09-14T23:45:00Z', '2026-09-28T00:00:00Z']);
  });

  it('biweekly with a Wednesday start time: the period holding the start is week 0, so the first Monday is 14 days later', () => {
    const entry = recurrence({
      frequency: 'Week',
      interval: 2,
      startTime: '2026-09-09T00:00:00Z',
      schedule: { hours: ALL_HOURS, minutes: [0, 15, 30, 45], weekDays: ['Monday'] },
    });
    // Week 0 is Monday 2026-09-07 (its Monday is before the start, so nothing), week 2 is Monday 2026-09-21.
    const runs = next(entry, '2026-09-01T00:00:00Z', 97);
    expect(runs.slice(0, 2)).toEqual(['2026-09-21T00:00:00Z', '2026-09-21T00:15:00Z']);
    expect(runs[96]).toBe('2026-10-05T00:00:00Z');
  });

  it('weeks start on Monday: a Sunday start is the last day of week 0, not the first day of a new week', () => {
    const entry = recurrence({
      frequency: 'Week',
      interval: 2,
      startTime: '2026-09-13T00:00:00Z',
      schedule: { hours: [9], minutes: [0], weekDays: ['Monday', 'Sunday'] },
    });
    expect(next(entry, '2026-09-01T00:00:00Z', 5)).toEqual([
      '2026-09-13T09:00:00Z', // Sunday of week 0 (Monday 2026-09-07)
      '2026-09-21T09:00:00Z', // Monday of week 2
      '2026-09-27T09:00:00Z', // Sunday of week 2
      '2026-10-05T09:00:00Z', // Monday of week 4
      '2026-10-11T09:00:00Z',
    ]);
  });

  it('"Run every 15 minutes on weekdays between 9 AM and 4:45 PM" (Azure Scheduler table)', () => {
    const entry = recurrence({
      frequency: 'Week',
      interval: 1,
      schedule: {
        hours: [9, 10, 11, 12, 13, 14, 15, 16],
        minutes: [0, 15, 30, 45],
        weekDays: [...MONDAY_TO_FRIDAY],
      },
    });
    expect(next(entry, '2026-09-11T16:40:00Z', 3, '2026-09-01T00:00:00Z')).toEqual([
      '2026-09-11T16:45:00Z',
      '2026-09-14T09:00:00Z',
      '2026-09-14T09:15:00Z',
    ]);
  });

  it('"Run every month": no schedule, the start date and time repeat every month', () => {
    const entry = recurrence({ frequency: 'Month', interval: 1, startTime: '2026-09-15T08:00:00Z' });
    expect(next(entry, '2026-09-01T00:00:00Z', 4)).toEqual([
      '2026-09-15T08:00:00Z',
      '2026-10-15T08:00:00Z',
      '2026-11-15T08:00:00Z',
      '2026-12-15T08:00:00Z',
    ]);
  });

  it('"Run every hour for one day per month": start at 8:25, so minutes [25] and monthDays [15] stated explicitly', () => {
    // The documentation gives hours 0–23 only; the minutes (25) and the day (the 15th) come from the start time.
    const entry = recurrence({
      frequency: 'Month',
      interval: 1,
      startTime: '2026-09-15T08:25:00Z',
      schedule: { hours: ALL_HOURS, minutes: [25], monthDays: [15] },
    });
    const runs = next(entry, '2026-09-01T00:00:00Z', 17);
    expect(runs.slice(0, 3)).toEqual([
      '2026-09-15T08:25:00Z',
      '2026-09-15T09:25:00Z',
      '2026-09-15T10:25:00Z',
    ]);
    expect(runs.slice(15)).toEqual(['2026-09-15T23:25:00Z', '2026-10-15T00:25:00Z']);
  });
});

describe('Logic Apps "Patterns for start date and time"', () => {
  it('start time in the past, no schedule, every two days: the documented example (2017-09-07 14:00, now 09-08 13:00)', () => {
    const entry = recurrence({ frequency: 'Day', interval: 2, startTime: '2017-09-07T14:00:00Z' });
    expect(next(entry, '2017-09-08T13:00:00Z', 4)).toEqual([
      '2017-09-09T14:00:00Z',
      '2017-09-11T14:00:00Z',
      '2017-09-13T14:00:00Z',
      '2017-09-15T14:00:00Z',
    ]);
  });

  it('"no matter how far in the past": a start of 2017-09-05 or 2017-09-01 gives the same runs', () => {
    const expected = ['2017-09-09T14:00:00Z', '2017-09-11T14:00:00Z', '2017-09-13T14:00:00Z'];
    for (const startTime of ['2017-09-05T14:00:00Z', '2017-09-01T14:00:00Z']) {
      expect(
        next(recurrence({ frequency: 'Day', interval: 2, startTime }), '2017-09-08T13:00:00Z', 3),
      ).toEqual(expected);
    }
  });

  it('start time in the future, no schedule: the first run is the start time itself', () => {
    const entry = recurrence({ frequency: 'Day', interval: 2, startTime: '2026-09-18T14:00:00Z' });
    expect(next(entry, '2026-09-04T00:00:00Z', 3)).toEqual([
      '2026-09-18T14:00:00Z',
      '2026-09-20T14:00:00Z',
      '2026-09-22T14:00:00Z',
    ]);
  });

  it('start time in the future with a schedule: "no sooner than the start time" (Friday 2020-09-18 08:00 Pacific, Mondays)', () => {
    // Recurrence trigger page: today is Friday 2020-09-04; start Friday 2020-09-18 08:00 Pacific; the schedule is
    // 10:30, 12:30 and 14:30 on Mondays; the first run is Monday 2020-09-21 at 10:30 (PDT, UTC−7).
    const entry = recurrence({
      frequency: 'Week',
      interval: 1,
      timeZone: 'Pacific Standard Time',
      startTime: '2020-09-18T08:00:00',
      schedule: { hours: [10, 12, 14], minutes: [30], weekDays: ['Monday'] },
    });
    expect(next(entry, '2020-09-04T12:00:00Z', 4)).toEqual([
      '2020-09-21T17:30:00Z',
      '2020-09-21T19:30:00Z',
      '2020-09-21T21:30:00Z',
      '2020-09-28T17:30:00Z',
    ]);
  });

  it('workflow definition example 3: start Thursday 2017-09-07 14:00 Pacific, Mondays 10:30, 12:30, 14:30', () => {
    const entry = recurrence({
      frequency: 'Week',
      interval: 1,
      timeZone: 'Pacific Standard Time',
      startTime: '2017-09-07T14:00:00',
      schedule: { hours: [10, 12, 14], minutes: [30], weekDays: ['Monday'] },
    });
    expect(next(entry, '2017-09-01T00:00:00Z', 4)).toEqual([
      '2017-09-11T17:30:00Z',
      '2017-09-11T19:30:00Z',
      '2017-09-11T21:30:00Z',
      '2017-09-18T17:30:00Z',
    ]);
  });

  it("a start time ending in Z is UTC and the time zone is ignored (the Recurrence trigger page's JSON example)", () => {
    // startTime "2020-09-07T14:00:00Z" with timeZone "Pacific Standard Time": the "Z" wins, so the whole entry runs
    // on UTC. Monday 2020-09-07: 10:30 and 12:30 are before the start, 14:30 is not.
    const entry = recurrence({
      frequency: 'Week',
      interval: 1,
      timeZone: 'Pacific Standard Time',
      startTime: '2020-09-07T14:00:00Z',
      schedule: { hours: [10, 12, 14], minutes: [30], weekDays: ['Monday'] },
    });
    expect(next(entry, '2020-09-01T00:00:00Z', 4)).toEqual([
      '2020-09-07T14:30:00Z',
      '2020-09-14T10:30:00Z',
      '2020-09-14T12:30:00Z',
      '2020-09-14T14:30:00Z',
    ]);
  });

  it('a Z start time with a zone, no schedule: daily at the UTC time, unmoved by Pacific daylight saving', () => {
    const entry = recurrence({
      frequency: 'Day',
      interval: 1,
      timeZone: 'Pacific Standard Time',
      startTime: '2026-03-07T08:00:00Z',
    });
    expect(next(entry, '2026-03-06T00:00:00Z', 3)).toEqual([
      '2026-03-07T08:00:00Z',
      '2026-03-08T08:00:00Z',
      '2026-03-09T08:00:00Z',
    ]);
  });
});

describe('intervals and frequencies (Logic Apps semantics)', () => {
  it('Minute, interval 90: elapsed time from the start, across midnight', () => {
    const entry = recurrence({ frequency: 'Minute', interval: 90, startTime: '2026-09-07T23:00:00Z' });
    expect(next(entry, '2026-09-07T22:00:00Z', 4)).toEqual([
      '2026-09-07T23:00:00Z',
      '2026-09-08T00:30:00Z',
      '2026-09-08T02:00:00Z',
      '2026-09-08T03:30:00Z',
    ]);
  });

  it('Hour, interval 5: elapsed time from the start, not aligned to days', () => {
    const entry = recurrence({ frequency: 'Hour', interval: 5, startTime: '2026-09-07T22:00:00Z' });
    expect(next(entry, '2026-09-08T00:00:00Z', 5)).toEqual([
      '2026-09-08T03:00:00Z',
      '2026-09-08T08:00:00Z',
      '2026-09-08T13:00:00Z',
      '2026-09-08T18:00:00Z',
      '2026-09-08T23:00:00Z',
    ]);
  });

  it('Day, interval 3, with a schedule: day 0 is the start day; runs before the start are dropped', () => {
    const entry = recurrence({
      frequency: 'Day',
      interval: 3,
      startTime: '2026-09-07T12:00:00Z',
      schedule: { hours: [8, 16], minutes: [0] },
    });
    expect(next(entry, '2026-09-01T00:00:00Z', 4)).toEqual([
      '2026-09-07T16:00:00Z',
      '2026-09-10T08:00:00Z',
      '2026-09-10T16:00:00Z',
      '2026-09-13T08:00:00Z',
    ]);
  });

  it('Week, interval 2, no schedule: the start time every other week', () => {
    const entry = recurrence({ frequency: 'Week', interval: 2, startTime: '2026-09-09T07:30:00Z' });
    expect(next(entry, '2026-09-01T00:00:00Z', 3)).toEqual([
      '2026-09-09T07:30:00Z',
      '2026-09-23T07:30:00Z',
      '2026-10-07T07:30:00Z',
    ]);
  });

  it('Month, interval 3, monthDays [1]: month 0 holds the start; its 1st is before the start, so May is first', () => {
    const entry = recurrence({
      frequency: 'Month',
      interval: 3,
      startTime: '2026-02-10T00:00:00Z',
      schedule: { hours: [9], minutes: [0], monthDays: [1] },
    });
    expect(next(entry, '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-05-01T09:00:00Z',
      '2026-08-01T09:00:00Z',
      '2026-11-01T09:00:00Z',
      '2027-02-01T09:00:00Z',
    ]);
  });

  it('Month, interval 16 (the maximum), no schedule', () => {
    const entry = recurrence({ frequency: 'Month', interval: 16, startTime: '2026-01-10T10:00:00Z' });
    expect(next(entry, '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-10T10:00:00Z',
      '2027-05-10T10:00:00Z',
      '2028-09-10T10:00:00Z',
    ]);
  });
});

describe('month days (Recurrence trigger page and Azure Scheduler table)', () => {
  const monthly = (monthDays: number[], hours = [6], minutes = [0]) =>
    recurrence({ frequency: 'Month', interval: 1, schedule: { hours, minutes, monthDays } });

  it('"Run only once on the last day of each month": monthDays [-1] (at 6 AM, stated explicitly)', () => {
    expect(next(monthly([-1]), '2026-01-01T00:00:00Z', 4, '2026-01-01T00:00:00Z')).toEqual([
      '2026-01-31T06:00:00Z',
      '2026-02-28T06:00:00Z',
      '2026-03-31T06:00:00Z',
      '2026-04-30T06:00:00Z',
    ]);
  });

  it('monthDays [-1] in a leap February is the 29th', () => {
    expect(next(monthly([-1]), '2028-02-01T00:00:00Z', 2, '2028-01-15T00:00:00Z')).toEqual([
      '2028-02-29T06:00:00Z',
      '2028-03-31T06:00:00Z',
    ]);
  });

  it('"Run at 6 AM on the first and last day of every month": monthDays [1, -1]', () => {
    expect(next(monthly([1, -1]), '2026-01-15T00:00:00Z', 4, '2026-01-15T00:00:00Z')).toEqual([
      '2026-01-31T06:00:00Z',
      '2026-02-01T06:00:00Z',
      '2026-02-28T06:00:00Z',
      '2026-03-01T06:00:00Z',
    ]);
  });

  it('"Run at 6 AM on the 28th day of every month": monthDays [28]', () => {
    expect(next(monthly([28]), '2026-01-01T00:00:00Z', 3, '2026-01-01T00:00:00Z')).toEqual([
      '2026-01-28T06:00:00Z',
      '2026-02-28T06:00:00Z',
      '2026-03-28T06:00:00Z',
    ]);
  });

  it('"Run once a month on the 1st": monthDays [1] at 00:00; `after` is exclusive', () => {
    expect(next(monthly([1], [0], [0]), '2026-01-01T00:00:00Z', 3, '2025-12-15T00:00:00Z')).toEqual([
      '2026-02-01T00:00:00Z',
      '2026-03-01T00:00:00Z',
      '2026-04-01T00:00:00Z',
    ]);
  });

  it('monthDays [31] fires only in 31-day months', () => {
    expect(next(monthly([31]), '2026-01-01T00:00:00Z', 7, '2026-01-01T00:00:00Z')).toEqual([
      '2026-01-31T06:00:00Z',
      '2026-03-31T06:00:00Z',
      '2026-05-31T06:00:00Z',
      '2026-07-31T06:00:00Z',
      '2026-08-31T06:00:00Z',
      '2026-10-31T06:00:00Z',
      '2026-12-31T06:00:00Z',
    ]);
  });

  it('monthDays [30] skips February', () => {
    expect(next(monthly([30]), '2026-01-01T00:00:00Z', 3, '2026-01-01T00:00:00Z')).toEqual([
      '2026-01-30T06:00:00Z',
      '2026-03-30T06:00:00Z',
      '2026-04-30T06:00:00Z',
    ]);
  });

  it('monthDays [-2] is the second-to-last day', () => {
    expect(next(monthly([-2]), '2026-01-01T00:00:00Z', 4, '2026-01-01T00:00:00Z')).toEqual([
      '2026-01-30T06:00:00Z',
      '2026-02-27T06:00:00Z',
      '2026-03-30T06:00:00Z',
      '2026-04-29T06:00:00Z',
    ]);
  });

  it('"Run on the first and fourteenth day of every month": monthDays [1, 14] at 09:15', () => {
    expect(next(monthly([14, 1], [9], [15]), '2026-01-10T00:00:00Z', 3, '2026-01-10T00:00:00Z')).toEqual([
      '2026-01-14T09:15:00Z',
      '2026-02-01T09:15:00Z',
      '2026-02-14T09:15:00Z',
    ]);
  });
});

describe('frequencies the schedule fields belong to', () => {
  it('weekDays on a Day recurrence is refused with a pointer to weekDays', () => {
    const entry = recurrence({
      frequency: 'Day',
      interval: 1,
      schedule: { hours: [8], minutes: [0], weekDays: ['Monday'] },
    });
    expect(problems(() => validateEntry(entry, '/computeStartStop/1')).map((e) => e.pointer)).toContain(
      '/computeStartStop/1/recurrence/schedule/weekDays',
    );
  });

  it('monthDays on a Week recurrence is refused with a pointer to monthDays', () => {
    const entry = recurrence({
      frequency: 'Week',
      interval: 1,
      schedule: { hours: [8], minutes: [0], weekDays: ['Monday'], monthDays: [1] },
    });
    expect(problems(() => validateEntry(entry, '/computeStartStop/2')).map((e) => e.pointer)).toContain(
      '/computeStartStop/2/recurrence/schedule/monthDays',
    );
  });
});
