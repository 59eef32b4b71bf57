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
    expect(done.lease).toBeUndefined();
    const leased = await store.runs.update({
      ...done,
      lease: { owner: 'message-1', until: Date.parse('2026-11-25T18:10:00Z') },
    });
    expect(leased.lease).toEqual({ owner: 'message-1', until: Date.parse('2026-11-25T18:10:00Z') });
    expect((await store.runs.update({ ...leased, lease: undefined })).lease).toBeUndefined();
    await expect(store.runs.update(stored)).rejects.toBeInstanceOf(PreconditionFailedError);
    const page = await store.runs.list('a'.repeat(32));
    expect(page.items.map((r) => new Date(r.occurrenceAt).toISOString())).toEqual([
      '2026-11-26T18:00:00.000Z',
      '2026-11-25T18:00:00.000Z',
    ]);
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
});
