// Dates are read strictly, wherever they come from: a day the month does not have is refused by name,
// never rolled over into the next month. Instants end at 9999-12-31T23:59:59Z, the last one the product's
// `YYYY-MM-DDTHH:MM:SSZ` format can print: input beyond it is refused, and no occurrence falls after it.
import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../src/schedule/index.js';
import { cron, next, problems, recurrence } from './helpers.js';
import { validateEntry } from '../../src/schedule/index.js';

describe('impossible dates', () => {
  it.each([
    [
      'cron startTime, wall time',
      cron('0 8 * * *', 'UTC', { startTime: '2026-02-30T00:00:00' }),
      '/cron/startTime',
    ],
    ['cron endTime, instant', cron('0 8 * * *', 'UTC', { endTime: '2026-02-30T00:00:00Z' }), '/cron/endTime'],
    [
      'recurrence startTime',
      recurrence({
        frequency: 'Day',
        interval: 1,
        timeZone: 'Europe/Berlin',
        startTime: '2026-02-30T00:00:00',
      }),
      '/recurrence/startTime',
    ],
  ])('%s on 2026-02-30 is refused, naming the field and why', (_name, entry, pointer) => {
    expect(problems(() => validateEntry(entry))).toEqual([
      { pointer, reason: expect.stringContaining('is not a date: 2026-02 has 28 days') as unknown },
    ]);
  });

  it('29 February is a date in a leap year only', () => {
    expect(parseInstant('2028-02-29T00:00:00Z')).toBe(1835395200000);
    expect(() => parseInstant('2100-02-29T00:00:00Z')).toThrow('is not a date: 2100-02 has 28 days');
  });

  it.each([
    ['2026-04-31T00:00:00Z', 'is not a date: 2026-04 has 30 days'],
    ['2026-13-01T00:00:00Z', 'has no month 13'],
    ['2026-03-01T24:00:00Z', 'is not a time of day'],
    ['2026-03-01T08:00:00+15:00', 'offsets run'],
    ['tomorrow', 'is not an ISO 8601 date-time such as 2026-01-05T08:00:00Z'],
  ])('parseInstant refuses %s', (text, reason) => {
    expect(() => parseInstant(text)).toThrow(reason);
  });

  it('parseInstant reads Z, offsets, fractions of a second, and a plain date-time as UTC', () => {
    expect(parseInstant('2026-03-29T01:30:00.250Z')).toBe(1774747800250);
    expect(parseInstant('2026-03-29T03:30:00.25+02:00')).toBe(1774747800250);
    expect(parseInstant('2026-03-29T01:30:00.250')).toBe(1774747800250);
  });
});

describe('the last instant, 9999-12-31T23:59:59Z', () => {
  it('is the last instant parseInstant accepts', () => {
    expect(parseInstant('9999-12-31T23:59:59Z')).toBe(253402300799000);
    expect(() => parseInstant('9999-12-31T23:00:00-05:00')).toThrow('is after 9999-12-31T23:59:59Z');
  });

  it('a startTime whose wall time is past it in its zone is refused', () => {
    const entry = cron('0 8 * * *', 'Pacific Standard Time', { startTime: '9999-12-31T20:00:00' });
    expect(problems(() => validateEntry(entry))).toEqual([
      {
        pointer: '/cron/startTime',
        reason: expect.stringContaining('is after 9999-12-31T23:59:59Z') as unknown,
      },
    ]);
  });

  it('a cron entry has no occurrence after it', () => {
    expect(next(cron('0 8 * * *', 'UTC'), '9999-12-30T00:00:00Z', 5)).toEqual([
      '9999-12-30T08:00:00Z',
      '9999-12-31T08:00:00Z',
    ]);
  });

  it('a recurrence has no occurrence after it', () => {
    const everyMinute = recurrence({ frequency: 'Minute', interval: 1, startTime: '9999-12-31T23:57:00Z' });
    expect(next(everyMinute, '9999-12-31T23:57:00Z', 5)).toEqual([
      '9999-12-31T23:58:00Z',
      '9999-12-31T23:59:00Z',
    ]);
  });
});
