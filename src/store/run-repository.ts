// Runs: one row per (target, occurrence), created only if absent, which is what makes acting on a due
// occurrence idempotent across queue redeliveries and overlapping ticks. Listed newest first.

import { odata, type TableClient } from '@azure/data-tables';
import { InvalidRequestError, PreconditionFailedError } from '../errors.js';
import type { OperationOptions, Page, PageOptions, Run, RunRepository, StoredRun } from './ports.js';
import { isContinuationToken, runRowKey } from './keys.js';
import { runEntity, toRun, type EntityResult } from './entities.js';
import { orUndefinedIfMissing, statusOf, storageFailure } from './tables.js';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

export class TableRunRepository implements RunRepository {
  constructor(private readonly runs: TableClient) {}

  async createIfAbsent(
    run: Run,
    options: OperationOptions = {},
  ): Promise<{ run: StoredRun; created: boolean }> {
    let created = true;
    try {
      const response = await this.runs.createEntity(runEntity(run), options);
      // The new row is exactly what we sent: its ETag is all a read would add.
      if (response.etag) return { run: { ...run, etag: response.etag }, created };
    } catch (error) {
      if (statusOf(error) !== 409) throw storageFailure(`recording a run of target ${run.targetId}`, error);
      created = false;
    }
    const stored = await this.get(run.targetId, run.occurrenceAt, options);
    if (!stored) throw storageFailure(`recording a run of target ${run.targetId}`, new Error('run vanished'));
    return { run: stored, created };
  }

  async get(targetId: string, occurrenceAt: number, options: OperationOptions = {}) {
    const entity = await orUndefinedIfMissing(`reading a run of target ${targetId}`, () =>
      this.runs.getEntity<Record<string, unknown>>(targetId, runRowKey(occurrenceAt), options),
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
    const stored = await this.get(run.targetId, run.occurrenceAt, options);
    if (!stored) throw new PreconditionFailedError(`the run of target ${run.targetId} was deleted meanwhile`);
    return stored;
  }

  async list(targetId: string, options: PageOptions = {}): Promise<Page<StoredRun>> {
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
          queryOptions: { filter: odata`PartitionKey eq ${targetId}` },
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
