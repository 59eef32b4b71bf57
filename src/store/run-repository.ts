// Runs: one row per (target, occurrence), created only if absent, which is what makes acting on a due
// occurrence idempotent across queue redeliveries and overlapping ticks. Listed newest first. Each
// registration of a target has a partition of its own, holding its runs and the row that orders them.

import { odata, type TableClient } from '@azure/data-tables';
import { ConflictError, InvalidRequestError, PreconditionFailedError } from '../errors.js';
import type {
  HistoryRef,
  LatestAction,
  OperationOptions,
  Page,
  PageOptions,
  RegistrationHistory,
  Run,
  RunRepository,
  StoredLatestAction,
  StoredRun,
} from './ports.js';
import { LATEST_ROW, historyPartitionKey, isContinuationToken, runRowKey } from './keys.js';
import { latestActionEntity, runEntity, toLatestAction, toRun, type EntityResult } from './entities.js';
import { orUndefinedIfMissing, orUndefinedIfPresent, statusOf, storageFailure } from './tables.js';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

export class TableRunRepository implements RunRepository {
  constructor(private readonly runs: TableClient) {}

  async createIfAbsent(
    run: Run,
    options: OperationOptions = {},
  ): Promise<{ run: StoredRun; created: boolean }> {
    const response = await orUndefinedIfPresent(`recording a run of target ${run.targetId}`, () =>
      this.runs.createEntity(runEntity(run), options),
    );
    const created = response !== undefined;
    // The new row is exactly what we sent: its ETag is all a read would add.
    if (response?.etag) return { run: { ...run, etag: response.etag }, created };
    const stored = await this.get(run, run.occurrenceAt, options);
    if (!stored) throw storageFailure(`recording a run of target ${run.targetId}`, new Error('run vanished'));
    return { run: stored, created };
  }

  async get(history: HistoryRef, occurrenceAt: number, options: OperationOptions = {}) {
    const entity = await orUndefinedIfMissing(`reading a run of target ${history.targetId}`, () =>
      this.runs.getEntity<Record<string, unknown>>(
        historyPartitionKey(history),
        runRowKey(occurrenceAt),
        options,
      ),
    );
    return entity ? toRun(entity as EntityResult) : undefined;
  }

  async update(run: StoredRun, options: OperationOptions = {}): Promise<StoredRun> {
    const { etag, ...fields } = run;
    try {
      await this.runs.updateEntity(runEntity(fields), 'Replace', { ...options, etag });
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 404) {
        throw new PreconditionFailedError(`the run of target ${run.targetId} changed meanwhile`);
      }
      throw storageFailure(`updating a run of target ${run.targetId}`, error);
    }
    const stored = await this.get(run, run.occurrenceAt, options);
    if (!stored) throw new PreconditionFailedError(`the run of target ${run.targetId} was deleted meanwhile`);
    return stored;
  }

  async getLatest(history: HistoryRef, options: OperationOptions = {}) {
    const entity = await orUndefinedIfMissing(`reading target ${history.targetId}'s latest action`, () =>
      this.runs.getEntity<Record<string, unknown>>(historyPartitionKey(history), LATEST_ROW, options),
    );
    return entity ? toLatestAction(entity as EntityResult) : undefined;
  }

  async putLatest(
    latest: LatestAction,
    options: OperationOptions & { etag?: string } = {},
  ): Promise<StoredLatestAction> {
    const { etag, ...rest } = options;
    const what = `recording target ${latest.targetId}'s latest action`;
    try {
      const entity = latestActionEntity(latest);
      const response =
        etag === undefined
          ? await this.runs.createEntity(entity, rest)
          : await this.runs.updateEntity(entity, 'Replace', { ...rest, etag });
      if (response.etag) return { ...latest, etag: response.etag };
    } catch (error) {
      const status = statusOf(error);
      if (etag === undefined && status === 409) throw new ConflictError(`${what}: it exists`);
      if (etag !== undefined && (status === 412 || status === 404))
        throw new PreconditionFailedError(`${what}: it changed meanwhile`);
      throw storageFailure(what, error);
    }
    const stored = await this.getLatest(latest, rest);
    if (!stored) throw new PreconditionFailedError(`${what}: it was deleted meanwhile`);
    return stored;
  }

  async listRegistrations(targetId: string, options: OperationOptions = {}): Promise<RegistrationHistory[]> {
    // The bare id (older targets) and every `{id}_{registration}` partition: '_' < '`' in code points.
    const filter = odata`PartitionKey ge ${targetId} and PartitionKey lt ${`${targetId}\``} and RowKey eq ${LATEST_ROW}`;
    const found: RegistrationHistory[] = [];
    try {
      for await (const entity of this.runs.listEntities<Record<string, unknown>>({
        queryOptions: { filter },
        ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
      })) {
        const { targetId: id, registration, latestAt, latestAction } = toLatestAction(entity as EntityResult);
        if (id !== targetId) continue;
        found.push({ targetId: id, ...(registration ? { registration } : {}), latestAt, latestAction });
      }
    } catch (error) {
      if (error instanceof TypeError) throw error;
      throw storageFailure(`listing the run histories of target ${targetId}`, error);
    }
    return found.sort((a, b) => b.latestAt - a.latestAt);
  }

  async list(history: HistoryRef, options: PageOptions = {}): Promise<Page<StoredRun>> {
    const partitionKey = historyPartitionKey(history);
    const targetId = history.targetId;
    const { continuationToken } = options;
    if (continuationToken !== undefined && !isContinuationToken(continuationToken)) {
      throw new InvalidRequestError('The continuation token is not one we issued.', [
        { parameter: 'continuationToken', reason: 'is not a continuation token from a previous page' },
      ]);
    }
    const maxPageSize = Math.min(Math.max(options.maxPageSize ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    try {
      const page = await this.runs
        .listEntities<Record<string, unknown>>({
          queryOptions: { filter: odata`PartitionKey eq ${partitionKey} and RowKey lt ${LATEST_ROW}` },
          ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
        })
        .byPage({ maxPageSize, ...(continuationToken ? { continuationToken } : {}) })
        .next();
      if (page.done) return { items: [] };
      const items = page.value.map((entity) => toRun(entity as EntityResult));
      return {
        items,
        ...(page.value.continuationToken ? { continuationToken: page.value.continuationToken } : {}),
      };
    } catch (error) {
      if (error instanceof TypeError) throw error;
      throw storageFailure(`listing runs of target ${targetId}`, error);
    }
  }
}
