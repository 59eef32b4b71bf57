import { describe, expect, it } from 'vitest';
import { NotFoundError, PreconditionFailedError } from '../../src/errors.js';
import { minuteBucket } from '../../src/store/keys.js';
import type { ScheduleWrite } from '../../src/store/ports.js';
import { allRows, freshStorage } from '../support/storage.js';
import { allDueRows, startWeekdays, stopWeekdays, vmTarget } from './fixtures.js';

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
      partitionKey: '202611261800',
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
    expect(due.map((r) => r.partitionKey)).toEqual(['202611270800']);
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
});
