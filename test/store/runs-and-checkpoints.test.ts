import { describe, expect, it } from 'vitest';
import { ConflictError, PreconditionFailedError } from '../../src/errors.js';
import type { Run } from '../../src/store/ports.js';
import { freshStorage } from '../support/storage.js';

const run = (occurrence: string): Run => ({
  targetId: 'a'.repeat(32),
  occurrenceAt: Date.parse(occurrence),
  requestedAction: 'Stop',
  source: 'schedule',
  outcome: 'pending',
  attempts: 0,
  createdAt: Date.parse('2026-11-25T18:00:01Z'),
});

describe('run repository', () => {
  it('creates one run per target and occurrence, however often asked', async () => {
    const { store } = await freshStorage();
    const first = await store.runs.createIfAbsent(run('2026-11-25T18:00:00Z'));
    const second = await store.runs.createIfAbsent({ ...run('2026-11-25T18:00:00Z'), source: 'other' });
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.run).toEqual(first.run);
  });

  it('updates a run under its ETag and lists runs newest first', async () => {
    const { store } = await freshStorage();
    const { run: stored } = await store.runs.createIfAbsent(run('2026-11-25T18:00:00Z'));
    await store.runs.createIfAbsent(run('2026-11-26T18:00:00Z'));
    const done = await store.runs.update({
      ...stored,
      outcome: 'failed',
      attempts: 5,
      error: { code: 'ResourceNotFound', message: 'The VM was deleted.' },
      note: 'the VM is gone',
      operation: 'deallocate',
      finishedAt: Date.parse('2026-11-25T18:00:09Z'),
    });
    expect(done).toMatchObject({
      outcome: 'failed',
      attempts: 5,
      error: { code: 'ResourceNotFound' },
      note: 'the VM is gone',
      operation: 'deallocate',
    });
    await expect(store.runs.update(stored)).rejects.toBeInstanceOf(PreconditionFailedError);
    const page = await store.runs.list({ targetId: 'a'.repeat(32) });
    expect(page.items.map((r) => new Date(r.occurrenceAt).toISOString())).toEqual([
      '2026-11-26T18:00:00.000Z',
      '2026-11-25T18:00:00.000Z',
    ]);
  });
});

describe('run histories', () => {
  const target = 'b'.repeat(32);

  it('keeps each registration of a target apart, and lists the registrations that have runs', async () => {
    const { store } = await freshStorage();
    const first = { targetId: target, registration: '0123456789abcdef' };
    const second = { targetId: target, registration: 'fedcba9876543210' };
    await store.runs.createIfAbsent({ ...run('2026-11-25T18:00:00Z'), ...first });
    await store.runs.putLatest({
      ...first,
      latestAt: Date.parse('2026-11-25T18:00:00Z'),
      latestAction: 'Stop',
    });
    await store.runs.createIfAbsent({ ...run('2026-11-26T08:00:00Z'), ...second, requestedAction: 'Start' });
    await store.runs.putLatest({
      ...second,
      latestAt: Date.parse('2026-11-26T08:00:00Z'),
      latestAction: 'Start',
    });
    // A neighbouring target's history is not ours, however its id sorts.
    await store.runs.putLatest({ targetId: 'c'.repeat(32), latestAt: 1, latestAction: 'Stop' });

    expect((await store.runs.list(second)).items.map((r) => r.requestedAction)).toEqual(['Start']);
    expect((await store.runs.list(first)).items.map((r) => r.requestedAction)).toEqual(['Stop']);
    expect(await store.runs.listRegistrations(target)).toEqual([
      { ...second, latestAt: Date.parse('2026-11-26T08:00:00Z'), latestAction: 'Start' },
      { ...first, latestAt: Date.parse('2026-11-25T18:00:00Z'), latestAction: 'Stop' },
    ]);
  });

  it('writes the latest row only once without an ETag, then only under its ETag', async () => {
    const { store } = await freshStorage();
    const history = { targetId: target, registration: '0123456789abcdef' };
    const created = await store.runs.putLatest({ ...history, latestAt: 1, latestAction: 'Stop' });
    await expect(
      store.runs.putLatest({ ...history, latestAt: 2, latestAction: 'Start' }),
    ).rejects.toBeInstanceOf(ConflictError);
    const claimed = await store.runs.putLatest(
      { ...history, latestAt: 2, latestAction: 'Start', actor: { at: 2, owner: 'm1', until: 99 } },
      { etag: created.etag },
    );
    expect(await store.runs.getLatest(history)).toEqual(claimed);
    await expect(
      store.runs.putLatest({ ...history, latestAt: 3, latestAction: 'Stop' }, { etag: created.etag }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
  });
});

describe('checkpoint repository', () => {
  it('creates a checkpoint once and advances it only under its ETag', async () => {
    const { store } = await freshStorage();
    expect(await store.checkpoints.get('tick')).toBeUndefined();
    const created = await store.checkpoints.set('tick', Date.parse('2026-11-25T21:00:00Z'));
    await expect(store.checkpoints.set('tick', 0)).rejects.toBeInstanceOf(ConflictError);
    const read = await store.checkpoints.get('tick');
    expect(read).toEqual(created);
    const results = await Promise.allSettled([
      store.checkpoints.set('tick', Date.parse('2026-11-25T21:01:00Z'), { etag: created.etag }),
      store.checkpoints.set('tick', Date.parse('2026-11-25T21:01:00Z'), { etag: created.etag }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(
      PreconditionFailedError,
    );
    expect((await store.checkpoints.get('tick'))?.value).toBe(Date.parse('2026-11-25T21:01:00Z'));
  });

  it('keeps what the tick left of the write buckets with the checkpoint, and drops it when none is left', async () => {
    const { store } = await freshStorage();
    const pacing = { 'arm/sub-a': Date.parse('2026-11-25T21:01:41Z'), 'vm/sub-a': 1.5e12 };
    const created = await store.checkpoints.set('tick', Date.parse('2026-11-25T21:00:00Z'), { pacing });
    expect(await store.checkpoints.get('tick')).toEqual({ ...created, pacing });
    const moved = await store.checkpoints.set('tick', Date.parse('2026-11-25T21:01:00Z'), {
      etag: created.etag,
    });
    expect(await store.checkpoints.get('tick')).toEqual(moved);
    expect(moved.pacing).toBeUndefined();
  });
});
