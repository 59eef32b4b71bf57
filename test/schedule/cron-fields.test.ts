// Cron fields: minute hour day-of-month month day-of-week, with names, `*`, ranges, steps, lists, Sunday as 0 or 7,
// and the AWS-style extensions `L`, `FRI#2` and `5L`. All entries run on UTC so that only the fields are under test.
// 2026-01-01 is a Thursday.
import { describe, expect, it } from 'vitest';
import { cron, next } from './helpers.js';

const utc = (expression: string) => cron(expression, 'UTC');

describe('minute field', () => {
  it('`*` fires every minute, on whole minutes, strictly after `after`', () => {
    expect(next(utc('* * * * *'), '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-01T00:01:00Z',
      '2026-01-01T00:02:00Z',
      '2026-01-01T00:03:00Z',
    ]);
    expect(next(utc('* * * * *'), '2026-01-01T00:00:30Z', 2)).toEqual([
      '2026-01-01T00:01:00Z',
      '2026-01-01T00:02:00Z',
    ]);
  });

  it('`*/15` steps from 0', () => {
    expect(next(utc('*/15 * * * *'), '2026-01-01T00:07:00Z', 4)).toEqual([
      '2026-01-01T00:15:00Z',
      '2026-01-01T00:30:00Z',
      '2026-01-01T00:45:00Z',
      '2026-01-01T01:00:00Z',
    ]);
  });

  it('`5/15` steps from 5 to the end of the range', () => {
    expect(next(utc('5/15 * * * *'), '2026-01-01T00:00:00Z', 5)).toEqual([
      '2026-01-01T00:05:00Z',
      '2026-01-01T00:20:00Z',
      '2026-01-01T00:35:00Z',
      '2026-01-01T00:50:00Z',
      '2026-01-01T01:05:00Z',
    ]);
  });

  it('`10-40/10` steps inside a range, both ends included', () => {
    expect(next(utc('10-40/10 * * * *'), '2026-01-01T00:00:00Z', 5)).toEqual([
      '2026-01-01T00:10:00Z',
      '2026-01-01T00:20:00Z',
      '2026-01-01T00:30:00Z',
      '2026-01-01T00:40:00Z',
      '2026-01-01T01:10:00Z',
    ]);
  });

  it('a list mixing values, ranges and steps', () => {
    expect(next(utc('0,30-35/5,50 * * * *'), '2026-01-01T00:00:00Z', 5)).toEqual([
      '2026-01-01T00:30:00Z',
      '2026-01-01T00:35:00Z',
      '2026-01-01T00:50:00Z',
      '2026-01-01T01:00:00Z',
      '2026-01-01T01:30:00Z',
    ]);
  });

  it('the last minute of the hour, 59', () => {
    expect(next(utc('59 23 * * *'), '2026-01-01T00:00:00Z', 2)).toEqual([
      '2026-01-01T23:59:00Z',
      '2026-01-02T23:59:00Z',
    ]);
  });
});

describe('hour field', () => {
  it('a list of hours', () => {
    expect(next(utc('0 0,12 * * *'), '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-01T12:00:00Z',
      '2026-01-02T00:00:00Z',
      '2026-01-02T12:00:00Z',
    ]);
  });

  it('a stepped range of hours `9-17/4`', () => {
    expect(next(utc('0 9-17/4 * * *'), '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-01-01T09:00:00Z',
      '2026-01-01T13:00:00Z',
      '2026-01-01T17:00:00Z',
      '2026-01-02T09:00:00Z',
    ]);
  });

  it('minutes × hours', () => {
    expect(next(utc('15,45 8-9 * * *'), '2026-01-01T00:00:00Z', 5)).toEqual([
      '2026-01-01T08:15:00Z',
      '2026-01-01T08:45:00Z',
      '2026-01-01T09:15:00Z',
      '2026-01-01T09:45:00Z',
      '2026-01-02T08:15:00Z',
    ]);
  });
});

describe('month field', () => {
  it('month names in a list: JAN,JUL', () => {
    expect(next(utc('0 0 1 JAN,JUL *'), '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-07-01T00:00:00Z',
      '2027-01-01T00:00:00Z',
      '2027-07-01T00:00:00Z',
    ]);
  });

  it('a range of month names MAR-MAY', () => {
    expect(next(utc('0 0 1 MAR-MAY *'), '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-03-01T00:00:00Z',
      '2026-04-01T00:00:00Z',
      '2026-05-01T00:00:00Z',
      '2027-03-01T00:00:00Z',
    ]);
  });

  it('numeric months 1-3 and the year boundary', () => {
    expect(next(utc('0 0 1 1-3 *'), '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-02-01T00:00:00Z',
      '2026-03-01T00:00:00Z',
      '2027-01-01T00:00:00Z',
    ]);
  });

  it('29 February fires only in leap years', () => {
    expect(next(utc('0 0 29 2 *'), '2026-01-01T00:00:00Z', 2)).toEqual([
      '2028-02-29T00:00:00Z',
      '2032-02-29T00:00:00Z',
    ]);
  });

  it('the 31st fires only in months that have one', () => {
    expect(next(utc('0 0 31 * *'), '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-01-31T00:00:00Z',
      '2026-03-31T00:00:00Z',
      '2026-05-31T00:00:00Z',
      '2026-07-31T00:00:00Z',
    ]);
  });
});

describe('day-of-week field', () => {
  it('names in a range: MON-FRI (from Friday 2026-01-02 after 08:00)', () => {
    expect(next(utc('0 8 * * MON-FRI'), '2026-01-02T12:00:00Z', 6)).toEqual([
      '2026-01-05T08:00:00Z',
      '2026-01-06T08:00:00Z',
      '2026-01-07T08:00:00Z',
      '2026-01-08T08:00:00Z',
      '2026-01-09T08:00:00Z',
      '2026-01-12T08:00:00Z',
    ]);
  });

  it('names in a list: SAT,SUN', () => {
    expect(next(utc('0 8 * * SAT,SUN'), '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-01-03T08:00:00Z',
      '2026-01-04T08:00:00Z',
      '2026-01-10T08:00:00Z',
      '2026-01-11T08:00:00Z',
    ]);
  });

  it('Sunday is 0 and 7 alike', () => {
    const sundays = ['2026-01-04T12:00:00Z', '2026-01-11T12:00:00Z', '2026-01-18T12:00:00Z'];
    expect(next(utc('0 12 * * 0'), '2026-01-01T00:00:00Z', 3)).toEqual(sundays);
    expect(next(utc('0 12 * * 7'), '2026-01-01T00:00:00Z', 3)).toEqual(sundays);
    expect(next(utc('0 12 * * SUN'), '2026-01-01T00:00:00Z', 3)).toEqual(sundays);
  });

  it('a range ending at 7 includes Sunday: 5-7 is Friday, Saturday, Sunday', () => {
    expect(next(utc('0 12 * * 5-7'), '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-01-02T12:00:00Z',
      '2026-01-03T12:00:00Z',
      '2026-01-04T12:00:00Z',
      '2026-01-09T12:00:00Z',
    ]);
  });

  it('Saturday and Sunday as 6,7', () => {
    expect(next(utc('0 12 * * 6,7'), '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-03T12:00:00Z',
      '2026-01-04T12:00:00Z',
      '2026-01-10T12:00:00Z',
    ]);
  });
});

describe('extensions AWS users expect', () => {
  it('`L` in day-of-month is the last day of each month', () => {
    expect(next(utc('0 0 L * *'), '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-01-31T00:00:00Z',
      '2026-02-28T00:00:00Z',
      '2026-03-31T00:00:00Z',
      '2026-04-30T00:00:00Z',
    ]);
  });

  it('`L` in a leap February is the 29th', () => {
    expect(next(utc('0 0 L * *'), '2028-02-01T00:00:00Z', 2)).toEqual([
      '2028-02-29T00:00:00Z',
      '2028-03-31T00:00:00Z',
    ]);
  });

  it('`FRI#2` is the second Friday of each month', () => {
    const expected = [
      '2026-01-09T09:00:00Z',
      '2026-02-13T09:00:00Z',
      '2026-03-13T09:00:00Z',
      '2026-04-10T09:00:00Z',
    ];
    expect(next(utc('0 9 * * FRI#2'), '2026-01-01T00:00:00Z', 4)).toEqual(expected);
    expect(next(utc('0 9 * * 5#2'), '2026-01-01T00:00:00Z', 4)).toEqual(expected);
  });

  it('`MON#1` is the first Monday, even when the month starts on a Monday', () => {
    // June 2026 starts on a Monday.
    expect(next(utc('0 9 * * MON#1'), '2026-05-01T00:00:00Z', 3)).toEqual([
      '2026-05-04T09:00:00Z',
      '2026-06-01T09:00:00Z',
      '2026-07-06T09:00:00Z',
    ]);
  });

  it('`5L` is the last Friday of each month', () => {
    expect(next(utc('0 9 * * 5L'), '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-01-30T09:00:00Z',
      '2026-02-27T09:00:00Z',
      '2026-03-27T09:00:00Z',
      '2026-04-24T09:00:00Z',
    ]);
  });
});
