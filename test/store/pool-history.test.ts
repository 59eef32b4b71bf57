// The pool history in Azurite: a point per change in one table per UTC week, read a window at a time, led by
// the point in force at its start; weeks out of retention are dropped as whole tables.

import { beforeAll, describe, expect, it } from 'vitest';
import { recordPoolReading } from '../../src/engine/pool-history.js';
import { poolHistoryTableName, startOfUtcWeek } from '../../src/store/keys.js';
import type { PoolReading } from '../../src/store/pool-ports.js';
import { allRows, freshStorage, type TestStorage } from '../support/storage.js';

let storage: TestStorage;
beforeAll(async () => {
  storage = await freshStorage();
});

const MIN = 60_000;
// Thursday 26 November 2026; its UTC week starts on Monday 23 November.
const THU = Date.parse('2026-11-26T09:00:00Z');
let next = 0;
const history = () => ({
  targetId: `${(++next).toString(16).padStart(32, '0')}`,
  registration: 'ab'.repeat(8),
});
const point = (at: number, capacity: number, sessions: number, serving = capacity): PoolReading => ({
  at,
  capacity,
  serving,
  sessions,
});

async function tableNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const t of storage.clients.tableService.listTables()) if (t.name) names.push(t.name);
  return names;
}

describe('the UTC week of a point', () => {
  it('starts on Monday 00:00 UTC', () => {
    expect(new Date(startOfUtcWeek(THU)).toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(new Date(startOfUtcWeek(Date.parse('2026-11-23T00:00:00Z'))).toISOString()).toBe(
      '2026-11-23T00:00:00.000Z',
    );
    expect(new Date(startOfUtcWeek(Date.parse('2026-11-22T23:59:59Z'))).toISOString()).toBe(
      '2026-11-16T00:00:00.000Z',
    );
    expect(poolHistoryTableName({ poolHistory: { tablePrefix: 'poolhistory' } }, THU)).toBe(
      'poolhistory20261123',
    );
  });
});

describe('recording what a pool had', () => {
  it('writes a point only when capacity, serving instances or sessions change', async () => {
    const { poolHistory } = storage.store;
    const ref = history();
    expect(await recordPoolReading(poolHistory, ref, point(THU, 2, 3))).toBe(true);
    expect(await recordPoolReading(poolHistory, ref, point(THU + MIN, 2, 3))).toBe(false);
    expect(await recordPoolReading(poolHistory, ref, point(THU + 2 * MIN, 2, 5))).toBe(true);
    expect(await recordPoolReading(poolHistory, ref, point(THU + 3 * MIN, 3, 5, 2))).toBe(true);
    expect(await recordPoolReading(poolHistory, ref, point(THU + 4 * MIN, 3, 5))).toBe(true);
    expect(await recordPoolReading(poolHistory, ref, point(THU + 5 * MIN, 3, 5))).toBe(false);
    const name = poolHistoryTableName(storage.clients.names, THU);
    const rows = (await allRows(storage.clients, name)).filter((r) =>
      String(r.partitionKey).startsWith(ref.targetId),
    );
    expect(rows).toHaveLength(4);
    expect(await poolHistory.latest(ref, THU + 10 * MIN)).toEqual(point(THU + 4 * MIN, 3, 5));
  });

  it('starts each UTC week with a point of its own, even when nothing changed', async () => {
    const { poolHistory } = storage.store;
    const ref = history();
    expect(await recordPoolReading(poolHistory, ref, point(THU, 1, 0))).toBe(true);
    const nextMonday = Date.parse('2026-11-30T00:00:30Z');
    expect(await poolHistory.latest(ref, nextMonday)).toBeUndefined();
    expect(await recordPoolReading(poolHistory, ref, point(nextMonday, 1, 0))).toBe(true);
    expect(await recordPoolReading(poolHistory, ref, point(nextMonday + MIN, 1, 0))).toBe(false);
  });

  it('keeps two changes within a minute apart, and the same instant once', async () => {
    const { poolHistory } = storage.store;
    const ref = history();
    await poolHistory.record(ref, point(THU + 5_000, 1, 1));
    await poolHistory.record(ref, point(THU + 40_000, 2, 1));
    await poolHistory.record(ref, point(THU + 40_000, 2, 1));
    expect(await poolHistory.list(ref, THU, THU + MIN)).toEqual([
      point(THU + 5_000, 1, 1),
      point(THU + 40_000, 2, 1),
    ]);
  });

  it('keeps registrations apart, like runs', async () => {
    const { poolHistory } = storage.store;
    const ref = history();
    await poolHistory.record(ref, point(THU, 4, 4));
    expect(await poolHistory.latest({ ...ref, registration: 'cd'.repeat(8) }, THU)).toBeUndefined();
  });
});

describe('reading a window', () => {
  it('gives the points in the window oldest first, led by the one in force at its start', async () => {
    const { poolHistory } = storage.store;
    const ref = history();
    const at = (iso: string) => Date.parse(iso);
    await poolHistory.record(ref, point(at('2026-11-23T08:00:00Z'), 0, 0));
    await poolHistory.record(ref, point(at('2026-11-24T09:00:00Z'), 1, 2));
    await poolHistory.record(ref, point(at('2026-11-24T09:30:00Z'), 2, 3));
    await poolHistory.record(ref, point(at('2026-11-24T18:00:00Z'), 0, 0));
    await poolHistory.record(ref, point(at('2026-11-30T00:00:20Z'), 0, 0)); // next week's first
    await poolHistory.record(ref, point(at('2026-12-01T10:00:00Z'), 1, 1));
    const window = await poolHistory.list(ref, at('2026-11-24T09:10:00Z'), at('2026-12-01T09:10:00Z'));
    expect(window.map((p) => [new Date(p.at).toISOString(), p.capacity, p.sessions])).toEqual([
      ['2026-11-24T09:00:00.000Z', 1, 2],
      ['2026-11-24T09:30:00.000Z', 2, 3],
      ['2026-11-24T18:00:00.000Z', 0, 0],
      ['2026-11-30T00:00:20.000Z', 0, 0],
    ]);
    expect(await poolHistory.list(ref, at('2026-12-07T00:00:00Z'), at('2026-12-08T00:00:00Z'))).toEqual([]);
  });
});

describe('retention', () => {
  it('drops week tables more than five weeks before the week being written, and keeps the rest', async () => {
    const own = await freshStorage();
    const ref = history();
    const back = (weeks: number) => THU - weeks * 7 * 86_400_000;
    const ours = async () =>
      (await tableNames()).filter((n) => n.startsWith(own.clients.names.poolHistory.tablePrefix)).sort();
    for (const weeks of [7, 6, 5]) await own.store.poolHistory.record(ref, point(back(weeks), 1, 1));
    expect(await ours()).toHaveLength(3);
    await own.store.poolHistory.record(ref, point(THU, 2, 2));
    expect(await ours()).toEqual([back(5), THU].map((at) => poolHistoryTableName(own.clients.names, at)));
    expect(await own.store.poolHistory.list(ref, back(5) - 86_400_000, back(5) + 86_400_000)).toEqual([
      point(back(5), 1, 1),
    ]);
  });
});
