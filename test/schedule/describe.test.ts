// describe(entry): a human sentence. The issue documents one sentence exactly; the others are checked loosely
// (the time and the zone appear), so that wording can evolve.
import { describe as group, expect, it } from 'vitest';
import { describe } from '../../src/schedule/index.js';
import { cron, recurrence } from './helpers.js';

group('describe', () => {
  it('the documented example: `0 18 * * 1-5` in "Pacific Standard Time"', () => {
    expect(describe(cron('0 18 * * 1-5', 'Pacific Standard Time', {}, 'Stop'))).toBe(
      'At 18:00, Monday to Friday, Pacific time (UTC\u221208:00/\u221207:00)',
    );
  });

  it('uses the minus sign U+2212, not a hyphen, in offsets', () => {
    const sentence = describe(cron('0 18 * * 1-5', 'Pacific Standard Time'));
    expect(sentence).toContain('\u2212');
    expect(sentence).not.toMatch(/UTC-/);
  });

  it('a Berlin weekly recurrence mentions 08:00, the days and the zone', () => {
    const sentence = describe(
      recurrence({
        frequency: 'Week',
        interval: 1,
        timeZone: 'W. Europe Standard Time',
        schedule: { hours: [8], minutes: [0], weekDays: ['Monday', 'Friday'] },
      }),
    );
    expect(sentence).toContain('08:00');
    expect(sentence).toContain('Monday');
    expect(sentence).toContain('Friday');
    expect(sentence).toMatch(/Berlin|Europe|CET|UTC\+01:00/);
  });

  it('Kathmandu shows its +05:45 offset', () => {
    const sentence = describe(cron('30 9 * * *', 'Asia/Kathmandu'));
    expect(sentence).toContain('09:30');
    expect(sentence).toContain('+05:45');
  });

  it('Lord Howe shows both of its offsets, 30 minutes apart', () => {
    const sentence = describe(cron('0 7 * * *', 'Australia/Lord_Howe'));
    expect(sentence).toContain('07:00');
    expect(sentence).toContain('+10:30');
    expect(sentence).toContain('+11:00');
  });

  it('every sentence is one non-empty line', () => {
    for (const entry of [
      cron('*/15 * * * *', 'UTC'),
      cron('0 9 * * FRI#2', 'India Standard Time'),
      cron('0 0 L * *', 'Pacific/Chatham'),
      recurrence({ frequency: 'Minute', interval: 15, startTime: '2026-09-07T14:00:00Z' }),
      recurrence({
        frequency: 'Month',
        interval: 1,
        timeZone: 'Pacific Standard Time',
        schedule: { hours: [6], minutes: [0], monthDays: [1, -1] },
      }),
    ]) {
      const sentence = describe(entry);
      expect(sentence.trim().length).toBeGreaterThan(0);
      expect(sentence).not.toContain('\n');
    }
  });
});
