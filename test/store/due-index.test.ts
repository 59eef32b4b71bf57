import { describe, expect, it } from 'vitest';
import type { DueEntry } from '../../src/store/ports.js';
import { allRows, freshStorage } from '../support/storage.js';
import { startWeekdays, stopWeekdays, vmTarget } from './fixtures.js';

const at = (iso: string) => Date.parse(iso);

async function collect(rows: AsyncIterable<DueEntry>): Promise<DueEntry[]> {
  const list: DueEntry[] = [];
  for await (const row of rows) list.push(row);
  return list;
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
    const { store, clients } = await freshStorage();
    const target = await store.targets.create(vmTarget('vm-move'));
    await store.schedules.replace(target.id, {
      entries: [stopWeekdays],
      nextOccurrences: [at('2026-11-26T18:00:00Z')],
      registeredAt: target.createdAt,
      updatedAt: target.createdAt,
    });
    const [row] = await collect(store.due.listDue(at('2026-11-26T17:59:00Z'), at('2026-11-26T18:00:00Z')));
    expect(await store.due.isCurrent(row!)).toBe(true);
    await store.due.reschedule(row!, at('2026-11-27T18:00:00Z'));
    await store.due.reschedule(row!, at('2026-11-27T18:00:00Z'));
    expect((await allRows(clients, clients.names.due)).map((r) => r.partitionKey)).toEqual(['202611271800']);
    expect(await store.due.isCurrent(row!)).toBe(false);
    const [moved] = await collect(store.due.listDue(at('2026-11-27T17:59:00Z'), at('2026-11-27T18:00:00Z')));
    expect(await store.due.isCurrent(moved!)).toBe(true);
    // Deleting the target still finds the moved row.
    await store.targets.delete(target.id);
    expect(await allRows(clients, clients.names.due)).toEqual([]);
  });

  it('drops a row, rather than moving it, once its schedule was replaced', async () => {
    const { store, clients } = await freshStorage();
    const target = await store.targets.create(vmTarget('vm-stale'));
    const write = (iso: string) => ({
      entries: [stopWeekdays],
      nextOccurrences: [at(iso)],
      registeredAt: target.createdAt,
      updatedAt: target.createdAt,
    });
    await store.schedules.replace(target.id, write('2026-11-26T18:00:00Z'));
    const [old] = await collect(store.due.listDue(at('2026-11-26T17:00:00Z'), at('2026-11-26T18:00:00Z')));
    await store.schedules.replace(target.id, write('2026-11-30T18:00:00Z'));
    await store.due.reschedule(old!, at('2026-11-27T18:00:00Z'));
    expect((await allRows(clients, clients.names.due)).map((r) => r.partitionKey)).toEqual(['202611301800']);
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
    expect(await allRows(clients, clients.names.due)).toEqual([]);
  });
});
