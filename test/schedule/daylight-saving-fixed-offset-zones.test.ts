// Zones without daylight saving are plain offsets, including the odd ones: Asia/Kolkata (+05:30) and
// Asia/Kathmandu (+05:45). Dates are chosen on other zones' change days: nothing may move here.
// Days of week and of month are those of the zone's wall clock, not of UTC.
import { describe, expect, it } from 'vitest';
import { cron, next, recurrence } from './helpers.js';

describe('Asia/Kolkata ("India Standard Time"), +05:30', () => {
  it("09:00 daily is 03:30Z, through Europe's 2026-10-25 change", () => {
    expect(next(cron('0 9 * * *', 'India Standard Time'), '2026-10-24T00:00:00Z', 3)).toEqual([
      '2026-10-24T03:30:00Z',
      '2026-10-25T03:30:00Z',
      '2026-10-26T03:30:00Z',
    ]);
  });

  it("02:30 daily is 21:00Z the day before, through the Americas' 2026-03-08 change", () => {
    expect(next(cron('30 2 * * *', 'Asia/Kolkata'), '2026-03-07T00:00:00Z', 3)).toEqual([
      '2026-03-07T21:00:00Z',
      '2026-03-08T21:00:00Z',
      '2026-03-09T21:00:00Z',
    ]);
  });

  it("Monday 01:00 IST is Sunday 19:30 UTC: the weekday is the zone's", () => {
    expect(next(cron('0 1 * * 1', 'India Standard Time'), '2026-09-01T00:00:00Z', 2)).toEqual([
      '2026-09-06T19:30:00Z',
      '2026-09-13T19:30:00Z',
    ]);
  });

  it('minute 30 of every hour IST is minute 0 of every hour UTC', () => {
    expect(next(cron('30 * * * *', 'Asia/Kolkata'), '2026-01-01T00:10:00Z', 2)).toEqual([
      '2026-01-01T01:00:00Z',
      '2026-01-01T02:00:00Z',
    ]);
  });

  it('recurrence 08:00 daily is 02:30Z', () => {
    const entry = recurrence({
      frequency: 'Day',
      interval: 1,
      timeZone: 'India Standard Time',
      startTime: '2026-03-01T00:00:00',
      schedule: { hours: [8], minutes: [0] },
    });
    expect(next(entry, '2026-03-28T00:00:00Z', 3)).toEqual([
      '2026-03-28T02:30:00Z',
      '2026-03-29T02:30:00Z',
      '2026-03-30T02:30:00Z',
    ]);
  });

  it('recurrence on the 1st at 00:00 IST is the last day of the previous month at 18:30Z', () => {
    const entry = recurrence({
      frequency: 'Month',
      interval: 1,
      timeZone: 'Asia/Kolkata',
      startTime: '2026-01-01T00:00:00',
      schedule: { hours: [0], minutes: [0], monthDays: [1] },
    });
    expect(next(entry, '2026-01-15T00:00:00Z', 3)).toEqual([
      '2026-01-31T18:30:00Z',
      '2026-02-28T18:30:00Z',
      '2026-03-31T18:30:00Z',
    ]);
  });
});

describe('Asia/Kathmandu ("Nepal Standard Time"), +05:45', () => {
  it('09:00 daily is 03:15Z', () => {
    expect(next(cron('0 9 * * *', 'Nepal Standard Time'), '2026-11-01T00:00:00Z', 2)).toEqual([
      '2026-11-01T03:15:00Z',
      '2026-11-02T03:15:00Z',
    ]);
  });

  it("midnight is 18:15Z the day before, through Europe's 2026-03-29 change", () => {
    expect(next(cron('0 0 * * *', 'Asia/Kathmandu'), '2026-03-28T00:00:00Z', 3)).toEqual([
      '2026-03-28T18:15:00Z',
      '2026-03-29T18:15:00Z',
      '2026-03-30T18:15:00Z',
    ]);
  });

  it('`*/20 * * * *` is on the wall clock: :00, :20, :40 local are :15, :35, :55 UTC', () => {
    expect(next(cron('*/20 * * * *', 'Asia/Kathmandu'), '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-01T00:15:00Z',
      '2026-01-01T00:35:00Z',
      '2026-01-01T00:55:00Z',
    ]);
  });

  it('recurrence every hour from a wall-clock start is elapsed time at :15 UTC', () => {
    const entry = recurrence({
      frequency: 'Hour',
      interval: 1,
      timeZone: 'Nepal Standard Time',
      startTime: '2026-01-01T00:00:00',
    });
    expect(next(entry, '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-01T00:15:00Z',
      '2026-01-01T01:15:00Z',
      '2026-01-01T02:15:00Z',
    ]);
  });
});

describe('UTC', () => {
  it('"UTC" is UTC, on any day', () => {
    expect(next(cron('0 9 * * *', 'UTC'), '2026-03-28T00:00:00Z', 3)).toEqual([
      '2026-03-28T09:00:00Z',
      '2026-03-29T09:00:00Z',
      '2026-03-30T09:00:00Z',
    ]);
  });
});
