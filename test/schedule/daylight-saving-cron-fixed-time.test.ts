// Fixed-time cron entries (minute and hour fields do not start with `*`) around daylight-saving changes:
//   - a wall time in a spring-forward gap fires once, at the first instant after the gap;
//   - a wall time repeated by a fall-back fires once, at its first occurrence (cronie's rule).
// Transition instants (tzdata 2025c, checked with Intl before writing these values):
//   America/Los_Angeles  2026-03-08T10:00Z 02:00 PST→03:00 PDT     2026-11-01T09:00Z 02:00 PDT→01:00 PST
//   Europe/Berlin        2026-03-29T01:00Z 02:00 CET→03:00 CEST    2026-10-25T01:00Z 03:00 CEST→02:00 CET
//   Australia/Sydney     2026-10-03T16:00Z 02:00→03:00 (+10→+11)   2026-04-04T16:00Z 03:00→02:00 (+11→+10)
//   America/Santiago     2026-09-06T04:00Z 00:00→01:00 (−04→−03)   2026-04-05T03:00Z 24:00→23:00 (−03→−04)
//   Pacific/Auckland     2026-09-26T14:00Z 02:00→03:00 (+12→+13)   2026-04-04T14:00Z 03:00→02:00 (+13→+12)
//   Australia/Lord_Howe  2026-10-03T15:30Z 02:00→02:30 (+10:30→+11) 2026-04-04T15:00Z 02:00→01:30 (+11→+10:30)
//   Pacific/Chatham      2026-09-26T14:00Z 02:45→03:45 (+12:45→+13:45) 2026-04-04T14:00Z 03:45→02:45 (+13:45→+12:45)
//   Africa/Casablanca    2026-03-22T02:00Z 02:00→03:00 (+00→+01)   2026-02-15T02:00Z 03:00→02:00 (+01→+00, Ramadan)
import { describe, expect, it } from 'vitest';
import { cron, next } from './helpers.js';

describe('America/Los_Angeles (also as Windows "Pacific Standard Time")', () => {
  for (const zone of ['America/Los_Angeles', 'Pacific Standard Time']) {
    it(`${zone}: 02:30 daily, in the 2026-03-08 gap, fires once at 03:00 PDT, right after the gap`, () => {
      expect(next(cron('30 2 * * *', zone), '2026-03-06T12:00:00Z', 4)).toEqual([
        '2026-03-07T10:30:00Z', // 02:30 PST
        '2026-03-08T10:00:00Z', // 02:30 does not exist: 03:00 PDT
        '2026-03-09T09:30:00Z', // 02:30 PDT
        '2026-03-10T09:30:00Z',
      ]);
    });

    it(`${zone}: 01:30 daily, repeated on 2026-11-01, fires once at its first occurrence (PDT)`, () => {
      expect(next(cron('30 1 * * *', zone), '2026-10-30T12:00:00Z', 3)).toEqual([
        '2026-10-31T08:30:00Z', // 01:30 PDT
        '2026-11-01T08:30:00Z', // 01:30 PDT (first pass); not again at 09:30Z
        '2026-11-02T09:30:00Z', // 01:30 PST
      ]);
    });
  }

  it('two fixed times in the gap (02:00 and 02:30) both land on 03:00 PDT: one instant, occurrences stay strictly increasing', () => {
    expect(next(cron('0,30 2 * * *', 'Pacific Standard Time'), '2026-03-07T00:00:00Z', 4)).toEqual([
      '2026-03-07T10:00:00Z',
      '2026-03-07T10:30:00Z',
      '2026-03-08T10:00:00Z',
      '2026-03-09T09:00:00Z',
    ]);
  });

  it('a Sunday-only 02:30 in the gap still fires that Sunday, at 03:00 PDT', () => {
    expect(next(cron('30 2 * * 0', 'Pacific Standard Time'), '2026-03-01T12:00:00Z', 3)).toEqual([
      '2026-03-08T10:00:00Z',
      '2026-03-15T09:30:00Z',
      '2026-03-22T09:30:00Z',
    ]);
  });

  it('the 2027 gap (2027-03-14) follows the same rule', () => {
    expect(next(cron('30 2 * * *', 'Pacific Standard Time'), '2027-03-13T12:00:00Z', 2)).toEqual([
      '2027-03-14T10:00:00Z',
      '2027-03-15T09:30:00Z',
    ]);
  });

  it('18:00 Monday to Friday keeps 18:00 local across the change: 02:00Z in winter, 01:00Z in summer', () => {
    expect(next(cron('0 18 * * 1-5', 'Pacific Standard Time'), '2026-03-05T12:00:00Z', 3)).toEqual([
      '2026-03-06T02:00:00Z', // Thursday 03-05 18:00 PST
      '2026-03-07T02:00:00Z', // Friday 03-06 18:00 PST
      '2026-03-10T01:00:00Z', // Monday 03-09 18:00 PDT
    ]);
  });
});

describe('Europe/Berlin ("W. Europe Standard Time")', () => {
  it('02:30 daily in the 2026-03-29 gap fires once at 03:00 CEST', () => {
    expect(next(cron('30 2 * * *', 'W. Europe Standard Time'), '2026-03-27T12:00:00Z', 3)).toEqual([
      '2026-03-28T01:30:00Z',
      '2026-03-29T01:00:00Z',
      '2026-03-30T00:30:00Z',
    ]);
  });

  it('02:30 daily, repeated on 2026-10-25, fires once at its first occurrence (CEST)', () => {
    expect(next(cron('30 2 * * *', 'Europe/Berlin'), '2026-10-23T12:00:00Z', 3)).toEqual([
      '2026-10-24T00:30:00Z',
      '2026-10-25T00:30:00Z',
      '2026-10-26T01:30:00Z',
    ]);
  });
});

describe('Australia/Sydney ("AUS Eastern Standard Time"), southern hemisphere', () => {
  it('02:30 daily in the 2026-10-04 gap fires once at 03:00 AEDT', () => {
    expect(next(cron('30 2 * * *', 'AUS Eastern Standard Time'), '2026-10-02T00:00:00Z', 3)).toEqual([
      '2026-10-02T16:30:00Z', // 10-03 02:30 AEST
      '2026-10-03T16:00:00Z', // 10-04 03:00 AEDT
      '2026-10-04T15:30:00Z', // 10-05 02:30 AEDT
    ]);
  });

  it('02:30 daily, repeated on 2026-04-05, fires once at its first occurrence (AEDT)', () => {
    expect(next(cron('30 2 * * *', 'Australia/Sydney'), '2026-04-03T00:00:00Z', 3)).toEqual([
      '2026-04-03T15:30:00Z', // 04-04 02:30 AEDT
      '2026-04-04T15:30:00Z', // 04-05 02:30 AEDT (first pass)
      '2026-04-05T16:30:00Z', // 04-06 02:30 AEST
    ]);
  });
});

describe('America/Santiago ("Pacific SA Standard Time"): the change happens at midnight', () => {
  it('00:30 daily in the 2026-09-06 gap (00:00–00:59 skipped) fires once at 01:00 −03', () => {
    expect(next(cron('30 0 * * *', 'Pacific SA Standard Time'), '2026-09-05T00:00:00Z', 3)).toEqual([
      '2026-09-05T04:30:00Z',
      '2026-09-06T04:00:00Z',
      '2026-09-07T03:30:00Z',
    ]);
  });

  it('midnight itself is in the gap: 00:00 on 2026-09-06 fires at 01:00 −03', () => {
    expect(next(cron('0 0 * * *', 'America/Santiago'), '2026-09-05T00:00:00Z', 3)).toEqual([
      '2026-09-05T04:00:00Z',
      '2026-09-06T04:00:00Z',
      '2026-09-07T03:00:00Z',
    ]);
  });

  it('23:30 daily, repeated on 2026-04-04, fires once at its first occurrence (−03)', () => {
    expect(next(cron('30 23 * * *', 'America/Santiago'), '2026-04-03T12:00:00Z', 3)).toEqual([
      '2026-04-04T02:30:00Z', // 04-03 23:30 −03
      '2026-04-05T02:30:00Z', // 04-04 23:30 −03 (first pass); not again at 03:30Z
      '2026-04-06T03:30:00Z', // 04-05 23:30 −04
    ]);
  });
});

describe('Pacific/Auckland ("New Zealand Standard Time")', () => {
  it('02:30 daily in the 2026-09-27 gap fires once at 03:00 NZDT', () => {
    expect(next(cron('30 2 * * *', 'New Zealand Standard Time'), '2026-09-25T00:00:00Z', 3)).toEqual([
      '2026-09-25T14:30:00Z',
      '2026-09-26T14:00:00Z',
      '2026-09-27T13:30:00Z',
    ]);
  });

  it('02:30 daily, repeated on 2026-04-05, fires once at its first occurrence (NZDT)', () => {
    expect(next(cron('30 2 * * *', 'Pacific/Auckland'), '2026-04-03T00:00:00Z', 3)).toEqual([
      '2026-04-03T13:30:00Z',
      '2026-04-04T13:30:00Z',
      '2026-04-05T14:30:00Z',
    ]);
  });
});

describe('Australia/Lord_Howe ("Lord Howe Standard Time"): a 30-minute shift', () => {
  it('02:15 in the 30-minute gap of 2026-10-04 fires once at 02:30 (+11)', () => {
    expect(next(cron('15 2 * * *', 'Lord Howe Standard Time'), '2026-10-02T00:00:00Z', 3)).toEqual([
      '2026-10-02T15:45:00Z', // 10-03 02:15 +10:30
      '2026-10-03T15:30:00Z', // 10-04 02:30 +11
      '2026-10-04T15:15:00Z', // 10-05 02:15 +11
    ]);
  });

  it('02:45, just after the gap, fires on 2026-10-04 at 02:45 +11: no day is skipped', () => {
    expect(next(cron('45 2 * * *', 'Australia/Lord_Howe'), '2026-10-02T00:00:00Z', 3)).toEqual([
      '2026-10-02T16:15:00Z',
      '2026-10-03T15:45:00Z',
      '2026-10-04T15:45:00Z',
    ]);
  });

  it('01:45, repeated on 2026-04-05 (01:30–01:59 twice), fires once at its first occurrence (+11)', () => {
    expect(next(cron('45 1 * * *', 'Australia/Lord_Howe'), '2026-04-03T00:00:00Z', 3)).toEqual([
      '2026-04-03T14:45:00Z',
      '2026-04-04T14:45:00Z',
      '2026-04-05T15:15:00Z', // 04-06 01:45 +10:30
    ]);
  });

  it('01:15 is not repeated (only 01:30–01:59 is) and fires once every day', () => {
    expect(next(cron('15 1 * * *', 'Australia/Lord_Howe'), '2026-04-03T00:00:00Z', 3)).toEqual([
      '2026-04-03T14:15:00Z',
      '2026-04-04T14:15:00Z',
      '2026-04-05T14:45:00Z',
    ]);
  });
});

describe('Pacific/Chatham ("Chatham Islands Standard Time"): +12:45 / +13:45', () => {
  it('03:00 in the 2026-09-27 gap (02:45–03:44) fires once at 03:45 +13:45', () => {
    expect(next(cron('0 3 * * *', 'Chatham Islands Standard Time'), '2026-09-25T00:00:00Z', 3)).toEqual([
      '2026-09-25T14:15:00Z', // 09-26 03:00 +12:45
      '2026-09-26T14:00:00Z', // 09-27 03:45 +13:45
      '2026-09-27T13:15:00Z', // 09-28 03:00 +13:45
    ]);
  });

  it('03:00, repeated on 2026-04-05 (02:45–03:44 twice), fires once at its first occurrence (+13:45)', () => {
    expect(next(cron('0 3 * * *', 'Pacific/Chatham'), '2026-04-03T00:00:00Z', 3)).toEqual([
      '2026-04-03T13:15:00Z',
      '2026-04-04T13:15:00Z',
      '2026-04-05T14:15:00Z',
    ]);
  });
});

describe('Africa/Casablanca ("Morocco Standard Time"): +01, and +00 during Ramadan 2026', () => {
  it('02:30 daily, repeated on 2026-02-15 (03:00 +01 → 02:00 +00), fires once at its first occurrence (+01)', () => {
    expect(next(cron('30 2 * * *', 'Morocco Standard Time'), '2026-02-13T12:00:00Z', 3)).toEqual([
      '2026-02-14T01:30:00Z',
      '2026-02-15T01:30:00Z',
      '2026-02-16T02:30:00Z',
    ]);
  });

  it('02:30 daily in the 2026-03-22 gap (02:00 +00 → 03:00 +01) fires once at 03:00 +01', () => {
    expect(next(cron('30 2 * * *', 'Africa/Casablanca'), '2026-03-20T12:00:00Z', 3)).toEqual([
      '2026-03-21T02:30:00Z',
      '2026-03-22T02:00:00Z',
      '2026-03-23T01:30:00Z',
    ]);
  });

  it('noon is 11:00Z outside Ramadan and 12:00Z during it', () => {
    expect(next(cron('0 12 * * *', 'Africa/Casablanca'), '2026-01-15T00:00:00Z', 1)).toEqual([
      '2026-01-15T11:00:00Z',
    ]);
    expect(next(cron('0 12 * * *', 'Africa/Casablanca'), '2026-03-01T00:00:00Z', 1)).toEqual([
      '2026-03-01T12:00:00Z',
    ]);
  });
});
