// Wildcard cron entries (the minute or the hour field starts with `*`) follow the wall clock: a wall time skipped
// by a spring-forward gap never fires, and a wall time repeated by a fall-back fires in both passes.
// Transition instants: see daylight-saving-cron-fixed-time.test.ts (verified with Intl, tzdata 2025c).
import { describe, expect, it } from 'vitest';
import { cron, next } from './helpers.js';

describe('America/Los_Angeles ("Pacific Standard Time")', () => {
  it('`30 * * * *` on 2026-03-08: 01:30 PST, then 03:30 PDT; the skipped 02:30 never fires', () => {
    expect(next(cron('30 * * * *', 'Pacific Standard Time'), '2026-03-08T09:00:00Z', 3)).toEqual([
      '2026-03-08T09:30:00Z', // 01:30 PST
      '2026-03-08T10:30:00Z', // 03:30 PDT
      '2026-03-08T11:30:00Z', // 04:30 PDT
    ]);
  });

  it('`*/15 2 * * *` has no run at all on 2026-03-08 (the whole 02:xx hour is skipped)', () => {
    expect(next(cron('*/15 2 * * *', 'America/Los_Angeles'), '2026-03-07T09:00:00Z', 5)).toEqual([
      '2026-03-07T10:00:00Z',
      '2026-03-07T10:15:00Z',
      '2026-03-07T10:30:00Z',
      '2026-03-07T10:45:00Z',
      '2026-03-09T09:00:00Z', // 02:00 PDT the next day
    ]);
  });

  it('`30 * * * *` on 2026-11-01: 01:30 fires in both passes (PDT, then PST)', () => {
    expect(next(cron('30 * * * *', 'Pacific Standard Time'), '2026-11-01T07:00:00Z', 4)).toEqual([
      '2026-11-01T07:30:00Z', // 00:30 PDT
      '2026-11-01T08:30:00Z', // 01:30 PDT
      '2026-11-01T09:30:00Z', // 01:30 PST
      '2026-11-01T10:30:00Z', // 02:30 PST
    ]);
  });

  it('`*/20 1 * * *` on 2026-11-01: the whole 01:xx hour runs twice', () => {
    expect(next(cron('*/20 1 * * *', 'America/Los_Angeles'), '2026-11-01T00:00:00Z', 7)).toEqual([
      '2026-11-01T08:00:00Z',
      '2026-11-01T08:20:00Z',
      '2026-11-01T08:40:00Z',
      '2026-11-01T09:00:00Z',
      '2026-11-01T09:20:00Z',
      '2026-11-01T09:40:00Z',
      '2026-11-02T09:00:00Z',
    ]);
  });
});

describe('Europe/Berlin ("W. Europe Standard Time")', () => {
  it('`0 */2 * * *` on 2026-03-29: 00:00 CET, then 04:00 CEST; 02:00 never fires', () => {
    expect(next(cron('0 */2 * * *', 'W. Europe Standard Time'), '2026-03-28T22:30:00Z', 3)).toEqual([
      '2026-03-28T23:00:00Z',
      '2026-03-29T02:00:00Z',
      '2026-03-29T04:00:00Z',
    ]);
  });

  it('`0 */2 * * *` on 2026-10-25: 02:00 fires twice (CEST, then CET)', () => {
    expect(next(cron('0 */2 * * *', 'Europe/Berlin'), '2026-10-24T21:00:00Z', 4)).toEqual([
      '2026-10-24T22:00:00Z', // 00:00 CEST
      '2026-10-25T00:00:00Z', // 02:00 CEST
      '2026-10-25T01:00:00Z', // 02:00 CET
      '2026-10-25T03:00:00Z', // 04:00 CET
    ]);
  });
});

describe('Australia/Sydney ("AUS Eastern Standard Time")', () => {
  it('`0 */2 * * *` on 2026-10-04: 00:00 AEST, then 04:00 AEDT; 02:00 never fires', () => {
    expect(next(cron('0 */2 * * *', 'AUS Eastern Standard Time'), '2026-10-03T13:00:00Z', 3)).toEqual([
      '2026-10-03T14:00:00Z',
      '2026-10-03T17:00:00Z',
      '2026-10-03T19:00:00Z',
    ]);
  });

  it('`0 */2 * * *` on 2026-04-05: 02:00 fires twice (AEDT, then AEST)', () => {
    expect(next(cron('0 */2 * * *', 'Australia/Sydney'), '2026-04-04T12:00:00Z', 4)).toEqual([
      '2026-04-04T13:00:00Z', // 00:00 AEDT
      '2026-04-04T15:00:00Z', // 02:00 AEDT
      '2026-04-04T16:00:00Z', // 02:00 AEST
      '2026-04-04T18:00:00Z', // 04:00 AEST
    ]);
  });
});

describe('America/Santiago ("Pacific SA Standard Time")', () => {
  it('`*/30 0 * * *` has no run on 2026-09-06 (00:00–00:59 is skipped)', () => {
    expect(next(cron('*/30 0 * * *', 'Pacific SA Standard Time'), '2026-09-05T00:00:00Z', 4)).toEqual([
      '2026-09-05T04:00:00Z',
      '2026-09-05T04:30:00Z',
      '2026-09-07T03:00:00Z',
      '2026-09-07T03:30:00Z',
    ]);
  });

  it('`*/30 23 * * *` runs twice on the evening of 2026-04-04 (−03, then −04)', () => {
    expect(next(cron('*/30 23 * * *', 'America/Santiago'), '2026-04-04T12:00:00Z', 5)).toEqual([
      '2026-04-05T02:00:00Z',
      '2026-04-05T02:30:00Z',
      '2026-04-05T03:00:00Z',
      '2026-04-05T03:30:00Z',
      '2026-04-06T03:00:00Z',
    ]);
  });
});

describe('Pacific/Auckland ("New Zealand Standard Time")', () => {
  it('`*/30 2 * * *` has no run on 2026-09-27', () => {
    expect(next(cron('*/30 2 * * *', 'New Zealand Standard Time'), '2026-09-25T12:00:00Z', 4)).toEqual([
      '2026-09-25T14:00:00Z',
      '2026-09-25T14:30:00Z',
      '2026-09-27T13:00:00Z',
      '2026-09-27T13:30:00Z',
    ]);
  });

  it('`*/30 2 * * *` runs twice on 2026-04-05', () => {
    expect(next(cron('*/30 2 * * *', 'Pacific/Auckland'), '2026-04-04T00:00:00Z', 5)).toEqual([
      '2026-04-04T13:00:00Z',
      '2026-04-04T13:30:00Z',
      '2026-04-04T14:00:00Z',
      '2026-04-04T14:30:00Z',
      '2026-04-05T14:00:00Z',
    ]);
  });
});

describe('Australia/Lord_Howe ("Lord Howe Standard Time"): a 30-minute shift', () => {
  it('`10 * * * *` on 2026-10-04: 01:10 (+10:30), then 03:10 (+11); 02:10 is in the gap', () => {
    expect(next(cron('10 * * * *', 'Lord Howe Standard Time'), '2026-10-03T14:00:00Z', 3)).toEqual([
      '2026-10-03T14:40:00Z',
      '2026-10-03T16:10:00Z',
      '2026-10-03T17:10:00Z',
    ]);
  });

  it('`40 * * * *` on 2026-10-04: 02:40 exists (the gap is 02:00–02:29), so 01:40 and 02:40 are 30 minutes apart', () => {
    expect(next(cron('40 * * * *', 'Australia/Lord_Howe'), '2026-10-03T15:00:00Z', 3)).toEqual([
      '2026-10-03T15:10:00Z', // 01:40 +10:30
      '2026-10-03T15:40:00Z', // 02:40 +11
      '2026-10-03T16:40:00Z', // 03:40 +11
    ]);
  });

  it('`45 * * * *` on 2026-04-05: 01:45 fires twice, 30 minutes apart', () => {
    expect(next(cron('45 * * * *', 'Australia/Lord_Howe'), '2026-04-04T13:00:00Z', 4)).toEqual([
      '2026-04-04T13:45:00Z', // 00:45 +11
      '2026-04-04T14:45:00Z', // 01:45 +11
      '2026-04-04T15:15:00Z', // 01:45 +10:30
      '2026-04-04T16:15:00Z', // 02:45 +10:30
    ]);
  });

  it('`15 * * * *` on 2026-04-05: 01:15 is not repeated and fires once', () => {
    expect(next(cron('15 * * * *', 'Australia/Lord_Howe'), '2026-04-04T14:00:00Z', 3)).toEqual([
      '2026-04-04T14:15:00Z', // 01:15 +11
      '2026-04-04T15:45:00Z', // 02:15 +10:30
      '2026-04-04T16:45:00Z',
    ]);
  });
});

describe('Pacific/Chatham ("Chatham Islands Standard Time")', () => {
  it('`*/30 2-4 * * *` on 2026-09-27: 03:00 and 03:30 are in the gap (02:45–03:44) and never fire', () => {
    expect(next(cron('*/30 2-4 * * *', 'Chatham Islands Standard Time'), '2026-09-26T13:00:00Z', 5)).toEqual([
      '2026-09-26T13:15:00Z', // 02:00 +12:45
      '2026-09-26T13:45:00Z', // 02:30 +12:45
      '2026-09-26T14:15:00Z', // 04:00 +13:45
      '2026-09-26T14:45:00Z', // 04:30 +13:45
      '2026-09-27T12:15:00Z', // 09-28 02:00 +13:45
    ]);
  });

  it('`*/30 2-3 * * *` on 2026-04-05: 03:00 and 03:30 run twice, 02:00 and 02:30 once', () => {
    expect(next(cron('*/30 2-3 * * *', 'Pacific/Chatham'), '2026-04-04T12:00:00Z', 7)).toEqual([
      '2026-04-04T12:15:00Z', // 02:00 +13:45
      '2026-04-04T12:45:00Z', // 02:30 +13:45
      '2026-04-04T13:15:00Z', // 03:00 +13:45
      '2026-04-04T13:45:00Z', // 03:30 +13:45
      '2026-04-04T14:15:00Z', // 03:00 +12:45
      '2026-04-04T14:45:00Z', // 03:30 +12:45
      '2026-04-05T13:15:00Z', // 04-06 02:00 +12:45
    ]);
  });
});

describe('Africa/Casablanca ("Morocco Standard Time")', () => {
  it('`*/30 2 * * *` runs twice on 2026-02-15 (+01, then +00)', () => {
    expect(next(cron('*/30 2 * * *', 'Morocco Standard Time'), '2026-02-15T00:00:00Z', 5)).toEqual([
      '2026-02-15T01:00:00Z',
      '2026-02-15T01:30:00Z',
      '2026-02-15T02:00:00Z',
      '2026-02-15T02:30:00Z',
      '2026-02-16T02:00:00Z',
    ]);
  });

  it('`*/30 2 * * *` has no run on 2026-03-22', () => {
    expect(next(cron('*/30 2 * * *', 'Africa/Casablanca'), '2026-03-21T00:00:00Z', 4)).toEqual([
      '2026-03-21T02:00:00Z',
      '2026-03-21T02:30:00Z',
      '2026-03-23T01:00:00Z',
      '2026-03-23T01:30:00Z',
    ]);
  });
});
