// Targets in Table Storage: the target row and an empty schedule are created together in the target's
// partition; a per-principal access table lets people list their own targets without scanning the fleet.

import { randomUUID } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';
import { ConflictError, InvalidRequestError, PreconditionFailedError, StorageError } from '../errors.js';
import type {
  OperationOptions,
  Override,
  Page,
  PageOptions,
  StoredTarget,
  Target,
  TargetRepository,
  TargetSchedule,
} from './ports.js';
import {
  SCALED_PARTITION,
  SCHEDULE_ROW,
  TARGET_ROW,
  isContinuationToken,
  principalPartitionKey,
  scaledRowKey,
} from './keys.js';
import { scheduleHeaderEntity, targetEntity, toSchedule, toTarget, type EntityResult } from './entities.js';
import { whereDueRowsMayBe, type DueTables } from './due-index.js';
import type { Clock } from '../clock.js';
import { readTargetPartition, readTargetRows } from './target-partition.js';
import {
  orUndefinedIfMissing,
  orUndefinedIfPresent,
  statusOf,
  storageFailure,
  WRITE_RACE_ATTEMPTS,
} from './tables.js';

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

export interface TargetTables {
  targets: TableClient;
  access: TableClient;
  due: DueTables;
  /** The index of targets with a pool or idle policy; a delete takes the target off it. */
  scaled: TableClient;
  /** Now, for where a deleted schedule's due rows are (`whereDueRowsMayBe`). */
  clock: Clock;
}

/** Table Storage takes at most 100 operations in one transaction. */
const MAX_TRANSACTION = 100;

/** How many target ids `seenLately` remembers; the oldest are forgotten first. */
const SEEN_LATELY = 10_000;

export class TableTargetRepository implements TargetRepository {
  /** Targets this process created or read lately, oldest first (a Map keeps insertion order). */
  private readonly seen = new Map<string, true>();

  constructor(private readonly tables: TargetTables) {}

  async get(targetId: string, options: OperationOptions = {}): Promise<StoredTarget | undefined> {
    const entity = await orUndefinedIfMissing(`reading target ${targetId}`, () =>
      this.tables.targets.getEntity<Record<string, unknown>>(targetId, TARGET_ROW, options),
    );
    this.see(targetId, entity !== undefined);
    return entity ? toTarget(entity as EntityResult) : undefined;
  }

  seenLately(targetId: string): boolean {
    return this.seen.has(targetId);
  }

  private see(targetId: string, exists: boolean): void {
    this.seen.delete(targetId);
    if (!exists) return;
    this.seen.set(targetId, true);
    if (this.seen.size > SEEN_LATELY) this.seen.delete(this.seen.keys().next().value!);
  }

  async getWithSchedule(
    targetId: string,
    options: OperationOptions = {},
  ): Promise<{ target: StoredTarget; schedule: TargetSchedule; override?: Override } | undefined> {
    const partition = await readTargetRows(this.tables.targets, targetId, { ...options, override: true });
    const { target, header, entries } = partition;
    if (!target || !header || header.deleting) return undefined;
    // An override row left by an earlier registration of the machine is not this one's.
    const stored = partition.override;
    const override =
      stored &&
      (stored.registration ?? '') === (target.registration ?? '') &&
      typeof stored.value === 'string'
        ? (JSON.parse(stored.value) as Override)
        : undefined;
    return { target, schedule: toSchedule(targetId, header, entries), ...(override ? { override } : {}) };
  }

  async create(target: Target, options: OperationOptions = {}): Promise<StoredTarget> {
    // Every registration gets a history of its own (see `Target.registration`).
    target = { ...target, registration: target.registration ?? newRevision() };
    // Index access first: if we stop half-way the owner still finds the target once it exists, and a
    // row pointing at a target that was never created is skipped when listing.
    await this.indexAccess(target, options);
    const header = scheduleHeaderEntity(target.id, {
      revision: newRevision(),
      registeredAt: target.createdAt,
      updatedAt: target.createdAt,
      entryCount: 0,
    });
    let etag: string | undefined;
    try {
      const response = await this.tables.targets.submitTransaction(
        [
          ['create', targetEntity(target)],
          ['create', header],
        ],
        options,
      );
      etag = response.getResponseForEntity(TARGET_ROW)?.etag;
    } catch (error) {
      if (statusOf(error) === 409) throw new ConflictError(`target ${target.id} is already registered`);
      throw storageFailure(`creating target ${target.id}`, error);
    }
    // The transaction's answer carries the new row's ETag: the target as stored is what we wrote, so it
    // is not read back (a read more per registration, on the API's busiest write).
    if (!etag) throw storageFailure(`creating target ${target.id}`, new Error('no ETag in the answer'));
    this.see(target.id, true);
    return { ...target, etag };
  }

  async updateAssignment(
    target: StoredTarget,
    assignedTo: string | undefined,
    options: OperationOptions = {},
  ): Promise<StoredTarget> {
    const updated = withField(target, 'assignedTo', assignedTo);
    await this.indexAccess(updated, options);
    await this.replaceIfUnchanged(target, updated, options);
    if (
      target.assignedTo !== undefined &&
      target.assignedTo !== assignedTo &&
      target.assignedTo !== target.owner.id
    ) {
      await this.unindex(target.assignedTo, target.id, options);
    }
    return this.readAfterUpdate(target.id, options);
  }

  async updateConnectUrl(
    target: StoredTarget,
    connectUrl: string | undefined,
    options: OperationOptions = {},
  ): Promise<StoredTarget> {
    await this.replaceIfUnchanged(target, withField(target, 'connectUrl', connectUrl), options);
    return this.readAfterUpdate(target.id, options);
  }

  /** Writes `updated` over the row only while it still has the ETag `target` was read with. */
  private async replaceIfUnchanged(
    target: StoredTarget,
    updated: Target,
    options: OperationOptions,
  ): Promise<void> {
    try {
      await this.tables.targets.updateEntity(targetEntity(updated), 'Replace', {
        ...options,
        etag: target.etag,
      });
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 404) {
        throw new PreconditionFailedError(`target ${target.id} changed meanwhile; read it again`);
      }
      throw storageFailure(`updating target ${target.id}`, error);
    }
  }

  /** The target as stored after an update; gone by now means someone deleted it in between. */
  private async readAfterUpdate(targetId: string, options: OperationOptions): Promise<StoredTarget> {
    const stored = await this.get(targetId, options);
    if (!stored) throw new PreconditionFailedError(`target ${targetId} was deleted meanwhile`);
    return stored;
  }

  async indexAccess(target: Target, options: OperationOptions = {}): Promise<void> {
    const principals = new Set([
      target.owner.id,
      ...(target.assignedTo !== undefined ? [target.assignedTo] : []),
    ]);
    // An access row says nothing but who may see which target, so one already there is this row: insert,
    // and take 409 as done. An upsert would cost the same in Azure, but Azurite reads the principal's whole
    // partition twice for it (once to look, once to write), and one person's partition holds every machine
    // they registered.
    await Promise.all(
      [...principals].map((principalId) =>
        orUndefinedIfPresent(`indexing target ${target.id}`, () =>
          this.tables.access.createEntity(
            { partitionKey: principalPartitionKey(principalId), rowKey: target.id, principalId },
            options,
          ),
        ),
      ),
    );
  }

  async delete(targetId: string, options: OperationOptions = {}): Promise<boolean> {
    this.see(targetId, false);
    for (let attempt = 1; ; attempt++) {
      const partition = await readTargetPartition(this.tables.targets, targetId, {
        ...options,
        everyRow: true,
      });
      if (!partition.target && partition.rows.length === 0) return false;
      try {
        // Mark the schedule as being deleted under its ETag: a schedule write that read the header before
        // now fails its own ETag check, and one that reads it after sees the mark and stops.
        if (partition.header) {
          const { etag, ...header } = partition.header;
          await this.tables.targets.updateEntity(
            scheduleHeaderEntity(targetId, { ...header, deleting: true }),
            'Replace',
            { ...options, etag },
          );
        }
        // Due rows next: should we stop after this, the target still exists and a retry finishes the job.
        // Where they most likely are; one missed is deleted by the executor when it falls due.
        const registeredAt = partition.header?.registeredAt ?? 0;
        await this.tables.due.delete(
          whereDueRowsMayBe(targetId, partition.entries, registeredAt, this.tables.clock.now()),
          options,
        );
        await this.deleteRows(targetId, partition.rows, options);
      } catch (error) {
        const status = statusOf(error);
        if ((status === 412 || status === 404) && attempt < WRITE_RACE_ATTEMPTS) continue;
        if (error instanceof StorageError) throw error;
        throw storageFailure(`deleting target ${targetId}`, error);
      }
      await this.unlistScaled(targetId, options);
      if (partition.target) {
        const { owner, assignedTo } = partition.target;
        await this.unindex(owner.id, targetId, options);
        if (assignedTo !== undefined && assignedTo !== owner.id)
          await this.unindex(assignedTo, targetId, options);
      }
      return partition.target !== undefined;
    }
  }

  async listAll(options: PageOptions = {}): Promise<Page<StoredTarget>> {
    return this.collectPage(this.tables.targets, odata`RowKey eq ${TARGET_ROW}`, options, (entity) =>
      Promise.resolve(toTarget(entity)),
    );
  }

  async listForPrincipal(principalId: string, options: PageOptions = {}): Promise<Page<StoredTarget>> {
    return this.collectPage(
      this.tables.access,
      odata`PartitionKey eq ${principalPartitionKey(principalId)}`,
      options,
      // The access table is only an index: a row may outlive a deleted target or a reassignment, or have
      // been written by a registration that then lost its race. The target row decides who sees it.
      async (entity) => {
        const target = await this.get(entity.rowKey, options);
        const visible = target && (target.owner.id === principalId || target.assignedTo === principalId);
        return visible ? target : undefined;
      },
    );
  }

  /**
   * Fills one page from a query. Table Storage may answer with short or empty pages and a token,
   * so we keep asking (for only what is still missing) until the page is full or the rows run out.
   */
  private async collectPage(
    table: TableClient,
    filter: string,
    options: PageOptions,
    load: (entity: EntityResult) => Promise<StoredTarget | undefined>,
  ): Promise<Page<StoredTarget>> {
    const wanted = Math.min(Math.max(options.maxPageSize ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    let token = options.continuationToken;
    if (token !== undefined && !isContinuationToken(token)) {
      throw new InvalidRequestError('The continuation token is not one we issued.', [
        { parameter: 'continuationToken', reason: 'is not a continuation token from a previous page' },
      ]);
    }
    const items: StoredTarget[] = [];
    try {
      do {
        const pages = table
          .listEntities<Record<string, unknown>>({
            queryOptions: { filter },
            ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
          })
          .byPage({ maxPageSize: wanted - items.length, ...(token ? { continuationToken: token } : {}) });
        const page = await pages.next();
        if (page.done) {
          token = undefined;
          break;
        }
        const loaded = await Promise.all(page.value.map((entity) => load(entity as EntityResult)));
        items.push(...loaded.filter((t): t is StoredTarget => t !== undefined));
        token = page.value.continuationToken;
      } while (token && items.length < wanted);
    } catch (error) {
      if (error instanceof TypeError || error instanceof InvalidRequestError) throw error;
      if (statusOf(error) === 400) {
        throw new InvalidRequestError('The continuation token is not one we issued.', [
          { parameter: 'continuationToken', reason: 'was refused by storage' },
        ]);
      }
      throw storageFailure('listing targets', error);
    }
    return { items, ...(token ? { continuationToken: token } : {}) };
  }

  /**
   * Deletes the partition's rows, a transaction of at most 100 at a time. The target and schedule rows go in
   * the last one: should we stop before it, the target is still registered and a retry finishes the job.
   */
  private async deleteRows(targetId: string, rows: { rowKey: string }[], options: OperationOptions) {
    const last = new Set([TARGET_ROW, SCHEDULE_ROW]);
    const ordered = [...rows.filter((r) => !last.has(r.rowKey)), ...rows.filter((r) => last.has(r.rowKey))];
    for (let start = 0; start < ordered.length; start += MAX_TRANSACTION) {
      const chunk = ordered.slice(start, start + MAX_TRANSACTION);
      await this.tables.targets.submitTransaction(
        chunk.map(({ rowKey }) => ['delete', { partitionKey: targetId, rowKey }]),
        options,
      );
    }
  }

  /** Takes the target off the list of scaled targets, whatever policies it had. */
  private async unlistScaled(targetId: string, options: OperationOptions) {
    for (const kind of ['pool', 'idle'] as const) {
      try {
        await this.tables.scaled.deleteEntity(SCALED_PARTITION, scaledRowKey(targetId, kind), options);
      } catch (error) {
        if (statusOf(error) !== 404) throw storageFailure(`unlisting target ${targetId}`, error);
      }
    }
  }

  async unindexAccess(principalId: string, targetId: string, options: OperationOptions = {}): Promise<void> {
    await this.unindex(principalId, targetId, options);
  }

  private async unindex(principalId: string, targetId: string, options: OperationOptions) {
    try {
      await this.tables.access.deleteEntity(principalPartitionKey(principalId), targetId, options);
    } catch (error) {
      if (statusOf(error) !== 404) throw storageFailure(`unindexing target ${targetId}`, error);
    }
  }
}

/** A schedule revision: short, unique, and never reused after a target is deleted and registered again. */
export function newRevision(): string {
  return randomUUID().replace(/-/g, '').slice(0, 16);
}

/** The target without its ETag, with one optional field set, or removed when `value` is undefined. */
function withField(
  target: StoredTarget,
  field: 'assignedTo' | 'connectUrl',
  value: string | undefined,
): Target {
  const { etag: _etag, ...updated } = target;
  if (value === undefined) delete updated[field];
  else updated[field] = value;
  return updated;
}
