import { describe, expect, it } from 'vitest';
import { NotFoundError, PreconditionFailedError } from '../../src/errors.js';
import { SCHEDULE_ROW, entryRowKey, minuteBucket } from '../../src/store/keys.js';
import { storageCalls } from '../../src/store/storage-calls.js';
import type { ScheduleWrite } from '../../src/store/ports.js';
import { allRows, freshStorage } from '../support/storage.js';
import { allDueRows, dueMinutes, startWeekdays, stopWeekdays, vmTarget } from './fixtures.js';

const REGISTERED = Date.parse('2026-11-25T20:00:00Z');
const write = (
  entries: ScheduleWrite['entries'],
  nextOccurrences: (string | undefined)[],
): ScheduleWrite => ({
  entries,
  nextOccurrences: nextOccurrences.map((iso) => (iso === undefined ? undefined : Date.parse(iso))),
  registeredAt: REGISTERED,
  updatedAt: REGISTERED,
  updatedBy: 'alice',
});

describe('schedule repository', () => {
  it('keys due rows by the UTC minute of the next occurrence', () => {
    expect(minuteBucket(Date.parse('2026-11-25T21:00:00Z'))).toBe('202611252100');
    expect(minuteBucket(Date.parse('2026-11-25T21:00:59.999Z'))).toBe('202611252100');
    expect(minuteBucket(Date.parse('2027-01-01T00:01:00Z'))).toBe('202701010001');
  });

  it('replaces the entries and writes one due row per entry that has a next occurrence', async () => {
    const { store, clients } = await freshStorage();
    const target = await store.targets.create(vmTarget('vm-s1'));
    const before = await store.schedules.get(target.id);
    const disabled = { ...startWeekdays, status: 'Disabled' as const };
    const saved = await store.schedules.replace(
      target.id,
      write([stopWeekdays, disabled], ['2026-11-26T18:00:00Z', undefined]),
    );
    expect(saved.entries).toEqual([stopWeekdays, disabled]);
    expect(saved.revision).not.toBe(before?.revision);
    expect(await store.schedules.get(target.id)).toEqual(saved);
    const due = await allDueRows(clients);
    expect(due).toHaveLength(1);
    expect(due[0]).toMatchObject({
      partitionKey: `202611261800-${target.id.slice(-1)}`,
      targetId: target.id,
      action: 'Stop',
      entryIndex: 0,
    });
  });

  it('moves due rows when the schedule changes, leaving none behind', async () => {
    const { store, clients } = await freshStorage();
    const target = await store.targets.create(vmTarget('vm-s2'));
    await store.schedules.replace(
      target.id,
      write([stopWeekdays, startWeekdays], ['2026-11-26T18:00:00Z', '2026-11-26T08:00:00Z']),
    );
    await store.schedules.replace(target.id, write([startWeekdays], ['2026-11-27T08:00:00Z']));
    const due = await allDueRows(clients);
    expect(dueMinutes(due)).toEqual(['202611270800']);
    await store.schedules.replace(target.id, write([], []));
    expect(await allDueRows(clients)).toEqual([]);
    expect((await store.schedules.get(target.id))?.entries).toEqual([]);
  });

  it('refuses a write whose revision is stale, and changes nothing', async () => {
    const { store, clients } = await freshStorage();
    const target = await store.targets.create(vmTarget('vm-s3'));
    const first = await store.schedules.replace(target.id, write([stopWeekdays], ['2026-11-26T18:00:00Z']));
    const dueBefore = await allDueRows(clients);
    await expect(
      store.schedules.replace(target.id, write([startWeekdays], ['2026-11-26T08:00:00Z']), {
        ifRevision: 'stale',
      }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(await store.schedules.get(target.id)).toEqual(first);
    expect(await allDueRows(clients)).toEqual(dueBefore);
  });

  it('lets exactly one of two writers holding the same revision win', async () => {
    const { store, clients } = await freshStorage();
    const target = await store.targets.create(vmTarget('vm-s4'));
    const { revision } = (await store.schedules.get(target.id))!;
    const results = await Promise.allSettled([
      store.schedules.replace(target.id, write([stopWeekdays], ['2026-11-26T18:00:00Z']), {
        ifRevision: revision,
      }),
      store.schedules.replace(target.id, write([startWeekdays], ['2026-11-26T08:00:00Z']), {
        ifRevision: revision,
      }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(PreconditionFailedError);
    // The loser took its due row back.
    expect(await allDueRows(clients)).toHaveLength(1);
  });

  it('lets unconditional writers race and keeps one due row per entry of the winner', async () => {
    const { store, clients } = await freshStorage();
    const target = await store.targets.create(vmTarget('vm-s5'));
    await Promise.all(
      ['2026-11-26T18:00:00Z', '2026-11-27T18:00:00Z', '2026-11-28T18:00:00Z'].map((at) =>
        store.schedules.replace(target.id, write([stopWeekdays], [at])),
      ),
    );
    const schedule = (await store.schedules.get(target.id))!;
    const due = await allDueRows(clients);
    expect(due).toHaveLength(1);
    expect(due[0]?.revision).toBe(schedule.revision);
  });

  it('refuses to schedule a target that is not registered, writing nothing', async () => {
    const { store, clients } = await freshStorage();
    await expect(
      store.schedules.replace('f'.repeat(32), write([stopWeekdays], ['2026-11-26T18:00:00Z'])),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(await allDueRows(clients)).toEqual([]);
    expect(await allRows(clients, clients.names.targets)).toEqual([]);
  });

  it('reads the target and its schedule by key, with no query', async () => {
    const { store } = await freshStorage();
    const target = await store.targets.create(vmTarget('vm-s6'));
    const saved = await store.schedules.replace(
      target.id,
      write([stopWeekdays, startWeekdays], ['2026-11-26T18:00:00Z', '2026-11-26T08:00:00Z']),
    );
    const before = storageCalls.snapshot();
    const found = await store.targets.getWithSchedule(target.id);
    // The target, the schedule's header (which carries its entries) and the override row (absent: a 404).
    expect(storageCalls.since(before)).toEqual({ 'table point read': 3 });
    expect(found?.schedule).toEqual(saved);
    const beforeGet = storageCalls.snapshot();
    expect(await store.schedules.get(target.id)).toEqual(saved);
    expect(storageCalls.since(beforeGet)).toEqual({ 'table point read': 2 });
  });

  it('reads and replaces a schedule whose header was written before headers carried their entries', async () => {
    const { store, clients } = await freshStorage();
    const target = await store.targets.create(vmTarget('vm-s7'));
    await store.schedules.replace(
      target.id,
      write([stopWeekdays, startWeekdays], ['2026-11-26T18:00:00Z', '2026-11-26T08:00:00Z']),
    );
    // What an earlier version stored: the same rows, the header without its copy of the entries.
    const targets = clients.table(clients.names.targets);
    const header = await targets.getEntity<Record<string, unknown>>(target.id, SCHEDULE_ROW);
    const { entries: copy, etag: _etag, timestamp: _timestamp, ...older } = header;
    expect(typeof copy).toBe('string');
    await targets.updateEntity({ ...older, partitionKey: target.id, rowKey: SCHEDULE_ROW }, 'Replace');
    const legacy = await store.schedules.get(target.id);
    expect(legacy?.entries).toEqual([stopWeekdays, startWeekdays]);
    expect((await store.targets.getWithSchedule(target.id))?.schedule).toEqual(legacy);

    const saved = await store.schedules.replace(target.id, write([startWeekdays], ['2026-11-27T08:00:00Z']));
    expect(await store.schedules.get(target.id)).toEqual(saved);
    expect(dueMinutes(await allDueRows(clients))).toEqual(['202611270800']);
    const rows = (await allRows(clients, clients.names.targets)).map((r) => r.rowKey);
    expect(rows).toContain(entryRowKey(0));
    expect(rows).not.toContain(entryRowKey(1));
  });

  it("keeps the entry rows and the header's copy in step through growing and shrinking writes", async () => {
    const { store, clients } = await freshStorage();
    const target = await store.targets.create(vmTarget('vm-s8'));
    const sizes = [2, 3, 1, 0, 2];
    for (const size of sizes) {
      const entries = [stopWeekdays, startWeekdays, stopWeekdays].slice(0, size);
      const saved = await store.schedules.replace(
        target.id,
        write(
          entries,
          entries.map(() => '2026-11-26T18:00:00Z'),
        ),
      );
      expect(await store.schedules.get(target.id)).toEqual(saved);
      const entryRows = (await allRows(clients, clients.names.targets)).filter((r) =>
        String(r.rowKey).startsWith('entry-'),
      );
      expect(entryRows.map((r) => [r.rowKey, r.revision])).toEqual(
        entries.map((_, i) => [entryRowKey(i), saved.revision]),
      );
    }
  });
});
