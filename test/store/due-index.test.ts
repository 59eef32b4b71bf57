import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createTableStore } from '../../src/store/index.js';
import { dueTableHour, dueTableName, storageNames } from '../../src/store/keys.js';
import type { DueEntry, Store } from '../../src/store/ports.js';
import { storageCalls } from '../../src/store/storage-calls.js';
import { allRows, freshStorage } from '../support/storage.js';
import { allDueRows, dueMinutes, dueTables, startWeekdays, stopWeekdays, vmTarget } from './fixtures.js';

const at = (iso: string) => Date.parse(iso);

async function collect(rows: AsyncIterable<DueEntry>): Promise<DueEntry[]> {
  const list: DueEntry[] = [];
  for await (const row of rows) list.push(row);
  return list;
}

/** A target registered with one entry, next due at `iso`. */
async function schedule(store: Store, name: string, iso: string) {
  const target = await store.targets.create(vmTarget(name));
  await store.schedules.replace(target.id, {
    entries: [startWeekdays],
    nextOccurrences: [at(iso)],
    registeredAt: target.createdAt,
    updatedAt: target.createdAt,
  });
  return target;
}

describe('due index', () => {
  it('reads only the rows due in (after, until]', async () => {
    const { store } = await freshStorage();
    const instants = [
      '2026-11-26T08:00:00Z',
      '2026-11-26T08:01:00Z',
      '2026-11-26T08:02:00Z',
      '2026-11-26T09:00:00Z',
    ];
    for (const [i, iso] of instants.entries()) {
      const target = await store.targets.create(vmTarget(`vm-d${i}`));
      await store.schedules.replace(target.id, {
        entries: [startWeekdays],
        nextOccurrences: [at(iso)],
        registeredAt: target.createdAt,
        updatedAt: target.createdAt,
      });
    }
    const due = await collect(store.due.listDue(at('2026-11-26T08:00:00Z'), at('2026-11-26T08:02:00Z')));
    expect(due.map((d) => new Date(d.at).toISOString())).toEqual([
      '2026-11-26T08:01:00.000Z',
      '2026-11-26T08:02:00.000Z',
    ]);
    expect(due[0]).toMatchObject({ kind: 'vm', action: 'Start', entryIndex: 0, entry: startWeekdays });
    expect(await collect(store.due.listDue(at('2026-11-26T09:00:00Z'), at('2026-11-26T08:00:00Z')))).toEqual(
      [],
    );
  });

  it('moves a row to the next occurrence, idempotently', async () => {
    // Deleting the target below looks for the row where a tick at this instant would have moved it.
    const { store, clients } = await freshStorage({}, new ManualClock('2026-11-26T18:00:30Z'));
    const target = await store.targets.create(vmTarget('vm-move'));
    await store.schedules.replace(target.id, {
      entries: [stopWeekdays],
      nextOccurrences: [at('2026-11-26T18:00:00Z')],
      registeredAt: target.createdAt,
      updatedAt: target.createdAt,
    });
    const [row] = await collect(store.due.listDue(at('2026-11-26T17:59:00Z'), at('2026-11-26T18:00:00Z')));
    expect(await store.due.isCurrent(row!)).toBe(true);
    // The move inserts the row at its next occurrence (in tomorrow's hour table, created first) and deletes
    // the old one: a transaction each.
    let before = storageCalls.snapshot();
    await store.due.reschedule(row!, at('2026-11-27T18:00:00Z'));
    expect(storageCalls.since(before)).toEqual({ 'table batch': 2, 'table create table': 1 });
    // Again, as a tick repeated after a crash: the insert is refused (409) and the rows are upserted; the
    // old row is gone already (404), so its delete goes alone and finds nothing.
    before = storageCalls.snapshot();
    await store.due.reschedule(row!, at('2026-11-27T18:00:00Z'));
    expect(storageCalls.since(before)).toEqual({ 'table batch': 3, 'table delete': 1 });
    expect(dueMinutes(await allDueRows(clients))).toEqual(['202611271800']);
    const [moved] = await collect(store.due.listDue(at('2026-11-27T17:59:00Z'), at('2026-11-27T18:00:00Z')));
    expect(await store.due.isCurrent(moved!)).toBe(true);
    // Deleting the target still finds the moved row.
    await store.targets.delete(target.id);
    expect(await allDueRows(clients)).toEqual([]);
  });

  /**
   * A target whose Stop row (due 2026-11-26 18:00) a tick moved to the 27th, then its schedule replaced at
   * `replacedAt` by one due at `nextIso`; returns the old row as the tick read it.
   */
  async function movedThenReplaced(name: string, nextIso: string, replacedAt: string) {
    const { store, clients } = await freshStorage();
    const target = await store.targets.create(vmTarget(name));
    const write = (iso: string, updatedAt: string) => ({
      entries: [stopWeekdays],
      nextOccurrences: [at(iso)],
      registeredAt: target.createdAt,
      updatedAt: at(updatedAt),
    });
    await store.schedules.replace(target.id, write('2026-11-26T18:00:00Z', '2026-11-26T12:00:00Z'));
    const [old] = await collect(store.due.listDue(at('2026-11-26T17:00:00Z'), at('2026-11-26T18:00:00Z')));
    await store.due.reschedule(old!, at('2026-11-27T18:00:00Z'));
    await store.schedules.replace(target.id, write(nextIso, replacedAt));
    return { store, clients, target, old: old! };
  }

  it('replacing a schedule deletes its old row where the last tick moved it, which the entry does not record', async () => {
    const { store, clients, old } = await movedThenReplaced(
      'vm-stale',
      '2026-11-30T18:00:00Z',
      '2026-11-26T18:00:30Z',
    );
    expect(dueMinutes(await allDueRows(clients))).toEqual(['202611301800']);
    expect(await store.due.isCurrent(old)).toBe(false);
  });

  it('a row a replacement missed moves on as its old revision, not current, until someone forgets it', async () => {
    // Ticks ran far behind the replacement's clock: it looks elsewhere and misses the row.
    const { store, clients, target, old } = await movedThenReplaced(
      'vm-missed',
      '2026-12-07T18:00:00Z',
      '2026-12-04T18:00:30Z',
    );
    const [missed] = await collect(store.due.listDue(at('2026-11-27T17:00:00Z'), at('2026-11-27T18:00:00Z')));
    expect(missed).toMatchObject({ targetId: target.id, revision: old.revision });
    expect(await store.due.isCurrent(missed!)).toBe(false);
    await store.due.forget([missed!]);
    await store.due.forget([missed!]); // already gone: fine
    expect(dueMinutes(await allDueRows(clients))).toEqual(['202612071800']);
  });

  it('removes the row when the entry has no further occurrence', async () => {
    const { store, clients } = await freshStorage();
    const target = await store.targets.create(vmTarget('vm-last'));
    await store.schedules.replace(target.id, {
      entries: [stopWeekdays],
      nextOccurrences: [at('2026-11-26T18:00:00Z')],
      registeredAt: target.createdAt,
      updatedAt: target.createdAt,
    });
    const [row] = await collect(store.due.listDue(at('2026-11-26T17:00:00Z'), at('2026-11-26T18:00:00Z')));
    await store.due.reschedule(row!, undefined);
    expect(await allDueRows(clients)).toEqual([]);
  });
});

describe('due index shards', () => {
  it("spreads a minute's rows over its target's shards, and moves them a transaction per shard each way", async () => {
    const { store, clients } = await freshStorage();
    const targets = [];
    for (let i = 0; i < 40; i++) targets.push(await schedule(store, `vm-shard${i}`, '2026-11-26T18:00:00Z'));
    const shards = new Set(targets.map((t) => t.id.slice(-1)));
    expect(shards.size).toBeGreaterThan(8);
    const rows = await allDueRows(clients);
    expect(dueMinutes(rows)).toEqual(Array(40).fill('202611261800'));
    expect(new Set(rows.map((r) => r.partitionKey)).size).toBe(shards.size);

    const due = await collect(store.due.listDue(at('2026-11-26T17:59:00Z'), at('2026-11-26T18:00:00Z')));
    expect(new Set(due.map((d) => d.targetId))).toEqual(new Set(targets.map((t) => t.id)));
    const before = storageCalls.snapshot();
    await store.due.rescheduleAll(due.map((row) => ({ row, nextAt: at('2026-11-27T18:00:00Z') })));
    expect(storageCalls.since(before)).toEqual({ 'table batch': 2 * shards.size, 'table create table': 1 });
    expect(dueMinutes(await allDueRows(clients))).toEqual(Array(40).fill('202611271800'));
  });

  it('reads rows written under the minute alone, before the shards, in time order with the rest, and moves them into their shards', async () => {
    const { store, clients } = await freshStorage();
    const old = await schedule(store, 'vm-unsharded', '2026-11-26T18:00:00Z');
    const sameMinute = await schedule(store, 'vm-sharded', '2026-11-26T18:00:00Z');
    const nextMinute = await schedule(store, 'vm-later', '2026-11-26T18:01:00Z');
    // As the version before the shards wrote it: the same row, partitioned by its minute alone.
    const table = clients.table(dueTableName(clients.names, at('2026-11-26T18:00:00Z')));
    const [written] = (await allDueRows(clients)).filter((r) => r.targetId === old.id);
    await table.deleteEntity(String(written!.partitionKey), String(written!.rowKey));
    const { etag: _etag, timestamp: _timestamp, ...properties } = written!;
    await table.createEntity({
      ...properties,
      partitionKey: '202611261800',
      rowKey: String(written!.rowKey),
    });

    const due = await collect(store.due.listDue(at('2026-11-26T17:59:00Z'), at('2026-11-26T18:01:00Z')));
    expect(due.map((d) => d.targetId).slice(0, 2)).toEqual(expect.arrayContaining([old.id, sameMinute.id]));
    expect(due.map((d) => d.targetId)[2]).toBe(nextMinute.id);
    expect(due.filter((d) => d.unsharded).map((d) => d.targetId)).toEqual([old.id]);
    for (const row of due) expect(await store.due.isCurrent(row)).toBe(true);

    // Moved within its own minute too: written into its shard, its old key deleted.
    await store.due.rescheduleAll(due.map((row) => ({ row, nextAt: row.at + 30_000 })));
    const rows = await allDueRows(clients);
    expect(dueMinutes(rows).sort()).toEqual(['202611261800', '202611261800', '202611261801']);
    expect(rows.map((r) => r.at)).toEqual(expect.arrayContaining([at('2026-11-26T18:00:30Z')]));
  });
});

describe('due index hour tables', () => {
  it('names one table per UTC hour after the prefix, and knows the hour back from the name', () => {
    const names = storageNames('abc');
    expect(dueTableName(names, at('2026-11-25T21:59:59.999Z'))).toBe('abcdue2026112521');
    expect(dueTableName(storageNames(), at('2027-01-01T00:00:00Z'))).toBe('due2027010100');
    expect(dueTableHour(names, 'abcdue2026112521')).toBe(at('2026-11-25T21:00:00Z'));
    for (const other of [
      'abcdue',
      'abcdue202611252',
      'abcdue2026112599',
      'abcdue2026113221',
      'xdue2026112521',
    ])
      expect(dueTableHour(names, other)).toBeUndefined();
    // 3–63 letters and digits, a letter first, with the longest prefix the configuration allows.
    expect(dueTableName(storageNames('a'.repeat(20)), Date.now())).toMatch(/^[A-Za-z][A-Za-z0-9]{2,62}$/);
  });

  it('writes each row into its hour table, creating it once even under concurrent writers', async () => {
    const { store, clients } = await freshStorage();
    const prefix = clients.names.due.tablePrefix;
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        schedule(store, `vm-h${i}`, `2026-11-26T08:${i % 2 ? 59 : 30}:00Z`),
      ),
    );
    await schedule(store, 'vm-h-next', '2026-11-26T09:00:00Z');
    expect(await dueTables(clients)).toEqual([`${prefix}2026112608`, `${prefix}2026112609`]);
    const rows = await allRows(clients, `${prefix}2026112608`);
    expect(rows).toHaveLength(12);
    expect(new Set(dueMinutes(rows))).toEqual(new Set(['202611260830', '202611260859']));
  });

  it('reads across hour boundaries and over a whole day of catch-up, in time order', async () => {
    const { store } = await freshStorage();
    const instants = [
      '2026-11-26T08:59:00Z',
      '2026-11-26T09:00:00Z',
      '2026-11-26T09:01:00Z',
      '2026-11-26T23:15:00Z',
      '2026-11-27T08:30:00Z',
      '2026-11-27T08:31:00Z',
    ];
    // Written out of order, so time order comes from the read.
    for (const [i, iso] of [...instants.entries()].reverse()) await schedule(store, `vm-c${i}`, iso);
    const read = async (from: string, to: string) =>
      (await collect(store.due.listDue(at(from), at(to)))).map((d) => new Date(d.at).toISOString());
    expect(await read('2026-11-26T08:58:00Z', '2026-11-26T09:00:00Z')).toEqual([
      '2026-11-26T08:59:00.000Z',
      '2026-11-26T09:00:00.000Z',
    ]);
    // 25 hours: the hour tables that exist are listed first and only those are read.
    expect(await read('2026-11-26T08:30:00Z', '2026-11-27T08:30:00Z')).toEqual(
      instants.slice(0, 5).map((iso) => new Date(iso).toISOString()),
    );
    // Hours that never had a row have no table: nothing is due, nothing fails.
    expect(await read('2026-11-26T10:00:00Z', '2026-11-26T11:00:00Z')).toEqual([]);
    expect(await read('2025-01-01T00:00:00Z', '2025-01-03T00:00:00Z')).toEqual([]);
  });

  it('prunes past hour tables that are empty, keeps the rest, and writes again after another host pruned', async () => {
    const { store, clients } = await freshStorage();
    const prefix = clients.names.due.tablePrefix;
    const moved = await schedule(store, 'vm-p8', '2026-11-26T08:00:00Z');
    await schedule(store, 'vm-p9', '2026-11-26T09:00:00Z');
    await schedule(store, 'vm-p10', '2026-11-26T10:00:00Z');
    const [row] = await collect(store.due.listDue(at('2026-11-26T07:59:00Z'), at('2026-11-26T08:00:00Z')));
    await store.due.reschedule(row!, at('2026-11-27T08:00:00Z'));
    expect(await dueTables(clients)).toEqual(
      ['2026112608', '2026112609', '2026112610', '2026112708'].map((h) => prefix + h),
    );

    // Another host (its own store) prunes: 08 is past and empty; 09 still holds a row; 10 is not past.
    const other = createTableStore(clients);
    expect(await other.due.pruneBefore(at('2026-11-26T10:30:00Z'))).toBe(1);
    expect(await dueTables(clients)).toEqual(
      ['2026112609', '2026112610', '2026112708'].map((h) => prefix + h),
    );
    expect(await other.due.pruneBefore(at('2026-11-26T10:59:00Z'))).toBe(0); // same hour: nothing to do

    // The first store still believes the 08 table exists: its write recreates it.
    await store.schedules.replace(moved.id, {
      entries: [stopWeekdays],
      nextOccurrences: [at('2026-11-26T08:45:00Z')],
      registeredAt: moved.createdAt,
      // Just after the 08:00 tick moved the old row on: the replacement finds it there and deletes it.
      updatedAt: at('2026-11-26T08:00:30Z'),
    });
    expect(
      (await collect(store.due.listDue(at('2026-11-26T08:00:00Z'), at('2026-11-26T09:00:00Z')))).map(
        (d) => d.targetId,
      ),
    ).toEqual([moved.id, expect.any(String)]);
    expect(dueMinutes(await allDueRows(clients))).toEqual(['202611260845', '202611260900', '202611261000']);

    // Once the rows are gone, a later hour's prune drops the past tables; the future one stays.
    await store.targets.delete(moved.id);
    for (const due of await collect(
      store.due.listDue(at('2026-11-26T08:00:00Z'), at('2026-11-26T10:00:00Z')),
    ))
      await store.due.reschedule(due, undefined);
    expect(await allDueRows(clients)).toEqual([]);
    expect(await store.due.pruneBefore(at('2026-11-26T11:00:00Z'))).toBe(3);
    expect(await dueTables(clients)).toEqual([`${prefix}2026112708`]);
  });
});
