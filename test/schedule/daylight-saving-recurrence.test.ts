// Recurrence entries around daylight-saving changes:
//   - a wall time in a spring-forward gap uses the offset before the change (it moves forward by the gap length);
//   - a repeated wall time uses its first occurrence;
//   - Minute and Hour without a schedule run every interval of elapsed time; Day, Week and Month keep the wall time.
// Note the contrast with fixed-time cron, which fires a gap time at the first instant after the gap.
// Transition instants: see daylight-saving-cron-fixed-time.test.ts (verified with Intl, tzdata 2025c).
import { describe, expect, it } from 'vitest';
import { next, recurrence } from './helpers.js';

const daily = (timeZone: string, hour: number, minute: number) =>
  recurrence({
    frequency: 'Day',
    interval: 1,
    timeZone,
    startTime: '2026-01-01T00:00:00',
    schedule: { hours: [hour], minutes: [minute] },
  });

describe('America/Los_Angeles ("Pacific Standard Time")', () => {
  it('02:30 daily in the 2026-03-08 gap runs at 02:30 PST = 03:30 PDT (offset before the change)', () => {
    expect(next(daily('Pacific Standard Time', 2, 30), '2026-03-06T12:00:00Z', 3)).toEqual([
      '2026-03-07T10:30:00Z',
      '2026-03-08T10:30:00Z',
      '2026-03-09T09:30:00Z',
    ]);
  });

  it('01:30 daily, repeated on 2026-11-01, runs once at its first occurrence (PDT)', () => {
    expect(next(daily('America/Los_Angeles', 1, 30), '2026-10-30T12:00:00Z', 3)).toEqual([
      '2026-10-31T08:30:00Z',
      '2026-11-01T08:30:00Z',
      '2026-11-02T09:30:00Z',
    ]);
  });

  it("Day without a schedule keeps the start time's wall clock (02:30), gap rule included", () => {
    const entry = recurrence({
      frequency: 'Day',
      interval: 1,
      timeZone: 'Pacific Standard Time',
      startTime: '2026-03-07T02:30:00',
    });
    expect(next(entry, '2026-03-01T00:00:00Z', 3)).toEqual([
      '2026-03-07T10:30:00Z',
      '2026-03-08T10:30:00Z',
      '2026-03-09T09:30:00Z',
    ]);
  });

  it('Hour without a schedule is elapsed time: every 60 minutes straight through the gap', () => {
    const entry = recurrence({
      frequency: 'Hour',
      interval: 1,
      timeZone: 'Pacific Standard Time',
      startTime: '2026-03-08T00:30:00',
    });
    expect(next(entry, '2026-03-08T08:00:00Z', 4)).toEqual([
      '2026-03-08T08:30:00Z', // 00:30 PST
      '2026-03-08T09:30:00Z', // 01:30 PST
      '2026-03-08T10:30:00Z', // 03:30 PDT
      '2026-03-08T11:30:00Z', // 04:30 PDT
    ]);
  });

  it('Hour without a schedule is elapsed time: every 60 minutes straight through the repeated hour', () => {
    const entry = recurrence({
      frequency: 'Hour',
      interval: 1,
      timeZone: 'Pacific Standard Time',
      startTime: '2026-11-01T00:30:00',
    });
    expect(next(entry, '2026-11-01T07:00:00Z', 4)).toEqual([
      '2026-11-01T07:30:00Z', // 00:30 PDT
      '2026-11-01T08:30:00Z', // 01:30 PDT
      '2026-11-01T09:30:00Z', // 01:30 PST
      '2026-11-01T10:30:00Z', // 02:30 PST
    ]);
  });

  it('Minute, interval 45, is elapsed time across the gap', () => {
    const entry = recurrence({
      frequency: 'Minute',
      interval: 45,
      timeZone: 'Pacific Standard Time',
      startTime: '2026-03-08T01:00:00',
    });
    expect(next(entry, '2026-03-08T08:00:00Z', 4)).toEqual([
      '2026-03-08T09:00:00Z',
      '2026-03-08T09:45:00Z',
      '2026-03-08T10:30:00Z',
      '2026-03-08T11:15:00Z',
    ]);
  });

  it('Month without a schedule keeps 08:00 Pacific: 15:00Z in summer, 16:00Z in winter', () => {
    const entry = recurrence({
      frequency: 'Month',
      interval: 1,
      timeZone: 'Pacific Standard Time',
      startTime: '2026-09-15T08:00:00',
    });
    expect(next(entry, '2026-09-01T00:00:00Z', 4)).toEqual([
      '2026-09-15T15:00:00Z',
      '2026-10-15T15:00:00Z',
      '2026-11-15T16:00:00Z',
      '2026-12-15T16:00:00Z',
    ]);
  });
});

describe('Europe/Berlin ("W. Europe Standard Time")', () => {
  const sundays0230 = recurrence({
    frequency: 'Week',
    interval: 1,
    timeZone: 'W. Europe Standard Time',
    startTime: '2026-03-01T00:00:00',
    schedule: { hours: [2], minutes: [30], weekDays: ['Sunday'] },
  });

  it('Sundays 02:30 in the 2026-03-29 gap run at 02:30 CET = 03:30 CEST', () => {
    expect(next(sundays0230, '2026-03-20T00:00:00Z', 3)).toEqual([
      '2026-03-22T01:30:00Z',
      '2026-03-29T01:30:00Z',
      '2026-04-05T00:30:00Z',
    ]);
  });

  it('Sundays 02:30, repeated on 2026-10-25, run once at the first occurrence (CEST)', () => {
    expect(next(sundays0230, '2026-10-15T00:00:00Z', 3)).toEqual([
      '2026-10-18T00:30:00Z',
      '2026-10-25T00:30:00Z',
      '2026-11-01T01:30:00Z',
    ]);
  });

  it('08:00 daily keeps 08:00 local across the change', () => {
    const entry = recurrence({
      frequency: 'Day',
      interval: 1,
      timeZone: 'W. Europe Standard Time',
      startTime: '2026-03-27T00:00:00',
      schedule: { hours: [8], minutes: [0] },
    });
    expect(next(entry, '2026-03-26T00:00:00Z', 4)).toEqual([
      '2026-03-27T07:00:00Z',
      '2026-03-28T07:00:00Z',
      '2026-03-29T06:00:00Z',
      '2026-03-30T06:00:00Z',
    ]);
  });
});

describe('Australia/Sydney ("AUS Eastern Standard Time")', () => {
  it('02:30 daily in the 2026-10-04 gap runs at 02:30 AEST = 03:30 AEDT', () => {
    expect(next(daily('AUS Eastern Standard Time', 2, 30), '2026-10-02T00:00:00Z', 3)).toEqual([
      '2026-10-02T16:30:00Z',
      '2026-10-03T16:30:00Z',
      '2026-10-04T15:30:00Z',
    ]);
  });

  it('02:30 daily, repeated on 2026-04-05, runs once at the first occurrence (AEDT)', () => {
    expect(next(daily('Australia/Sydney', 2, 30), '2026-04-03T00:00:00Z', 3)).toEqual([
      '2026-04-03T15:30:00Z',
      '2026-04-04T15:30:00Z',
      '2026-04-05T16:30:00Z',
    ]);
  });
});

describe('America/Santiago ("Pacific SA Standard Time"): the change happens at midnight', () => {
  it('00:30 daily in the 2026-09-06 gap runs at 00:30 −04 = 01:30 −03', () => {
    expect(next(daily('Pacific SA Standard Time', 0, 30), '2026-09-05T00:00:00Z', 3)).toEqual([
      '2026-09-05T04:30:00Z',
      '2026-09-06T04:30:00Z',
      '2026-09-07T03:30:00Z',
    ]);
  });

  it('23:30 daily, repeated on 2026-04-04, runs once at the first occurrence (−03)', () => {
    expect(next(daily('America/Santiago', 23, 30), '2026-04-03T12:00:00Z', 3)).toEqual([
      '2026-04-04T02:30:00Z',
      '2026-04-05T02:30:00Z',
      '2026-04-06T03:30:00Z',
    ]);
  });

  it('Month without a schedule from a midnight start: 2026-09-06 00:00 does not exist, so 00:00 −04', () => {
    const entry = recurrence({
      frequency: 'Month',
      interval: 1,
      timeZone: 'Pacific SA Standard Time',
      startTime: '2026-08-06T00:00:00',
    });
    expect(next(entry, '2026-08-01T00:00:00Z', 3)).toEqual([
      '2026-08-06T04:00:00Z',
      '2026-09-06T04:00:00Z',
      '2026-10-06T03:00:00Z',
    ]);
  });
});

describe('Pacific/Auckland ("New Zealand Standard Time")', () => {
  it('Sundays 02:30 in the 2026-09-27 gap run at 02:30 NZST = 03:30 NZDT', () => {
    const entry = recurrence({
      frequency: 'Week',
      interval: 1,
      timeZone: 'New Zealand Standard Time',
      startTime: '2026-09-01T00:00:00',
      schedule: { hours: [2], minutes: [30], weekDays: ['Sunday'] },
    });
    expect(next(entry, '2026-09-15T00:00:00Z', 3)).toEqual([
      '2026-09-19T14:30:00Z',
      '2026-09-26T14:30:00Z',
      '2026-10-03T13:30:00Z',
    ]);
  });
});

describe('Australia/Lord_Howe ("Lord Howe Standard Time"): a 30-minute shift', () => {
  it('02:15 daily in the 30-minute gap of 2026-10-04 runs at 02:15 +10:30 = 02:45 +11 (moved by 30 minutes)', () => {
    expect(next(daily('Lord Howe Standard Time', 2, 15), '2026-10-02T00:00:00Z', 3)).toEqual([
      '2026-10-02T15:45:00Z',
      '2026-10-03T15:45:00Z',
      '2026-10-04T15:15:00Z',
    ]);
  });

  it('01:45 daily, repeated on 2026-04-05, runs once at the first occurrence (+11)', () => {
    expect(next(daily('Australia/Lord_Howe', 1, 45), '2026-04-03T00:00:00Z', 3)).toEqual([
      '2026-04-03T14:45:00Z',
      '2026-04-04T14:45:00Z',
      '2026-04-05T15:15:00Z',
    ]);
  });
});

describe('Pacific/Chatham ("Chatham Islands Standard Time")', () => {
  it('03:00 daily in the 2026-09-27 gap runs at 03:00 +12:45 = 04:00 +13:45', () => {
    expect(next(daily('Chatham Islands Standard Time', 3, 0), '2026-09-25T00:00:00Z', 3)).toEqual([
      '2026-09-25T14:15:00Z',
      '2026-09-26T14:15:00Z',
      '2026-09-27T13:15:00Z',
    ]);
  });

  it('03:00 daily, repeated on 2026-04-05, runs once at the first occurrence (+13:45)', () => {
    expect(next(daily('Pacific/Chatham', 3, 0), '2026-04-03T00:00:00Z', 3)).toEqual([
      '2026-04-03T13:15:00Z',
      '2026-04-04T13:15:00Z',
      '2026-04-05T14:15:00Z',
    ]);
  });
});

describe('Africa/Casablanca ("Morocco Standard Time")', () => {
  it('02:30 daily in the 2026-03-22 gap runs at 02:30 +00 = 03:30 +01', () => {
    expect(next(daily('Morocco Standard Time', 2, 30), '2026-03-20T12:00:00Z', 3)).toEqual([
      '2026-03-21T02:30:00Z',
      '2026-03-22T02:30:00Z',
      '2026-03-23T01:30:00Z',
    ]);
  });

  it('02:30 daily, repeated on 2026-02-15, runs once at the first occurrence (+01)', () => {
    expect(next(daily('Africa/Casablanca', 2, 30), '2026-02-13T12:00:00Z', 3)).toEqual([
      '2026-02-14T01:30:00Z',
      '2026-02-15T01:30:00Z',
      '2026-02-16T02:30:00Z',
    ]);
  });
});
