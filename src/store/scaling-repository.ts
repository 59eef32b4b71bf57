// Pool and idle policies, activity and wake requests in Table Storage: rows in the target's own partition of
// `targets` (so a target's delete takes them along), and a row per scaled target in `scaled`, the timer's list.

import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { InvalidRequestError, NotFoundError, PreconditionFailedError, StorageError } from '../errors.js';
import type { OperationOptions, Page, PageOptions } from './ports.js';
import type {
  ActivityReport,
  PolicyWriteOptions,
  IdlePolicy,
  InstanceActivity,
  PoolPolicy,
  ScaledTarget,
  ScalingRepository,
  StoredPolicy,
} from './pool-ports.js';
import type { EntityResult } from './entities.js';
import {
  ACTIVITY_ROWS,
  IDLE_POLICY_ROW,
  POOL_POLICY_ROW,
  SCALED_PARTITION,
  SCHEDULE_ROW,
  TARGET_ROW,
  WAITING_ROW,
  WAKE_ROW,
  activityRowKey,
  isContinuationToken,
  scaledRowKey,
} from './keys.js';
import {
  activityEntity,
  policyEntity,
  toInstanceActivity,
  toPolicyRow,
  type PolicyRow,
} from './scaling-entities.js';
import { systemClock } from '../clock.js';
import { newRevision } from './target-repository.js';
import { orUndefinedIfMissing, statusOf, storageFailure } from './tables.js';

const MAX_ATTEMPTS = 5;
const MAX_TRANSACTION = 100;
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

type Kind = ScaledTarget['kind'];
type PutOptions = PolicyWriteOptions;
type DeleteOptions = OperationOptions & { ifMatch?: string };

const POLICY_ROW: Record<Kind, string> = { pool: POOL_POLICY_ROW, idle: IDLE_POLICY_ROW };

export interface ScalingTables {
  targets: TableClient;
  scaled: TableClient;
}

export class TableScalingRepository implements ScalingRepository {
  constructor(private readonly tables: ScalingTables) {}

  getPool(targetId: string, options: OperationOptions = {}) {
    return this.getPolicy<PoolPolicy>(targetId, 'pool', options);
  }

  getIdle(targetId: string, options: OperationOptions = {}) {
    return this.getPolicy<IdlePolicy>(targetId, 'idle', options);
  }

  putPool(targetId: string, policy: PoolPolicy, options: PutOptions = {}) {
    return this.putPolicy(targetId, 'pool', policy, options);
  }

  putIdle(targetId: string, policy: IdlePolicy, options: PutOptions = {}) {
    return this.putPolicy(targetId, 'idle', policy, options);
  }

  deletePool(targetId: string, options: DeleteOptions = {}) {
    return this.deletePolicy(targetId, 'pool', options);
  }

  deleteIdle(targetId: string, options: DeleteOptions = {}) {
    return this.deletePolicy(targetId, 'idle', options);
  }

  private async getPolicy<P>(
    targetId: string,
    kind: Kind,
    options: OperationOptions,
  ): Promise<StoredPolicy<P> | undefined> {
    const row = await this.readPolicyRow<P>(targetId, kind, callOptions(options));
    if (!row) return undefined;
    const { rowEtag: _, ...stored } = row;
    return stored;
  }

  private async readPolicyRow<P>(
    targetId: string,
    kind: Kind,
    options: OperationOptions,
  ): Promise<PolicyRow<P> | undefined> {
    const entity = await orUndefinedIfMissing(`reading the ${kind} policy of target ${targetId}`, () =>
      this.tables.targets.getEntity<Record<string, unknown>>(
        targetId,
        POLICY_ROW[kind],
        callOptions(options),
      ),
    );
    return entity ? toPolicyRow<P>(entity as EntityResult) : undefined;
  }

  /**
   * Lists the target as scaled, then writes the policy in one transaction with the schedule header under its
   * ETag: a target's delete marks that header first, so a policy can never be written into a target being
   * deleted (and a delete that read the partition before us retries and finds the policy).
   */
  private async putPolicy<P extends PoolPolicy | IdlePolicy>(
    targetId: string,
    kind: Kind,
    policy: P,
    options: PutOptions,
  ): Promise<StoredPolicy<P>> {
    for (let attempt = 1; ; attempt++) {
      const { header, policyRow } = await this.readForWrite<P>(targetId, kind, options);
      checkIfMatch(policyRow, options.ifMatch, kind);
      await this.listScaled_(targetId, kind, callOptions(options));
      const stored: StoredPolicy<P> = {
        targetId,
        policy,
        etag: newRevision(),
        updatedAt: options.updatedAt ?? systemClock.now(),
        ...(options.updatedBy !== undefined ? { updatedBy: options.updatedBy } : {}),
      };
      const entity = policyEntity(targetId, POLICY_ROW[kind], policy, {
        revision: stored.etag,
        updatedAt: stored.updatedAt,
        ...(stored.updatedBy !== undefined ? { updatedBy: stored.updatedBy } : {}),
      });
      const actions: TransactionAction[] = [
        ['update', { partitionKey: targetId, rowKey: SCHEDULE_ROW }, 'Merge', { etag: header }],
        policyRow ? ['update', entity, 'Replace', { etag: policyRow.rowEtag }] : ['create', entity],
      ];
      try {
        await this.tables.targets.submitTransaction(actions, callOptions(options));
        return stored;
      } catch (error) {
        const status = statusOf(error);
        if ((status === 412 || status === 404 || status === 409) && attempt < MAX_ATTEMPTS) continue;
        if (status === 412 || status === 409) {
          throw new PreconditionFailedError(`The ${kind} policy kept changing while we wrote it; try again.`);
        }
        if (error instanceof StorageError) throw error;
        throw storageFailure(`writing the ${kind} policy of target ${targetId}`, error);
      }
    }
  }

  /** The target's schedule header ETag and its policy row, in one query. */
  private async readForWrite<P>(
    targetId: string,
    kind: Kind,
    options: OperationOptions,
  ): Promise<{ header: string; policyRow?: PolicyRow<P> }> {
    let target = false;
    let header: string | undefined;
    let policyRow: PolicyRow<P> | undefined;
    const filter = odata`PartitionKey eq ${targetId} and (RowKey eq ${TARGET_ROW} or RowKey eq ${SCHEDULE_ROW} or RowKey eq ${POLICY_ROW[kind]})`;
    try {
      for await (const row of this.tables.targets.listEntities<Record<string, unknown>>({
        queryOptions: { filter },
        ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
      })) {
        const entity = row as EntityResult;
        if (entity.rowKey === TARGET_ROW) target = true;
        else if (entity.rowKey === SCHEDULE_ROW) header = entity.deleting === true ? undefined : entity.etag;
        else policyRow = toPolicyRow<P>(entity);
      }
    } catch (error) {
      if (error instanceof TypeError) throw error;
      throw storageFailure(`reading target ${targetId}`, error);
    }
    if (!target || header === undefined) throw new NotFoundError(`target ${targetId} is not registered`);
    return { header, ...(policyRow ? { policyRow } : {}) };
  }

  private async deletePolicy(targetId: string, kind: Kind, options: DeleteOptions): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const row = await this.readPolicyRow(targetId, kind, options);
      if (!row) {
        if (options.ifMatch !== undefined) checkIfMatch(row, options.ifMatch, kind);
        await this.unlist(targetId, kind, options);
        return false;
      }
      checkIfMatch(row, options.ifMatch, kind);
      try {
        await this.tables.targets.deleteEntity(targetId, POLICY_ROW[kind], {
          ...callOptions(options),
          etag: row.rowEtag,
        });
      } catch (error) {
        const status = statusOf(error);
        if ((status === 412 || status === 404) && attempt < MAX_ATTEMPTS) continue;
        if (status === 412) {
          throw new PreconditionFailedError(
            `The ${kind} policy kept changing while we deleted it; try again.`,
          );
        }
        throw storageFailure(`deleting the ${kind} policy of target ${targetId}`, error);
      }
      // Taken off the list last: a list entry without a policy only costs the reconciler a look.
      await this.unlist(targetId, kind, callOptions(options));
      return true;
    }
  }

  private async listScaled_(targetId: string, kind: Kind, options: OperationOptions): Promise<void> {
    try {
      await this.tables.scaled.upsertEntity(
        { partitionKey: SCALED_PARTITION, rowKey: scaledRowKey(targetId, kind), targetId, kind },
        'Replace',
        options,
      );
    } catch (error) {
      throw storageFailure(`listing target ${targetId} as scaled`, error);
    }
  }

  private async unlist(targetId: string, kind: Kind, options: OperationOptions): Promise<void> {
    try {
      await this.tables.scaled.deleteEntity(
        SCALED_PARTITION,
        scaledRowKey(targetId, kind),
        callOptions(options),
      );
    } catch (error) {
      if (statusOf(error) !== 404) throw storageFailure(`unlisting target ${targetId}`, error);
    }
  }

  async listScaled(options: PageOptions = {}): Promise<Page<ScaledTarget>> {
    const wanted = Math.min(Math.max(options.maxPageSize ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    const token = options.continuationToken;
    if (token !== undefined && !isContinuationToken(token)) {
      throw new InvalidRequestError('The continuation token is not one we issued.', [
        { parameter: 'continuationToken', reason: 'is not a continuation token from a previous page' },
      ]);
    }
    try {
      const pages = this.tables.scaled
        .listEntities<Record<string, unknown>>({
          queryOptions: { filter: odata`PartitionKey eq ${SCALED_PARTITION}` },
          ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
        })
        .byPage({ maxPageSize: wanted, ...(token ? { continuationToken: token } : {}) });
      const page = await pages.next();
      if (page.done) return { items: [] };
      const items = page.value.map((row) => ({
        targetId: String(row.targetId),
        kind: row.kind === 'idle' ? ('idle' as const) : ('pool' as const),
      }));
      const next = page.value.continuationToken;
      return { items, ...(next ? { continuationToken: next } : {}) };
    } catch (error) {
      if (statusOf(error) === 400) {
        throw new InvalidRequestError('The continuation token is not one we issued.', [
          { parameter: 'continuationToken', reason: 'was refused by storage' },
        ]);
      }
      throw storageFailure('listing scaled targets', error);
    }
  }

  async recordActivity(targetId: string, report: ActivityReport, options: OperationOptions = {}) {
    // The newest of each instance's rows only: a transaction may not touch a row twice.
    const latest = new Map(report.instances.map((i) => [i.instanceId, i]));
    const actions: TransactionAction[] = [...latest.values()].map((instance) => [
      'upsert',
      activityEntity(targetId, instance, report.at),
      'Merge',
    ]);
    if (report.waiting !== undefined) {
      actions.push([
        'upsert',
        {
          partitionKey: targetId,
          rowKey: WAITING_ROW,
          count: report.waiting,
          reportedAt: { value: report.at, type: 'Double' },
        },
        'Replace',
      ]);
    }
    await this.transact(actions, `recording the activity of target ${targetId}`, callOptions(options));
  }

  async forgetActivity(targetId: string, instanceIds: string[], options: OperationOptions = {}) {
    for (const instanceId of new Set(instanceIds)) {
      try {
        await this.tables.targets.deleteEntity(targetId, activityRowKey(instanceId), callOptions(options));
      } catch (error) {
        if (statusOf(error) !== 404) throw storageFailure(`forgetting activity of target ${targetId}`, error);
      }
    }
  }

  private async transact(actions: TransactionAction[], operation: string, options: OperationOptions) {
    try {
      for (let start = 0; start < actions.length; start += MAX_TRANSACTION) {
        await this.tables.targets.submitTransaction(
          actions.slice(start, start + MAX_TRANSACTION),
          callOptions(options),
        );
      }
    } catch (error) {
      throw storageFailure(operation, error);
    }
  }

  async readActivity(
    targetId: string,
    options: OperationOptions = {},
  ): Promise<{ instances: InstanceActivity[]; waiting?: { count: number; reportedAt: number } }> {
    const instances: InstanceActivity[] = [];
    let waiting: { count: number; reportedAt: number } | undefined;
    const filter = odata`PartitionKey eq ${targetId} and ((RowKey ge ${ACTIVITY_ROWS.from} and RowKey lt ${ACTIVITY_ROWS.to}) or RowKey eq ${WAITING_ROW})`;
    try {
      for await (const row of this.tables.targets.listEntities<Record<string, unknown>>({
        queryOptions: { filter },
        ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
      })) {
        const entity = row as EntityResult;
        if (entity.rowKey === WAITING_ROW) {
          waiting = { count: Number(entity.count), reportedAt: Number(entity.reportedAt) };
        } else instances.push(toInstanceActivity(entity));
      }
    } catch (error) {
      if (error instanceof TypeError) throw error;
      throw storageFailure(`reading the activity of target ${targetId}`, error);
    }
    return { instances, ...(waiting ? { waiting } : {}) };
  }

  async recordWake(targetId: string, at: number, options: OperationOptions = {}): Promise<void> {
    try {
      await this.tables.targets.upsertEntity(
        { partitionKey: targetId, rowKey: WAKE_ROW, at: { value: at, type: 'Double' } },
        'Replace',
        options,
      );
    } catch (error) {
      throw storageFailure(`recording a wake of target ${targetId}`, error);
    }
  }

  async lastWake(targetId: string, options: OperationOptions = {}): Promise<number | undefined> {
    const entity = await orUndefinedIfMissing(`reading the last wake of target ${targetId}`, () =>
      this.tables.targets.getEntity<Record<string, unknown>>(targetId, WAKE_ROW, callOptions(options)),
    );
    return typeof entity?.at === 'number' ? entity.at : undefined;
  }
}

/** Only what the SDK should see of our options: it would send an `ifMatch` of ours as a header. */
function callOptions(options: OperationOptions): OperationOptions {
  return options.abortSignal ? { abortSignal: options.abortSignal } : {};
}

/** `ifMatch` (a revision, or `*` for any) against the stored policy; absent: unconditional. */
function checkIfMatch(row: { etag: string } | undefined, ifMatch: string | undefined, kind: Kind): void {
  if (ifMatch === undefined) return;
  if (row && (ifMatch === '*' || ifMatch === row.etag)) return;
  throw new PreconditionFailedError(
    `The ${kind} policy changed since you read it (If-Match does not match its ETag); read it again.`,
  );
}
