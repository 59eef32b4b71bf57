// desiredStateAt and timeline: the state a target should be in, from the latest occurrence of its entries.
// Start 08:00 and Stop 18:00 Pacific, Monday to Friday. January 2026 is PST (UTC−8); 2026-01-05 is a Monday.
import { describe, expect, it } from 'vitest';
import { desiredStateAt, timeline } from '../../src/schedule/index.js';
import type { ScheduleEntry } from '../../src/schedule/types.js';
import { at, cron, iso, recurrence } from './helpers.js';

const start = cron('0 8 * * 1-5', 'Pacific Standard Time', {}, 'Start');
const stop = cron('0 18 * * 1-5', 'Pacific Standard Time', {}, 'Stop');
const office: ScheduleEntry[] = [start, stop];

describe('desiredStateAt', () => {
  it('Wednesday noon Pacific: Running', () => {
    expect(desiredStateAt(office, at('2026-01-07T20:00:00Z'))).toBe('Running');
  });

  it('Wednesday 19:00 Pacific: Stopped', () => {
    expect(desiredStateAt(office, at('2026-01-08T03:00:00Z'))).toBe('Stopped');
  });

  it("Saturday noon Pacific: Stopped (Friday's stop is the latest occurrence)", () => {
    expect(desiredStateAt(office, at('2026-01-10T20:00:00Z'))).toBe('Stopped');
  });

  it('Monday 07:59 Pacific: still Stopped', () => {
    expect(desiredStateAt(office, at('2026-01-12T15:59:00Z'))).toBe('Stopped');
  });

  it('daylight saving is honoured: Monday 2026-03-09 15:30Z is 08:30 PDT, so Running', () => {
    expect(desiredStateAt(office, at('2026-03-09T15:30:00Z'))).toBe('Running');
  });

  it('a disabled Stop is ignored: Wednesday 19:00 Pacific stays Running', () => {
    const disabledStop: ScheduleEntry = { ...stop, status: 'Disabled' };
    expect(desiredStateAt([start, disabledStop], at('2026-01-08T03:00:00Z'))).toBe('Running');
  });

  it('before any occurrence there is no desired state', () => {
    const later: ScheduleEntry[] = [
      cron('0 8 * * 1-5', 'Pacific Standard Time', { startTime: '2026-06-01T00:00:00' }, 'Start'),
      cron('0 18 * * 1-5', 'Pacific Standard Time', { startTime: '2026-06-01T00:00:00' }, 'Stop'),
    ];
    expect(desiredStateAt(later, at('2026-05-15T12:00:00Z'))).toBeUndefined();
  });

  it('mixes cron and recurrence entries', () => {
    const entries: ScheduleEntry[] = [
      recurrence({
        frequency: 'Week',
        interval: 1,
        timeZone: 'Pacific Standard Time',
        startTime: '2026-01-01T00:00:00',
        schedule: {
          hours: [8],
          minutes: [0],
          weekDays: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'],
        },
      }),
      stop,
    ];
    expect(desiredStateAt(entries, at('2026-01-07T20:00:00Z'))).toBe('Running');
    expect(desiredStateAt(entries, at('2026-01-08T03:00:00Z'))).toBe('Stopped');
  });
});

describe('timeline', () => {
  it('a working week: starts at 16:00Z, stops at 02:00Z the next day, each with the state it leaves', () => {
    const points = timeline(office, at('2026-01-05T00:00:00Z'), at('2026-01-10T00:00:00Z')).map((p) => ({
      at: iso(p.at),
      entryIndex: p.entryIndex,
      action: p.action,
      desiredState: p.desiredState,
    }));
    expect(points).toEqual([
      { at: '2026-01-05T16:00:00Z', entryIndex: 0, action: 'Start', desiredState: 'Running' },
      { at: '2026-01-06T02:00:00Z', entryIndex: 1, action: 'Stop', desiredState: 'Stopped' },
      { at: '2026-01-06T16:00:00Z', entryIndex: 0, action: 'Start', desiredState: 'Running' },
      { at: '2026-01-07T02:00:00Z', entryIndex: 1, action: 'Stop', desiredState: 'Stopped' },
      { at: '2026-01-07T16:00:00Z', entryIndex: 0, action: 'Start', desiredState: 'Running' },
      { at: '2026-01-08T02:00:00Z', entryIndex: 1, action: 'Stop', desiredState: 'Stopped' },
      { at: '2026-01-08T16:00:00Z', entryIndex: 0, action: 'Start', desiredState: 'Running' },
      { at: '2026-01-09T02:00:00Z', entryIndex: 1, action: 'Stop', desiredState: 'Stopped' },
      { at: '2026-01-09T16:00:00Z', entryIndex: 0, action: 'Start', desiredState: 'Running' },
    ]);
  });

  it('a disabled entry does not appear in the timeline', () => {
    const disabledStop: ScheduleEntry = { ...stop, status: 'Disabled' };
    const points = timeline([start, disabledStop], at('2026-01-05T00:00:00Z'), at('2026-01-10T00:00:00Z'));
    expect(points.map((p) => p.entryIndex)).toEqual([0, 0, 0, 0, 0]);
  });

  it('the week of the spring-forward change keeps local times: Monday 2026-03-09 starts at 15:00Z', () => {
    const points = timeline(office, at('2026-03-06T12:00:00Z'), at('2026-03-10T00:00:00Z')).map((p) =>
      iso(p.at),
    );
    expect(points).toEqual([
      '2026-03-06T16:00:00Z', // Friday 08:00 PST
      '2026-03-07T02:00:00Z', // Friday 18:00 PST
      '2026-03-09T15:00:00Z', // Monday 08:00 PDT
    ]);
  });
});
