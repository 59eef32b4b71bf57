// The day-of-month / day-of-week rule (crontab(5)): when both fields are restricted (neither starts with `*`) a
// day matches if either matches; when either starts with `*`, both must match. 2026-01-01 is a Thursday.
import { describe, expect, it } from 'vitest';
import { cron, next } from './helpers.js';

const utc = (expression: string) => cron(expression, 'UTC');

describe('both day fields restricted: either matches', () => {
  it('`0 0 1,15 * 1` fires on the 1st, the 15th and every Monday', () => {
    expect(next(utc('0 0 1,15 * 1'), '2026-01-01T00:00:00Z', 7)).toEqual([
      '2026-01-05T00:00:00Z', // Monday
      '2026-01-12T00:00:00Z', // Monday
      '2026-01-15T00:00:00Z', // the 15th (a Thursday)
      '2026-01-19T00:00:00Z',
      '2026-01-26T00:00:00Z',
      '2026-02-01T00:00:00Z', // the 1st (a Sunday)
      '2026-02-02T00:00:00Z',
    ]);
  });

  it('`0 0 13 * FRI` fires on every 13th and every Friday, once on Friday the 13th', () => {
    expect(next(utc('0 0 13 * FRI'), '2026-02-01T00:00:00Z', 11)).toEqual([
      '2026-02-06T00:00:00Z',
      '2026-02-13T00:00:00Z', // Friday the 13th: one occurrence
      '2026-02-20T00:00:00Z',
      '2026-02-27T00:00:00Z',
      '2026-03-06T00:00:00Z',
      '2026-03-13T00:00:00Z',
      '2026-03-20T00:00:00Z',
      '2026-03-27T00:00:00Z',
      '2026-04-03T00:00:00Z',
      '2026-04-10T00:00:00Z',
      '2026-04-13T00:00:00Z', // the 13th (a Monday)
    ]);
  });

  it('`0 0 1-7 * 1` is the first seven days OR any Monday (not "the first Monday")', () => {
    expect(next(utc('0 0 1-7 * 1'), '2026-01-01T00:00:00Z', 10)).toEqual([
      '2026-01-02T00:00:00Z',
      '2026-01-03T00:00:00Z',
      '2026-01-04T00:00:00Z',
      '2026-01-05T00:00:00Z',
      '2026-01-06T00:00:00Z',
      '2026-01-07T00:00:00Z',
      '2026-01-12T00:00:00Z',
      '2026-01-19T00:00:00Z',
      '2026-01-26T00:00:00Z',
      '2026-02-01T00:00:00Z',
    ]);
  });

  it('`0 0 1-31 * 1` fires every day: a full range is restricted, it does not start with `*`', () => {
    expect(next(utc('0 0 1-31 * 1'), '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-02T00:00:00Z',
      '2026-01-03T00:00:00Z',
      '2026-01-04T00:00:00Z',
    ]);
  });

  it('`0 0 1,15 * 1-7` fires every day for the same reason', () => {
    expect(next(utc('0 0 1,15 * 1-7'), '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-02T00:00:00Z',
      '2026-01-03T00:00:00Z',
      '2026-01-04T00:00:00Z',
    ]);
  });

  it('`0 0 30 2 1` is a valid schedule: 30 February never comes, but Mondays in February do', () => {
    expect(next(utc('0 0 30 2 1'), '2026-01-01T00:00:00Z', 5)).toEqual([
      '2026-02-02T00:00:00Z',
      '2026-02-09T00:00:00Z',
      '2026-02-16T00:00:00Z',
      '2026-02-23T00:00:00Z',
      '2027-02-01T00:00:00Z',
    ]);
  });

  it('the month field still restricts both: `0 0 1,15 2 1` is February only', () => {
    expect(next(utc('0 0 1,15 2 1'), '2026-01-01T00:00:00Z', 6)).toEqual([
      '2026-02-01T00:00:00Z',
      '2026-02-02T00:00:00Z',
      '2026-02-09T00:00:00Z',
      '2026-02-15T00:00:00Z',
      '2026-02-16T00:00:00Z',
      '2026-02-23T00:00:00Z',
    ]);
  });
});

describe('a day field starting with `*`: both must match', () => {
  it('`0 0 */2 * 1` fires on Mondays that fall on an odd day of the month', () => {
    expect(next(utc('0 0 */2 * 1'), '2026-01-01T00:00:00Z', 5)).toEqual([
      '2026-01-05T00:00:00Z',
      '2026-01-19T00:00:00Z',
      '2026-02-09T00:00:00Z',
      '2026-02-23T00:00:00Z',
      '2026-03-09T00:00:00Z',
    ]);
  });

  it('`0 0 */1 * 1` is Mondays only, while `0 0 1-31 * 1` (restricted) is every day', () => {
    expect(next(utc('0 0 */1 * 1'), '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-05T00:00:00Z',
      '2026-01-12T00:00:00Z',
      '2026-01-19T00:00:00Z',
    ]);
  });

  it('`0 0 1,15 * */1` is the 1st and the 15th only', () => {
    expect(next(utc('0 0 1,15 * */1'), '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-15T00:00:00Z',
      '2026-02-01T00:00:00Z',
      '2026-02-15T00:00:00Z',
    ]);
  });

  it('`0 0 1,15 * *` is the 1st and the 15th; `0 0 * * 1` is Mondays', () => {
    expect(next(utc('0 0 1,15 * *'), '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-15T00:00:00Z',
      '2026-02-01T00:00:00Z',
      '2026-02-15T00:00:00Z',
    ]);
    expect(next(utc('0 0 * * 1'), '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-05T00:00:00Z',
      '2026-01-12T00:00:00Z',
      '2026-01-19T00:00:00Z',
    ]);
  });

  it('`0 0 1-7 * */7`: `*/7` (Sunday) starts with `*`, so this is the first Sunday of each month', () => {
    expect(next(utc('0 0 1-7 * */7'), '2026-01-01T00:00:00Z', 5)).toEqual([
      '2026-01-04T00:00:00Z',
      '2026-02-01T00:00:00Z',
      '2026-03-01T00:00:00Z',
      '2026-04-05T00:00:00Z',
      '2026-05-03T00:00:00Z',
    ]);
  });

  it('`FRI#2` with `*` day-of-month is only the second Friday', () => {
    expect(next(utc('0 0 * * FRI#2'), '2026-01-01T00:00:00Z', 2)).toEqual([
      '2026-01-09T00:00:00Z',
      '2026-02-13T00:00:00Z',
    ]);
  });
});
