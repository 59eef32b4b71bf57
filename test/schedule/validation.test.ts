// Bad input gets a precise error naming the field (an RFC 6901 pointer relative to the document) and the reason.
import { describe, expect, it } from 'vitest';
import { findConflict, ScheduleValidationError, validateSchedules } from '../../src/schedule/index.js';
import { at, cron, problems, recurrence } from './helpers.js';

const NOW = at('2026-01-01T00:00:00Z');
const doc = (...entries: unknown[]) => ({ computeStartStop: entries });
const validate = (document: unknown, options: { maxEntries?: number } = {}) =>
  validateSchedules(document, { now: NOW, ...options });
const pointersOf = (fn: () => unknown) => problems(fn).map((p) => p.pointer);

describe('a valid document', () => {
  it('the example document of docs/schedules.md is accepted and returned with both entries', () => {
    const document = doc(
      {
        triggerType: 'Cron',
        action: 'Stop',
        status: 'Enabled',
        cron: {
          expression: '0 18 * * 1-5',
          timeZone: 'Pacific Standard Time',
          startTime: '2026-01-05T00:00:00',
        },
      },
      {
        triggerType: 'Recurrence',
        action: 'Start',
        status: 'Enabled',
        recurrence: {
          frequency: 'Week',
          interval: 1,
          timeZone: 'W. Europe Standard Time',
          schedule: { hours: [8], minutes: [0], weekDays: ['Monday', 'Friday'] },
        },
      },
    );
    expect(validate(document).computeStartStop).toHaveLength(2);
  });

  it('four entries (the limit) are accepted', () => {
    const four = doc(
      cron('0 8 * * 1', 'UTC'),
      cron('0 8 * * 2', 'UTC'),
      cron('0 18 * * 1', 'UTC', {}, 'Stop'),
      cron('0 18 * * 2', 'UTC', {}, 'Stop'),
    );
    expect(validate(four).computeStartStop).toHaveLength(4);
  });

  it('the interval limits themselves are accepted (Month 16, Week 71, Day 500, Hour 12000, Minute 72000)', () => {
    for (const [frequency, interval] of [
      ['Month', 16],
      ['Week', 71],
      ['Day', 500],
      ['Hour', 12000],
      ['Minute', 72000],
    ] as const) {
      const entry = recurrence({ frequency, interval, startTime: '2026-01-01T00:00:00Z' });
      expect(() => validate(doc(entry)), `${frequency} ${interval}`).not.toThrow();
    }
  });
});

describe('cron expressions', () => {
  it('`61 * * * *`: minute out of range, pointer to the expression, reason names the minute field', () => {
    const found = problems(() => validate(doc(cron('61 * * * *', 'UTC'))));
    expect(found.map((p) => p.pointer)).toEqual(['/computeStartStop/0/cron/expression']);
    expect(found[0]?.reason).toMatch(/minute/i);
    expect(found[0]?.reason).toContain('61');
  });

  it.each([
    ['0 24 * * *', /hour/i],
    ['0 0 32 * *', /day/i],
    ['0 0 0 * *', /day/i],
    ['0 0 * 13 *', /month/i],
    ['0 0 * * 8', /week/i],
    ['0 0 * * * *', /field|5|five/i],
    ['0 0 * *', /field|5|five/i],
    ['*/0 * * * *', /step|minute/i],
    ['30-10 * * * *', /range|minute/i],
    ['0 0 * FOO *', /month|FOO/i],
    ['', /./],
  ])('`%s` is refused at /computeStartStop/0/cron/expression', (expression, reason) => {
    const found = problems(() => validate(doc(cron(expression, 'UTC'))));
    expect(found.map((p) => p.pointer)).toContain('/computeStartStop/0/cron/expression');
    expect(found.find((p) => p.pointer === '/computeStartStop/0/cron/expression')?.reason).toMatch(reason);
  });

  it('`0 0 30 2 *` can never fire and is refused, naming the expression', () => {
    const found = problems(() => validate(doc(cron('0 0 30 2 *', 'UTC'))));
    expect(found.map((p) => p.pointer)).toEqual(['/computeStartStop/0/cron/expression']);
    expect(found[0]?.reason).toMatch(/never/i);
  });

  it('an entry that has ended is accepted: a schedule saved back after its one-off entry fired', () => {
    // Fired at 2025-11-27T14:30Z, a month before NOW; its endTime has passed since.
    const ended = cron('30 14 27 11 *', 'UTC', { endTime: '2025-11-28T14:30:00Z' }, 'Stop');
    expect(() => validate(doc(cron('0 8 * * 1-5', 'UTC'), ended))).not.toThrow();
  });

  it('a startTime–endTime window no occurrence falls in is refused at its endTime', () => {
    const never = cron('0 8 15 * *', 'UTC', {
      startTime: '2026-03-01T00:00:00',
      endTime: '2026-03-02T00:00:00',
    });
    const found = problems(() => validate(doc(never)));
    expect(found.map((p) => p.pointer)).toEqual(['/computeStartStop/0/cron/endTime']);
    expect(found[0]?.reason).toMatch(/never fire/);
  });

  it('`0 0 31 4,6,9,11 *` can never fire either', () => {
    expect(pointersOf(() => validate(doc(cron('0 0 31 4,6,9,11 *', 'UTC'))))).toEqual([
      '/computeStartStop/0/cron/expression',
    ]);
  });

  it("the pointer follows the entry's index", () => {
    const document = doc(
      cron('0 8 * * *', 'UTC'),
      cron('0 18 * * *', 'UTC', {}, 'Stop'),
      cron('61 * * * *', 'UTC'),
    );
    expect(pointersOf(() => validate(document))).toEqual(['/computeStartStop/2/cron/expression']);
  });
});

describe('time zones', () => {
  it('an unknown zone names the field and suggests close matches', () => {
    const found = problems(() => validate(doc(cron('0 8 * * *', 'Pacific Standard Tme'))));
    expect(found.map((p) => p.pointer)).toEqual(['/computeStartStop/0/cron/timeZone']);
    expect(found[0]?.reason).toContain('Pacific Standard Time');
  });

  it('an unknown zone in a recurrence names recurrence/timeZone', () => {
    const entry = recurrence({
      frequency: 'Day',
      interval: 1,
      timeZone: 'Europe/Berln',
      schedule: { hours: [8], minutes: [0] },
    });
    const found = problems(() => validate(doc(entry)));
    expect(found.map((p) => p.pointer)).toEqual(['/computeStartStop/0/recurrence/timeZone']);
    expect(found[0]?.reason).toContain('Europe/Berlin');
  });
});

describe('recurrence fields', () => {
  it.each([
    ['Month', 17, '16'],
    ['Week', 72, '71'],
    ['Day', 501, '500'],
    ['Hour', 12001, '12000'],
    ['Minute', 72001, '72000'],
    ['Day', 0, '1'],
    ['Day', -1, '1'],
    ['Day', 1.5, '1'],
  ] as const)(
    '%s interval %d is out of range: pointer to interval, reason gives the limit %s',
    (frequency, interval, limit) => {
      const entry = recurrence({ frequency, interval, startTime: '2026-01-01T00:00:00Z' });
      const found = problems(() => validate(doc(entry)));
      expect(found.map((p) => p.pointer)).toEqual(['/computeStartStop/0/recurrence/interval']);
      expect(found[0]?.reason.replace(/[,\s_]/g, '')).toContain(limit);
    },
  );

  it('`Second` is refused, naming frequency, with a reason that says why', () => {
    const entry = {
      triggerType: 'Recurrence',
      action: 'Start',
      recurrence: { frequency: 'Second', interval: 30 },
    };
    const found = problems(() => validate(doc(entry)));
    expect(found.map((p) => p.pointer)).toEqual(['/computeStartStop/0/recurrence/frequency']);
    expect(found[0]?.reason).toContain('Second');
    expect(found[0]?.reason).toMatch(/minute/i);
  });

  it('an unknown frequency is refused, naming frequency', () => {
    const entry = {
      triggerType: 'Recurrence',
      action: 'Start',
      recurrence: { frequency: 'Fortnight', interval: 1 },
    };
    expect(pointersOf(() => validate(doc(entry)))).toEqual(['/computeStartStop/0/recurrence/frequency']);
  });

  it.each(['2026-13-01T00:00:00', '2026-02-30T08:00:00', 'tomorrow', '2026-01-05T25:00:00', ''])(
    'malformed recurrence startTime %j is refused, naming startTime',
    (startTime) => {
      const entry = recurrence({ frequency: 'Day', interval: 1, timeZone: 'UTC', startTime });
      expect(pointersOf(() => validate(doc(entry)))).toEqual(['/computeStartStop/0/recurrence/startTime']);
    },
  );

  it('a malformed cron startTime is refused, naming cron/startTime', () => {
    const entry = cron('0 8 * * *', 'UTC', { startTime: '2026-1-5' });
    expect(pointersOf(() => validate(doc(entry)))).toEqual(['/computeStartStop/0/cron/startTime']);
  });

  it('hours without minutes is refused, naming schedule/minutes', () => {
    const entry = {
      triggerType: 'Recurrence',
      action: 'Start',
      recurrence: { frequency: 'Day', interval: 1, schedule: { hours: [8] } },
    };
    expect(pointersOf(() => validate(doc(entry)))).toEqual([
      '/computeStartStop/0/recurrence/schedule/minutes',
    ]);
  });

  it('minutes without hours is refused, naming schedule/hours', () => {
    const entry = {
      triggerType: 'Recurrence',
      action: 'Start',
      recurrence: { frequency: 'Day', interval: 1, schedule: { minutes: [0] } },
    };
    expect(pointersOf(() => validate(doc(entry)))).toEqual(['/computeStartStop/0/recurrence/schedule/hours']);
  });

  it('hour 24 is refused, pointing into schedule/hours', () => {
    const entry = recurrence({ frequency: 'Day', interval: 1, schedule: { hours: [8, 24], minutes: [0] } });
    const pointers = pointersOf(() => validate(doc(entry)));
    expect(pointers).toHaveLength(1);
    expect(pointers[0]).toMatch(/^\/computeStartStop\/0\/recurrence\/schedule\/hours(\/1)?$/);
  });

  it('minute 60 is refused, pointing into schedule/minutes', () => {
    const entry = recurrence({ frequency: 'Day', interval: 1, schedule: { hours: [8], minutes: [60] } });
    const pointers = pointersOf(() => validate(doc(entry)));
    expect(pointers).toHaveLength(1);
    expect(pointers[0]).toMatch(/^\/computeStartStop\/0\/recurrence\/schedule\/minutes(\/0)?$/);
  });

  it.each([0, 32, -32])('monthDays %d is refused, pointing into schedule/monthDays', (day) => {
    const entry = recurrence({
      frequency: 'Month',
      interval: 1,
      schedule: { hours: [8], minutes: [0], monthDays: [day] },
    });
    const pointers = pointersOf(() => validate(doc(entry)));
    expect(pointers).toHaveLength(1);
    expect(pointers[0]).toMatch(/^\/computeStartStop\/0\/recurrence\/schedule\/monthDays(\/0)?$/);
  });

  it('an unknown week day is refused, pointing into schedule/weekDays', () => {
    const entry = {
      triggerType: 'Recurrence',
      action: 'Start',
      recurrence: {
        frequency: 'Week',
        interval: 1,
        schedule: { hours: [8], minutes: [0], weekDays: ['Funday'] },
      },
    };
    const pointers = pointersOf(() => validate(doc(entry)));
    expect(pointers).toHaveLength(1);
    expect(pointers[0]).toMatch(/^\/computeStartStop\/0\/recurrence\/schedule\/weekDays(\/0)?$/);
  });

  it('weekDays on a Day recurrence and monthDays on a Week recurrence are refused', () => {
    const day = recurrence({
      frequency: 'Day',
      interval: 1,
      schedule: { hours: [8], minutes: [0], weekDays: ['Monday'] },
    });
    const week = recurrence({
      frequency: 'Week',
      interval: 1,
      schedule: { hours: [8], minutes: [0], monthDays: [1] },
    });
    expect(pointersOf(() => validate(doc(day)))).toEqual([
      '/computeStartStop/0/recurrence/schedule/weekDays',
    ]);
    expect(pointersOf(() => validate(doc(week)))).toEqual([
      '/computeStartStop/0/recurrence/schedule/monthDays',
    ]);
  });
});

describe('entry shape', () => {
  it('an unknown field in cron is refused by name (`timezone` is not `timeZone`)', () => {
    const entry = {
      triggerType: 'Cron',
      action: 'Start',
      cron: { expression: '0 8 * * *', timezone: 'UTC' },
    };
    expect(pointersOf(() => validate(doc(entry)))).toEqual(['/computeStartStop/0/cron/timezone']);
  });

  it('an unknown field on the entry is refused by name', () => {
    const entry = { ...cron('0 8 * * *', 'UTC'), colour: 'blue' };
    expect(pointersOf(() => validate(doc(entry)))).toEqual(['/computeStartStop/0/colour']);
  });

  it('an unknown field in schedule is refused by name', () => {
    const entry = {
      triggerType: 'Recurrence',
      action: 'Start',
      recurrence: { frequency: 'Day', interval: 1, schedule: { hours: [8], minutes: [0], seconds: [0] } },
    };
    expect(pointersOf(() => validate(doc(entry)))).toEqual([
      '/computeStartStop/0/recurrence/schedule/seconds',
    ]);
  });

  it('an unknown top-level field is refused by name', () => {
    expect(pointersOf(() => validate({ computeStartStop: [cron('0 8 * * *', 'UTC')], extra: true }))).toEqual(
      ['/extra'],
    );
  });

  it('an unknown action is refused, naming action', () => {
    const entry = { ...cron('0 8 * * *', 'UTC'), action: 'Restart' };
    expect(pointersOf(() => validate(doc(entry)))).toEqual(['/computeStartStop/0/action']);
  });

  it('an unknown status is refused, naming status', () => {
    const entry = { ...cron('0 8 * * *', 'UTC'), status: 'Paused' };
    expect(pointersOf(() => validate(doc(entry)))).toEqual(['/computeStartStop/0/status']);
  });

  it('an unknown triggerType is refused, naming triggerType', () => {
    const entry = { triggerType: 'Timer', action: 'Start', cron: { expression: '0 8 * * *' } };
    expect(pointersOf(() => validate(doc(entry)))).toContain('/computeStartStop/0/triggerType');
  });

  it('a Cron entry without `cron` is refused, naming cron', () => {
    expect(pointersOf(() => validate(doc({ triggerType: 'Cron', action: 'Start' })))).toEqual([
      '/computeStartStop/0/cron',
    ]);
  });

  it('a missing computeStartStop is refused, naming it', () => {
    expect(pointersOf(() => validate({}))).toEqual(['/computeStartStop']);
  });

  it('a document that is not an object is refused', () => {
    expect(() => validate('0 8 * * *')).toThrow(ScheduleValidationError);
    expect(() => validate(null)).toThrow(ScheduleValidationError);
  });
});

describe('document limits', () => {
  it('five entries are refused (the limit is four), naming computeStartStop', () => {
    const five = doc(
      cron('0 8 * * 1', 'UTC'),
      cron('0 8 * * 2', 'UTC'),
      cron('0 8 * * 3', 'UTC'),
      cron('0 8 * * 4', 'UTC'),
      cron('0 8 * * 5', 'UTC'),
    );
    const found = problems(() => validate(five));
    expect(found).toHaveLength(1);
    expect(found[0]?.pointer).toMatch(/^\/computeStartStop(\/4)?$/);
    expect(found[0]?.reason).toContain('4');
  });

  it('the limit is configurable: maxEntries 2 refuses three entries', () => {
    const three = doc(cron('0 8 * * 1', 'UTC'), cron('0 8 * * 2', 'UTC'), cron('0 8 * * 3', 'UTC'));
    expect(() => validate(three, { maxEntries: 2 })).toThrow(ScheduleValidationError);
    expect(() => validate(three, { maxEntries: 3 })).not.toThrow();
  });
});

describe('a Start and a Stop on the same instant', () => {
  it('is refused; the error names both entries and the first clashing instant', () => {
    // Start Monday to Friday at 08:00 UTC, Stop on Fridays at 08:00 UTC: the first Friday after NOW is 2026-01-02.
    const document = doc(cron('0 8 * * 1-5', 'UTC'), cron('0 8 * * 5', 'UTC', {}, 'Stop'));
    const found = problems(() => validate(document));
    const text = found.map((p) => `${p.pointer} ${p.reason}`).join('\n');
    expect(text).toContain('/computeStartStop/0');
    expect(text).toContain('/computeStartStop/1');
    expect(text).toContain('2026-01-02T08:00');
  });

  it('findConflict gives the entry indexes and the first clashing instant', () => {
    const entries = [cron('0 8 * * 1-5', 'UTC'), cron('0 8 * * 5', 'UTC', {}, 'Stop')];
    expect(findConflict(entries, NOW, 365 * 86_400_000)).toEqual({
      first: 0,
      second: 1,
      at: at('2026-01-02T08:00:00Z'),
    });
  });

  it('a Cron Stop and a Recurrence Start clash too', () => {
    const entries = [
      recurrence({ frequency: 'Day', interval: 1, timeZone: 'UTC', schedule: { hours: [18], minutes: [0] } }),
      cron('0 18 * * *', 'UTC', {}, 'Stop'),
    ];
    expect(findConflict(entries, at('2026-01-01T12:00:00Z'), 365 * 86_400_000)).toEqual({
      first: 0,
      second: 1,
      at: at('2026-01-01T18:00:00Z'),
    });
  });

  it('zones are honoured: 09:00 Berlin and 08:00 UTC clash only when Berlin is on CET (from 2026-10-25)', () => {
    const entries = [cron('0 9 * * *', 'W. Europe Standard Time'), cron('0 8 * * *', 'UTC', {}, 'Stop')];
    const from = at('2026-04-01T00:00:00Z');
    expect(findConflict(entries, from, 90 * 86_400_000)).toBeUndefined();
    expect(findConflict(entries, from, 365 * 86_400_000)).toEqual({
      first: 0,
      second: 1,
      at: at('2026-10-25T08:00:00Z'),
    });
  });

  it('two Starts on the same instant are not a conflict', () => {
    const entries = [cron('0 8 * * 1-5', 'UTC'), cron('0 8 * * 5', 'UTC')];
    expect(findConflict(entries, NOW, 365 * 86_400_000)).toBeUndefined();
    expect(() => validate(doc(...entries))).not.toThrow();
  });

  it('a disabled entry never fires, so it cannot clash', () => {
    const stop = { ...cron('0 8 * * 5', 'UTC', {}, 'Stop'), status: 'Disabled' as const };
    const entries = [cron('0 8 * * 1-5', 'UTC'), stop];
    expect(findConflict(entries, NOW, 365 * 86_400_000)).toBeUndefined();
    expect(() => validate(doc(...entries))).not.toThrow();
  });

  it('a clash more than a year ahead is found at registration, and a shorter horizon can leave it out', () => {
    // Start on 2027-06-01 only (startTime/endTime), Stop every day at the same time: the clash is 17 months ahead.
    const start = cron('0 8 * * *', 'UTC', {
      startTime: '2027-06-01T00:00:00',
      endTime: '2027-06-01T23:59:00',
    });
    const stop = cron('0 8 * * *', 'UTC', {}, 'Stop');
    const found = problems(() => validate(doc(start, stop)));
    expect(found[0]?.reason).toContain('both fire at 2027-06-01T08:00:00Z');
    expect(findConflict([start, stop], NOW, 365 * 86_400_000)).toBeUndefined();
    expect(findConflict([start, stop], NOW, 600 * 86_400_000)).toEqual({
      first: 0,
      second: 1,
      at: at('2027-06-01T08:00:00Z'),
    });
  });
});
