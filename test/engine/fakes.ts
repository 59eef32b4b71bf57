// In-memory fakes of the engine's ports, so the tick and execute use cases are tested on their own.
// They keep the contracts of the real adapters: ETags on runs and checkpoints, createIfAbsent, due moves.

import { ConflictError, PreconditionFailedError } from '../../src/errors.js';
import {
  TargetNotFoundError,
  type ComputeGateway,
  type CpuSample,
  type PoolGateway,
  type PoolView,
  type ScaleOptions,
  type ScaleResult,
  type TargetAction,
  type TargetState,
  type ActResult,
  type Machine,
} from '../../src/compute/gateway.js';
import type { ActionMessage } from '../../src/engine/action-message.js';
import type { ActionQueue, SendOptions } from '../../src/engine/ports.js';
import { historyPartitionKey } from '../../src/store/keys.js';
import type {
  Checkpoint,
  CheckpointRepository,
  DueEntry,
  DueIndex,
  DueMove,
  DueRowRef,
  HistoryRef,
  LatestAction,
  Page,
  RegistrationHistory,
  Run,
  RunRepository,
  StoredLatestAction,
  StoredRun,
  StoredTarget,
  TargetRepository,
  TargetSchedule,
} from '../../src/store/ports.js';

let etagCounter = 0;
const nextEtag = (): string => `W/"${++etagCounter}"`;

export class MemoryRuns implements RunRepository {
  readonly rows = new Map<string, StoredRun>();
  readonly latest = new Map<string, StoredLatestAction>();
  private key = (history: HistoryRef, at: number): string => `${historyPartitionKey(history)}|${at}`;

  createIfAbsent(run: Run): Promise<{ run: StoredRun; created: boolean }> {
    const key = this.key(run, run.occurrenceAt);
    const existing = this.rows.get(key);
    if (existing) return Promise.resolve({ run: { ...existing }, created: false });
    const stored = { ...run, etag: nextEtag() };
    this.rows.set(key, stored);
    return Promise.resolve({ run: { ...stored }, created: true });
  }

  get(history: HistoryRef, occurrenceAt: number): Promise<StoredRun | undefined> {
    const row = this.rows.get(this.key(history, occurrenceAt));
    return Promise.resolve(row ? { ...row } : undefined);
  }

  update(run: StoredRun): Promise<StoredRun> {
    const key = this.key(run, run.occurrenceAt);
    const existing = this.rows.get(key);
    if (!existing || existing.etag !== run.etag)
      return Promise.reject(new PreconditionFailedError('run changed'));
    const stored = { ...run, etag: nextEtag() };
    this.rows.set(key, stored);
    return Promise.resolve({ ...stored });
  }

  list(history: HistoryRef): Promise<Page<StoredRun>> {
    const items = [...this.rows.values()]
      .filter((r) => historyPartitionKey(r) === historyPartitionKey(history))
      .sort((a, b) => b.occurrenceAt - a.occurrenceAt);
    return Promise.resolve({ items });
  }

  getLatest(history: HistoryRef): Promise<StoredLatestAction | undefined> {
    const row = this.latest.get(historyPartitionKey(history));
    return Promise.resolve(row ? structuredClone(row) : undefined);
  }

  putLatest(latest: LatestAction, options: { etag?: string } = {}): Promise<StoredLatestAction> {
    const key = historyPartitionKey(latest);
    const existing = this.latest.get(key);
    if (options.etag === undefined && existing) return Promise.reject(new ConflictError('latest exists'));
    if (options.etag !== undefined && existing?.etag !== options.etag)
      return Promise.reject(new PreconditionFailedError('latest changed'));
    const stored = { ...structuredClone(latest), etag: nextEtag() };
    this.latest.set(key, stored);
    return Promise.resolve(structuredClone(stored));
  }

  listRegistrations(targetId: string): Promise<RegistrationHistory[]> {
    return Promise.resolve(
      [...this.latest.values()]
        .filter((l) => l.targetId === targetId)
        .map(({ targetId: id, registration, latestAt, latestAction }) => ({
          targetId: id,
          ...(registration ? { registration } : {}),
          latestAt,
          latestAction,
        })),
    );
  }

  all(): StoredRun[] {
    return [...this.rows.values()].sort((a, b) => a.occurrenceAt - b.occurrenceAt);
  }
}

/** Registered targets with their schedules: what the executor checks a message against. */
export class MemoryTargets implements Pick<TargetRepository, 'getWithSchedule' | 'get'> {
  readonly targets = new Map<string, { target: StoredTarget; schedule: TargetSchedule }>();

  /** Registers a VM (or another kind) with the given schedule entries. */
  add(
    targetId: string,
    resourceId: string,
    options: { kind?: StoredTarget['kind']; schedule?: Partial<TargetSchedule>; registration?: string } = {},
  ): StoredTarget {
    const target: StoredTarget = {
      id: targetId,
      resourceId,
      kind: options.kind ?? 'vm',
      subscriptionId: 's',
      resourceGroup: 'rg',
      name: resourceId.split('/').pop() ?? 'vm',
      owner: { id: 'owner' },
      createdAt: 0,
      ...(options.registration ? { registration: options.registration } : {}),
      etag: nextEtag(),
    };
    const schedule: TargetSchedule = {
      targetId,
      entries: [],
      revision: 'r1',
      registeredAt: 0,
      updatedAt: 0,
      ...options.schedule,
    };
    this.targets.set(targetId, { target, schedule });
    return target;
  }

  get(targetId: string): Promise<StoredTarget | undefined> {
    return Promise.resolve(structuredClone(this.targets.get(targetId)?.target));
  }

  getWithSchedule(targetId: string) {
    const found = this.targets.get(targetId);
    return Promise.resolve(found ? structuredClone(found) : undefined);
  }
}

export class MemoryCheckpoints implements CheckpointRepository {
  readonly rows = new Map<string, Checkpoint>();

  get(name: string): Promise<Checkpoint | undefined> {
    return Promise.resolve(this.rows.get(name));
  }

  set(
    name: string,
    value: number,
    options: { etag?: string; pacing?: Record<string, number> } = {},
  ): Promise<Checkpoint> {
    const existing = this.rows.get(name);
    if (options.etag === undefined && existing) return Promise.reject(new ConflictError('checkpoint exists'));
    if (options.etag !== undefined && existing?.etag !== options.etag) {
      return Promise.reject(new PreconditionFailedError('checkpoint changed'));
    }
    const stored = { name, value, ...(options.pacing ? { pacing: options.pacing } : {}), etag: nextEtag() };
    this.rows.set(name, stored);
    return Promise.resolve(stored);
  }
}

/**
 * Due rows keyed by (target, revision, entry), as the table keys them; `currentRevision` says which schedule
 * revision each target has now (only `isCurrent` reads it: the tick never does).
 */
export class MemoryDueIndex implements DueIndex {
  readonly rows = new Map<string, DueEntry>();
  readonly currentRevision = new Map<string, string>();
  listedMinutes = 0;
  private key = (row: { targetId: string; revision: string; entryIndex: number }): string =>
    `${row.targetId}|${row.revision}|${row.entryIndex}`;

  put(row: DueEntry): void {
    this.rows.set(this.key(row), row);
    this.currentRevision.set(row.targetId, row.revision);
  }

  async *listDue(after: number, until: number): AsyncIterable<DueEntry> {
    this.listedMinutes += Math.max(0, Math.round((until - after) / 60_000));
    const due = [...this.rows.values()]
      .filter((r) => r.at > after && r.at <= until)
      .sort((a, b) => a.at - b.at);
    for (const row of due) {
      await Promise.resolve();
      yield row;
    }
  }

  isCurrent(due: DueEntry): Promise<boolean> {
    return Promise.resolve(this.currentRevision.get(due.targetId) === due.revision);
  }

  reschedule(due: DueEntry, nextAt: number | undefined): Promise<void> {
    const key = this.key(due);
    if (nextAt === undefined) this.rows.delete(key);
    else this.rows.set(key, { ...due, at: nextAt });
    return Promise.resolve();
  }

  async rescheduleAll(moves: readonly DueMove[]): Promise<void> {
    for (const { row, nextAt } of moves) await this.reschedule(row, nextAt);
  }

  forget(refs: readonly DueRowRef[]): Promise<void> {
    for (const ref of refs) if (this.rows.get(this.key(ref))?.at === ref.at) this.rows.delete(this.key(ref));
    return Promise.resolve();
  }

  /** Rows live in one map: there is no per-hour storage to drop. */
  pruneBefore(): Promise<number> {
    return Promise.resolve(0);
  }
}

/** What `execute` reads and writes, over these runs and targets, with a due index of its own. */
export function memoryExecuteStore(
  runs: MemoryRuns,
  targets: MemoryTargets,
): { runs: MemoryRuns; targets: MemoryTargets; due: MemoryDueIndex } {
  return { runs, targets, due: new MemoryDueIndex() };
}

export class MemoryActionQueue implements ActionQueue {
  readonly sent: { message: ActionMessage; visibilityDelayInMs: number }[] = [];
  readonly poison: ActionMessage[] = [];
  /** Queue messages as sent: how many actions each carried (1 for `send`). */
  readonly queueMessages: number[] = [];

  send(message: ActionMessage, options: SendOptions = {}): Promise<void> {
    this.sent.push({
      message: structuredClone(message),
      visibilityDelayInMs: options.visibilityDelayInMs ?? 0,
    });
    this.queueMessages.push(1);
    return Promise.resolve();
  }

  /** Each action of an envelope is listed in `sent` with the envelope's delay. */
  sendTogether(messages: readonly ActionMessage[], options: SendOptions = {}): Promise<void> {
    for (const message of messages) {
      this.sent.push({
        message: structuredClone(message),
        visibilityDelayInMs: options.visibilityDelayInMs ?? 0,
      });
    }
    this.queueMessages.push(messages.length);
    return Promise.resolve();
  }

  sendToPoison(message: ActionMessage | string): Promise<void> {
    if (typeof message === 'string') return Promise.resolve();
    this.poison.push(structuredClone(message));
    return Promise.resolve();
  }
}

/**
 * Pools whose changes land at once: `pools` holds each pool's view by resource id (new instances run at once,
 * ids count up from the highest), `cpu` the samples readCpu answers; `poolFailures` queue errors for the next
 * pool calls. `poolCalls` records the scaling calls.
 */
export class FakePools implements PoolGateway {
  readonly pools = new Map<string, PoolView>();
  readonly cpu = new Map<string, CpuSample[]>();
  readonly poolCalls: { resourceId: string; scaleTo?: number; remove?: string[] }[] = [];
  readonly poolFailures: Error[] = [];

  async readPool(target: Machine): Promise<PoolView> {
    await this.failNext();
    return structuredClone(this.pool(target));
  }

  async scalePool(target: Machine, capacity: number, _options: ScaleOptions): Promise<ScaleResult> {
    this.poolCalls.push({ resourceId: target.resourceId, scaleTo: capacity });
    await this.failNext();
    const pool = this.pool(target);
    const from = pool.capacity;
    let next = Math.max(-1, ...pool.instances.map((i) => Number(i.instanceId))) + 1;
    while (pool.instances.length < capacity) {
      pool.instances.push({
        instanceId: String(next++),
        power: 'running',
        deleting: false,
        protectedFromScaleIn: false,
      });
    }
    const removable = pool.instances.filter((i) => !i.protectedFromScaleIn);
    while (pool.instances.length > capacity && removable.length > 0) {
      const newest = removable.pop()!;
      pool.instances = pool.instances.filter((i) => i !== newest);
    }
    pool.capacity = pool.instances.length;
    const outcome = from === capacity ? 'alreadyInState' : 'completed';
    return { outcome, operation: 'scale', capacity: { from, to: pool.capacity } };
  }

  async removePoolInstances(
    target: Machine,
    instanceIds: string[],
    _options: ScaleOptions,
  ): Promise<ScaleResult> {
    this.poolCalls.push({ resourceId: target.resourceId, remove: [...instanceIds] });
    await this.failNext();
    const pool = this.pool(target);
    const from = pool.capacity;
    pool.instances = pool.instances.filter((i) => !instanceIds.includes(i.instanceId));
    pool.capacity = pool.instances.length;
    const outcome = instanceIds.length === 0 ? 'alreadyInState' : 'completed';
    return { outcome, operation: 'deleteInstances', capacity: { from, to: pool.capacity } };
  }

  readCpu(target: Machine): Promise<CpuSample[]> {
    return Promise.resolve(structuredClone(this.cpu.get(target.resourceId) ?? []));
  }

  private failNext(): Promise<void> {
    const failure = this.poolFailures.shift();
    return failure ? Promise.reject(failure) : Promise.resolve();
  }

  private pool(target: Machine): PoolView {
    const pool = this.pools.get(target.resourceId);
    if (!pool)
      throw new TargetNotFoundError('fake: no such pool', { resourceId: target.resourceId, statusCode: 404 });
    return pool;
  }
}

/** A gateway whose machines flip state at once; `failures` queue errors for the next calls to `act`. */
export class FakeGateway extends FakePools implements ComputeGateway {
  readonly states = new Map<string, TargetState['power']>();
  readonly calls: { resourceId: string; action: TargetAction }[] = [];
  readonly failures: Error[] = [];
  readFailures: Error[] = [];
  /** Tags by resource id; none unless set. */
  readonly tags = new Map<string, Record<string, string>>();

  readTags(target: Machine): Promise<Record<string, string>> {
    return Promise.resolve({ ...this.tags.get(target.resourceId) });
  }

  readState(target: Machine): Promise<TargetState> {
    const failure = this.readFailures.shift();
    if (failure) return Promise.reject(failure);
    const power = this.states.get(target.resourceId) ?? 'unknown';
    return Promise.resolve({ power, raw: power });
  }

  act(target: Machine, action: TargetAction): Promise<ActResult> {
    this.calls.push({ resourceId: target.resourceId, action });
    const failure = this.failures.shift();
    if (failure) return Promise.reject(failure);
    this.states.set(target.resourceId, action === 'stop' ? 'stopped' : 'running');
    return Promise.resolve({
      action,
      outcome: 'completed',
      operation: action === 'stop' ? 'deallocate' : action,
    });
  }
}

/** A VM target `t1`, and its schedule's 02:00 UTC stop as the tick queues it: the executor tests' subject. */
export const VM = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1';
export const stop: ActionMessage = {
  v: 1,
  targetId: 't1',
  resourceId: VM,
  kind: 'vm',
  action: 'Stop',
  occurrenceAt: Date.parse('2026-11-25T02:00:00Z'),
  source: 'schedule',
};
