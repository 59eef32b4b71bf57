import { beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, InvalidRequestError, PreconditionFailedError } from '../../src/errors.js';
import { provisionStorage } from '../../src/store/index.js';
import { allRows, freshStorage, type TestStorage } from '../support/storage.js';
import { allDueRows, stopWeekdays, vmTarget } from './fixtures.js';

let storage: TestStorage;
beforeAll(async () => {
  storage = await freshStorage();
});

describe('target repository', () => {
  it('provisions its tables and queues idempotently', async () => {
    await expect(provisionStorage(storage.clients)).resolves.toBeUndefined();
  });

  it('creates a target with an empty schedule and reads it back', async () => {
    const target = vmTarget('vm-create');
    const stored = await storage.store.targets.create(target);
    expect(stored).toMatchObject({ ...target, etag: expect.any(String) as string });
    expect(await storage.store.targets.get(target.id)).toEqual(stored);
    const schedule = await storage.store.schedules.get(target.id);
    expect(schedule).toMatchObject({ targetId: target.id, entries: [], registeredAt: target.createdAt });
    expect(schedule?.revision).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses to create the same target twice', async () => {
    const target = vmTarget('vm-twice');
    await storage.store.targets.create(target);
    await expect(storage.store.targets.create(target)).rejects.toBeInstanceOf(ConflictError);
  });

  it('answers undefined for a target that does not exist', async () => {
    expect(await storage.store.targets.get('0'.repeat(32))).toBeUndefined();
    expect(await storage.store.schedules.get('0'.repeat(32))).toBeUndefined();
    expect(await storage.store.targets.delete('0'.repeat(32))).toBe(false);
  });

  it('lists a principal its owned and assigned targets, and nobody else’s', async () => {
    const { store } = await freshStorage();
    await store.targets.create(vmTarget('vm-b1', 'bob'));
    await store.targets.create(vmTarget('vm-admin-for-bob', 'admin', 'bob'));
    await store.targets.create(vmTarget('vm-c1', 'carol'));
    const bobs = await store.targets.listForPrincipal('bob');
    expect(bobs.items.map((t) => t.name).sort()).toEqual(['vm-admin-for-bob', 'vm-b1']);
    expect(bobs.continuationToken).toBeUndefined();
    const admins = await store.targets.listForPrincipal('admin');
    expect(admins.items.map((t) => t.name)).toEqual(['vm-admin-for-bob']);
  });

  it('pages through all targets with continuation tokens', async () => {
    const { store } = await freshStorage();
    for (const name of ['vm-p1', 'vm-p2', 'vm-p3', 'vm-p4', 'vm-p5'])
      await store.targets.create(vmTarget(name));
    // Entries and schedule headers share the partitions: pages must still hold only targets.
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await store.targets.listAll({
        maxPageSize: 2,
        ...(token ? { continuationToken: token } : {}),
      });
      expect(page.items.length).toBeLessThanOrEqual(2);
      names.push(...page.items.map((t) => t.name));
      token = page.continuationToken;
      pages++;
    } while (token);
    expect(names.sort()).toEqual(['vm-p1', 'vm-p2', 'vm-p3', 'vm-p4', 'vm-p5']);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('refuses a continuation token it did not issue', async () => {
    for (const token of ['not a token', 'eyJmb28iOjF9', "'); drop table targets"]) {
      await expect(storage.store.targets.listAll({ continuationToken: token })).rejects.toBeInstanceOf(
        InvalidRequestError,
      );
    }
  });

  it('moves a target to another assignee, and refuses a stale ETag', async () => {
    const { store } = await freshStorage();
    const created = await store.targets.create(vmTarget('vm-assign', 'admin', 'bob'));
    const moved = await store.targets.updateAssignment(created, 'dana');
    expect(moved.assignedTo).toBe('dana');
    expect((await store.targets.listForPrincipal('bob')).items).toEqual([]);
    expect((await store.targets.listForPrincipal('dana')).items.map((t) => t.name)).toEqual(['vm-assign']);
    await expect(store.targets.updateAssignment(created, 'erin')).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
  });

  it('deletes a target with its schedule, due rows and access rows', async () => {
    const { store, clients } = await freshStorage();
    const target = await store.targets.create(vmTarget('vm-delete', 'admin', 'bob'));
    await store.schedules.replace(target.id, {
      entries: [stopWeekdays],
      nextOccurrences: [Date.parse('2026-11-26T18:00:00Z')],
      registeredAt: target.createdAt,
      updatedAt: target.createdAt,
    });
    expect(await allDueRows(clients)).toHaveLength(1);
    expect(await store.targets.delete(target.id)).toBe(true);
    expect(await store.targets.get(target.id)).toBeUndefined();
    expect(await allRows(clients, clients.names.targets)).toEqual([]);
    expect(await allDueRows(clients)).toEqual([]);
    expect(await allRows(clients, clients.names.access)).toEqual([]);
    expect(await store.targets.delete(target.id)).toBe(false);
  });

  it('treats principal ids as data, never as filter text', async () => {
    const { store } = await freshStorage();
    await store.targets.create(vmTarget('vm-victim', 'victim'));
    for (const principal of ["x' or PartitionKey ne '", "' or 1 eq 1 or '", 'a\u0000b', '../victim']) {
      expect((await store.targets.listForPrincipal(principal)).items).toEqual([]);
    }
  });
});

describe('the access index', () => {
  it('never shows a target to someone whose access row is stale', async () => {
    const { store } = await freshStorage();
    const alices = await store.targets.create(vmTarget('vm-alice', 'alice'));
    // As left behind by a registration that lost its race to Alice's, or by a reassignment.
    await store.targets.indexAccess({ ...alices, owner: { id: 'mallory' } });
    expect((await store.targets.listForPrincipal('mallory')).items).toEqual([]);
    expect((await store.targets.listForPrincipal('alice')).items.map((t) => t.name)).toEqual(['vm-alice']);
  });
});
