import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictError,
  InvalidRequestError,
  NotFoundError,
  PreconditionFailedError,
} from '../../src/errors.js';
import type { IdlePolicy, PoolPolicy } from '../../src/store/pool-ports.js';
import { allRows, freshStorage, type TestStorage } from '../support/storage.js';
import { stopWeekdays, vmTarget } from './fixtures.js';

let storage: TestStorage;
beforeAll(async () => {
  storage = await freshStorage();
});

const pool: PoolPolicy = {
  minCapacity: 0,
  wakeCapacity: 1,
  maxCapacity: 4,
  sessionsPerInstance: 4,
  idleMinutes: 30,
  activity: 'sessions',
  cpuThresholdPercent: 5,
};
const idle: IdlePolicy = { idleMinutes: 45, activity: 'cpu', cpuThresholdPercent: 7.5 };
const at = Date.parse('2026-11-26T09:00:00Z');

async function registered(name: string) {
  const target = vmTarget(name);
  await storage.store.targets.create(target);
  return target;
}

describe('scaling repository: policies', () => {
  it('writes a pool policy, reads it back and lists the target as scaled', async () => {
    const { id } = await registered('pool-put');
    const stored = await storage.store.scaling.putPool(id, pool, { updatedBy: 'alice', updatedAt: at });
    expect(stored).toEqual({
      targetId: id,
      policy: pool,
      etag: stored.etag,
      updatedAt: at,
      updatedBy: 'alice',
    });
    expect(stored.etag).toMatch(/^[0-9a-f]{16}$/);
    expect(await storage.store.scaling.getPool(id)).toEqual(stored);
    expect(await storage.store.scaling.getIdle(id)).toBeUndefined();
    const scaled = await storage.store.scaling.listScaled();
    expect(scaled.items).toContainEqual({ targetId: id, kind: 'pool' });
  });

  it('keeps the schedule readable and unchanged beside a policy', async () => {
    const { id } = await registered('pool-beside-schedule');
    const schedule = await storage.store.schedules.replace(id, {
      entries: [stopWeekdays],
      nextOccurrences: [Date.parse('2026-11-26T18:00:00Z')],
      registeredAt: at,
      updatedAt: at,
    });
    await storage.store.scaling.putIdle(id, idle, { updatedAt: at });
    await storage.store.scaling.recordActivity(id, { at, instances: [{ instanceId: '', sessions: 1 }] });
    expect(await storage.store.schedules.get(id)).toEqual(schedule);
    // A schedule write after the policy's (which touched the header's ETag) still goes through.
    await expect(
      storage.store.schedules.replace(
        id,
        { entries: [], nextOccurrences: [], registeredAt: at, updatedAt: at },
        { ifRevision: schedule.revision },
      ),
    ).resolves.toMatchObject({ entries: [] });
    expect(await storage.store.scaling.getIdle(id)).toMatchObject({ policy: idle });
  });

  it('replaces a policy only under the ETag read, and refuses a stale one', async () => {
    const { id } = await registered('pool-etag');
    const first = await storage.store.scaling.putPool(id, pool);
    const second = await storage.store.scaling.putPool(
      id,
      { ...pool, maxCapacity: 8 },
      { ifMatch: first.etag },
    );
    expect(second.etag).not.toBe(first.etag);
    await expect(
      storage.store.scaling.putPool(id, { ...pool, maxCapacity: 2 }, { ifMatch: first.etag }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await storage.store.scaling.getPool(id))?.policy.maxCapacity).toBe(8);
    await expect(storage.store.scaling.deletePool(id, { ifMatch: first.etag })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect(await storage.store.scaling.getPool(id)).toBeDefined();
  });

  it('refuses If-Match when there is no policy yet, and accepts * only when there is one', async () => {
    const { id } = await registered('pool-if-match-none');
    await expect(storage.store.scaling.putPool(id, pool, { ifMatch: '*' })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect(await storage.store.scaling.getPool(id)).toBeUndefined();
    await storage.store.scaling.putPool(id, pool);
    await expect(storage.store.scaling.putPool(id, pool, { ifMatch: '*' })).resolves.toBeDefined();
  });

  it('refuses a policy for a target that is not registered, and writes nothing', async () => {
    const { store } = await freshStorage();
    const missing = vmTarget('never-registered').id;
    await expect(store.scaling.putPool(missing, pool)).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.scaling.getPool(missing)).toBeUndefined();
  });

  it('deletes a policy and takes the target off the scaled list', async () => {
    const { id } = await registered('pool-delete');
    const stored = await storage.store.scaling.putPool(id, pool);
    expect(await storage.store.scaling.deletePool(id, { ifMatch: stored.etag })).toBe(true);
    expect(await storage.store.scaling.getPool(id)).toBeUndefined();
    expect(await storage.store.scaling.deletePool(id)).toBe(false);
    const all = await storage.store.scaling.listScaled({ maxPageSize: 1000 });
    expect(all.items.filter((s) => s.targetId === id)).toEqual([]);
  });

  it('lists scaled targets a page at a time from its own table, not the targets', async () => {
    const { store, clients } = await freshStorage();
    const ids: string[] = [];
    for (const name of ['s1', 's2', 's3', 's4', 's5']) {
      const target = vmTarget(name);
      await store.targets.create(target);
      ids.push(target.id);
    }
    await store.targets.create(vmTarget('unscaled'));
    for (const id of ids.slice(0, 3)) await store.scaling.putPool(id, pool);
    for (const id of ids.slice(3)) await store.scaling.putIdle(id, idle);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await store.scaling.listScaled({
        maxPageSize: 2,
        ...(token ? { continuationToken: token } : {}),
      });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((s) => `${s.targetId}:${s.kind}`));
      token = page.continuationToken;
    } while (token);
    expect(seen.sort()).toEqual(
      [...ids.slice(0, 3).map((id) => `${id}:pool`), ...ids.slice(3).map((id) => `${id}:idle`)].sort(),
    );
    expect(await allRows(clients, clients.names.scaled)).toHaveLength(5);
    await expect(store.scaling.listScaled({ continuationToken: 'garbage!' })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
  });
});

describe('scaling repository: activity and wakes', () => {
  it('keeps each instance’s newest report, and its last session across reports of none', async () => {
    const { id } = await registered('pool-activity');
    await storage.store.scaling.recordActivity(id, {
      at,
      instances: [
        { instanceId: '0', sessions: 2 },
        { instanceId: '3', sessions: 0 },
      ],
      waiting: 1,
    });
    await storage.store.scaling.recordActivity(id, {
      at: at + 60_000,
      instances: [{ instanceId: '0', sessions: 0 }],
    });
    const activity = await storage.store.scaling.readActivity(id);
    expect(activity.waiting).toEqual({ count: 1, reportedAt: at });
    expect(activity.instances.sort((a, b) => a.instanceId.localeCompare(b.instanceId))).toEqual([
      { instanceId: '0', sessions: 0, reportedAt: at + 60_000, lastSessionAt: at },
      { instanceId: '3', sessions: 0, reportedAt: at },
    ]);
  });

  it('records a single machine’s sessions under the empty instance id', async () => {
    const { id } = await registered('vm-activity');
    await storage.store.scaling.recordActivity(id, { at, instances: [{ instanceId: '', sessions: 1 }] });
    expect(await storage.store.scaling.readActivity(id)).toEqual({
      instances: [{ instanceId: '', sessions: 1, reportedAt: at, lastSessionAt: at }],
    });
  });

  it('records reports of more instances than one transaction holds', async () => {
    const { id } = await registered('pool-many');
    const instances = Array.from({ length: 150 }, (_, i) => ({ instanceId: String(i), sessions: i % 2 }));
    await storage.store.scaling.recordActivity(id, { at, instances });
    expect((await storage.store.scaling.readActivity(id)).instances).toHaveLength(150);
    await storage.store.scaling.forgetActivity(id, ['0', '1', 'unknown']);
    expect((await storage.store.scaling.readActivity(id)).instances).toHaveLength(148);
  });

  it('remembers the newest wake', async () => {
    const { id } = await registered('pool-wake');
    expect(await storage.store.scaling.lastWake(id)).toBeUndefined();
    await storage.store.scaling.recordWake(id, at);
    await storage.store.scaling.recordWake(id, at + 5_000);
    expect(await storage.store.scaling.lastWake(id)).toBe(at + 5_000);
  });
});

describe('activity tokens', () => {
  it('stores a token’s hash, lists tokens without it, and revokes', async () => {
    const { id } = await registered('pool-tokens');
    const token = { targetId: id, tokenId: '0123456789abcdef', createdAt: at, createdBy: 'alice' };
    await storage.store.activityTokens.create(token, 'hash-1');
    await storage.store.activityTokens.create(
      {
        ...token,
        tokenId: 'fedcba9876543210',
        createdAt: at + 1,
        expiresAt: at + 86_400_000,
        registration: 'r1',
      },
      'hash-2',
    );
    await expect(storage.store.activityTokens.create(token, 'hash-3')).rejects.toBeInstanceOf(ConflictError);
    expect(await storage.store.activityTokens.get(id, token.tokenId)).toEqual({
      token,
      secretHash: 'hash-1',
    });
    const listed = await storage.store.activityTokens.list(id);
    expect(listed.map((t) => t.tokenId)).toEqual(['0123456789abcdef', 'fedcba9876543210']);
    expect(JSON.stringify(listed)).not.toContain('hash');
    expect(await storage.store.activityTokens.revoke(id, token.tokenId)).toBe(true);
    expect(await storage.store.activityTokens.revoke(id, token.tokenId)).toBe(false);
    expect(await storage.store.activityTokens.get(id, token.tokenId)).toBeUndefined();
  });
});

describe('deleting a scaled target', () => {
  it('removes its policies, activity, wake and tokens, and takes it off the scaled list', async () => {
    const { store, clients } = await freshStorage();
    const target = vmTarget('pool-gone');
    await store.targets.create(target);
    await store.scaling.putPool(target.id, pool);
    await store.scaling.putIdle(target.id, idle);
    const instances = Array.from({ length: 120 }, (_, i) => ({ instanceId: String(i), sessions: 1 }));
    await store.scaling.recordActivity(target.id, { at, instances, waiting: 2 });
    await store.scaling.recordWake(target.id, at);
    await store.activityTokens.create(
      { targetId: target.id, tokenId: '0123456789abcdef', createdAt: at, createdBy: 'alice' },
      'hash',
    );
    expect(await store.targets.delete(target.id)).toBe(true);
    expect(await allRows(clients, clients.names.targets)).toEqual([]);
    expect(await allRows(clients, clients.names.scaled)).toEqual([]);
    expect(await store.scaling.getPool(target.id)).toBeUndefined();
    expect(await store.activityTokens.list(target.id)).toEqual([]);
    await expect(store.scaling.putPool(target.id, pool)).rejects.toBeInstanceOf(NotFoundError);
    expect(await allRows(clients, clients.names.targets)).toEqual([]);
  });
});
