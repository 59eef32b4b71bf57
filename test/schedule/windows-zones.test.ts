// Windows time zone ids map through CLDR windowsZones, territory 001, case-insensitively, to today's IANA ids.
// Expected ids were read from node_modules/cldr-core/supplemental/windowsZones.json (CLDR 48.2.0), whose
// territory-001 rows still carry CLDR's stable legacy ids (Europe/Kiev, Asia/Calcutta, Asia/Katmandu); the IANA
// names of those zones today are Europe/Kyiv, Asia/Kolkata and Asia/Kathmandu.
// In CLDR 48, no territory-001 row names America/Ciudad_Juarez (it appears only for "Mountain Standard Time",
// territory MX), so it is reachable by its IANA id, and the "(Mexico)" Windows id maps to America/Mazatlan.
import { describe, expect, it } from 'vitest';
import { resolveTimeZone } from '../../src/schedule/index.js';
import { cron, next } from './helpers.js';

describe('Windows ids (CLDR territory 001)', () => {
  const table: [windowsId: string, ianaId: string][] = [
    ['Pacific Standard Time', 'America/Los_Angeles'],
    ['W. Europe Standard Time', 'Europe/Berlin'],
    ['FLE Standard Time', 'Europe/Kyiv'],
    ['India Standard Time', 'Asia/Kolkata'],
    ['Nepal Standard Time', 'Asia/Kathmandu'],
    ['Mountain Standard Time', 'America/Denver'],
    ['Mountain Standard Time (Mexico)', 'America/Mazatlan'],
    ['AUS Eastern Standard Time', 'Australia/Sydney'],
    ['Pacific SA Standard Time', 'America/Santiago'],
    ['New Zealand Standard Time', 'Pacific/Auckland'],
    ['Lord Howe Standard Time', 'Australia/Lord_Howe'],
    ['Chatham Islands Standard Time', 'Pacific/Chatham'],
    ['Morocco Standard Time', 'Africa/Casablanca'],
    ['US Mountain Standard Time', 'America/Phoenix'],
  ];

  for (const [windowsId, ianaId] of table) {
    it(`"${windowsId}" → ${ianaId}`, () => {
      expect(resolveTimeZone(windowsId).id).toBe(ianaId);
    });
  }

  it('"FLE Standard Time" is Europe/Kyiv, not the legacy Europe/Kiev', () => {
    expect(resolveTimeZone('FLE Standard Time').id).not.toBe('Europe/Kiev');
  });

  it('Windows ids are case-insensitive', () => {
    expect(resolveTimeZone('pacific standard time').id).toBe('America/Los_Angeles');
    expect(resolveTimeZone('PACIFIC STANDARD TIME').id).toBe('America/Los_Angeles');
    expect(resolveTimeZone('w. europe standard time').id).toBe('Europe/Berlin');
    expect(resolveTimeZone('fle standard time').id).toBe('Europe/Kyiv');
  });

  it('"UTC" resolves to UTC', () => {
    expect(['UTC', 'Etc/UTC']).toContain(resolveTimeZone('UTC').id);
  });
});

describe('IANA ids', () => {
  for (const id of [
    'America/Los_Angeles',
    'Europe/Berlin',
    'Europe/Kyiv',
    'America/Ciudad_Juarez',
    'Australia/Lord_Howe',
    'Pacific/Chatham',
    'Asia/Kathmandu',
  ]) {
    it(`"${id}" is accepted as itself`, () => {
      expect(resolveTimeZone(id).id).toBe(id);
    });
  }

  it('America/Ciudad_Juarez keeps US-style Mountain daylight saving (2026-03-08 02:00 −07 → 03:00 −06)', () => {
    expect(next(cron('0 9 * * *', 'America/Ciudad_Juarez'), '2026-03-07T00:00:00Z', 2)).toEqual([
      '2026-03-07T16:00:00Z',
      '2026-03-08T15:00:00Z',
    ]);
  });
});

describe('a Windows id in an entry behaves exactly like its IANA zone', () => {
  it('"pacific standard time" (any case) in a cron entry gives the Los Angeles instants', () => {
    const expected = ['2026-03-07T16:00:00Z', '2026-03-08T15:00:00Z', '2026-03-09T15:00:00Z'];
    expect(next(cron('0 8 * * *', 'America/Los_Angeles'), '2026-03-07T00:00:00Z', 3)).toEqual(expected);
    expect(next(cron('0 8 * * *', 'Pacific Standard Time'), '2026-03-07T00:00:00Z', 3)).toEqual(expected);
    expect(next(cron('0 8 * * *', 'pacific standard time'), '2026-03-07T00:00:00Z', 3)).toEqual(expected);
  });

  it('"FLE Standard Time" follows Kyiv: 09:00 is 07:00Z in winter and 06:00Z from 2026-03-29', () => {
    expect(next(cron('0 9 * * *', 'FLE Standard Time'), '2026-03-28T00:00:00Z', 2)).toEqual([
      '2026-03-28T07:00:00Z',
      '2026-03-29T06:00:00Z',
    ]);
  });
});

describe('unknown zones', () => {
  const messageOf = (id: string): string => {
    try {
      resolveTimeZone(id);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error(`"${id}" was accepted`);
  };

  it('"Pacific Standard Tme" is refused and the message suggests "Pacific Standard Time"', () => {
    expect(messageOf('Pacific Standard Tme')).toContain('Pacific Standard Time');
  });

  it('"Europe/Berln" is refused and the message suggests "Europe/Berlin"', () => {
    expect(messageOf('Europe/Berln')).toContain('Europe/Berlin');
  });

  it('"W. Europe Standard" is refused and the message suggests "W. Europe Standard Time"', () => {
    expect(messageOf('W. Europe Standard')).toContain('W. Europe Standard Time');
  });

  it('the message names the unknown id', () => {
    expect(messageOf('Mars/Olympus_Mons')).toContain('Mars/Olympus_Mons');
  });

  it('an empty id is refused', () => {
    expect(() => resolveTimeZone('')).toThrow();
  });
});
