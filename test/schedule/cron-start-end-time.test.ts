// Cron `startTime` and `endTime`: wall times in the entry's zone (or instants when they end in Z or carry an
// offset); no occurrence outside them. The entry is the example of docs/schedules.md: 18:00 Pacific, Monday to
// Friday.
// January 2026 is PST (UTC−8): 18:00 PST is 02:00 UTC the next day. 2026-01-05 is a Monday.
import { describe, expect, it } from 'vitest';
import { cron, next } from './helpers.js';

describe('cron startTime / endTime', () => {
  it('startTime (Pacific wall time) drops the Friday before it: first run Monday 2026-01-05 18:00 PST', () => {
    const entry = cron('0 18 * * 1-5', 'Pacific Standard Time', { startTime: '2026-01-05T00:00:00' });
    expect(next(entry, '2025-12-31T00:00:00Z', 3)).toEqual([
      '2026-01-06T02:00:00Z',
      '2026-01-07T02:00:00Z',
      '2026-01-08T02:00:00Z',
    ]);
  });

  it('endTime (Pacific wall time) stops the series: nothing after Wednesday 2026-01-07 12:00 PST', () => {
    const entry = cron('0 18 * * 1-5', 'Pacific Standard Time', {
      startTime: '2026-01-05T00:00:00',
      endTime: '2026-01-07T12:00:00',
    });
    expect(next(entry, '2025-12-31T00:00:00Z', 5)).toEqual(['2026-01-06T02:00:00Z', '2026-01-07T02:00:00Z']);
  });

  it("startTime is read on the zone's wall clock, not as UTC", () => {
    // 2026-01-05T19:00:00 Pacific is 2026-01-06T03:00Z, after Monday's 18:00 PST run (02:00Z): Tuesday is first.
    // Read as UTC it would be 2026-01-05T19:00Z, and Monday's run would be kept.
    const entry = cron('0 18 * * 1-5', 'Pacific Standard Time', { startTime: '2026-01-05T19:00:00' });
    expect(next(entry, '2025-12-31T00:00:00Z', 2)).toEqual(['2026-01-07T02:00:00Z', '2026-01-08T02:00:00Z']);
  });

  it('a startTime ending in Z is an instant', () => {
    const entry = cron('0 18 * * 1-5', 'Pacific Standard Time', { startTime: '2026-01-06T03:00:00Z' });
    expect(next(entry, '2025-12-31T00:00:00Z', 2)).toEqual(['2026-01-07T02:00:00Z', '2026-01-08T02:00:00Z']);
  });

  it('a startTime with an offset is an instant', () => {
    const entry = cron('0 18 * * 1-5', 'Pacific Standard Time', { startTime: '2026-01-05T19:00:00-08:00' });
    expect(next(entry, '2025-12-31T00:00:00Z', 2)).toEqual(['2026-01-07T02:00:00Z', '2026-01-08T02:00:00Z']);
  });

  it('asking after the endTime yields nothing at all', () => {
    const entry = cron('0 18 * * 1-5', 'Pacific Standard Time', {
      startTime: '2026-01-05T00:00:00',
      endTime: '2026-01-07T12:00:00',
    });
    expect(next(entry, '2026-02-01T00:00:00Z', 3)).toEqual([]);
  });
});
