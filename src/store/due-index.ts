// The due index: one row per enabled schedule entry, at its next occurrence, in the partition of that
// UTC minute. A tick reads the minutes since its checkpoint and nothing else, so its cost follows what is due.

import { odata, type TableClient } from '@azure/data-tables';
import type { DueEntry, DueIndex, OperationOptions } from './ports.js';
import { dueRowKey, entryRowKey, minuteBucket } from './keys.js';
import { dueEntity, entryEntity, toDueEntry, toEntryRow, type EntityResult } from './entities.js';
import { orUndefinedIfMissing, statusOf, storageFailure } from './tables.js';

const MAX_ATTEMPTS = 5;

/** Where a due row lives. */
export interface DueRowRef {
  at: number;
  targetId: string;
  revision: string;
  entryIndex: number;
}

export async function writeDueRows(due: TableClient, rows: DueEntry[], options: OperationOptions = {}) {
  try {
    await Promise.all(rows.map((row) => due.upsertEntity(dueEntity(row), 'Replace', options)));
  } catch (error) {
    throw storageFailure('writing due rows', error);
  }
}

/** Deletes due rows; rows already gone are fine (a tick may have moved them). */
export async function deleteDueRows(due: TableClient, refs: DueRowRef[], options: OperationOptions = {}) {
  await Promise.all(
    refs.map(async (ref) => {
      try {
        await due.deleteEntity(
          minuteBucket(ref.at),
          dueRowKey(ref.targetId, ref.revision, ref.entryIndex),
          options,
        );
      } catch (error) {
        if (statusOf(error) !== 404) throw storageFailure('deleting a due row', error);
      }
    }),
  );
}

export class TableDueIndex implements DueIndex {
  constructor(
    private readonly due: TableClient,
    private readonly targets: TableClient,
  ) {}

  async *listDue(after: number, until: number, options: OperationOptions = {}): AsyncIterable<DueEntry> {
    if (until <= after) return;
    // Buckets are whole minutes: (after, until] covers the buckets after `after`'s minute up to `until`'s.
    const from = minuteBucket(after);
    const to = minuteBucket(until);
    const rows = this.due.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey gt ${from} and PartitionKey le ${to}` },
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    });
    try {
      for await (const row of rows) {
        const due = toDueEntry(row as EntityResult);
        if (due.at > after && due.at <= until) yield due;
      }
    } catch (error) {
      if (error instanceof TypeError) throw error;
      throw storageFailure('listing due rows', error);
    }
  }

  async isCurrent(due: DueEntry, options: OperationOptions = {}): Promise<boolean> {
    const row = await this.readEntry(due, options);
    return row !== undefined && row.revision === due.revision && row.dueAt === due.at;
  }

  async reschedule(due: DueEntry, nextAt: number | undefined, options: OperationOptions = {}): Promise<void> {
    // Write the next row first and point the entry at it, then drop the old row: a crash in between leaves
    // a row the next attempt (or isCurrent) sorts out, never an entry without its row.
    const next = nextAt === undefined ? undefined : { ...due, at: nextAt };
    if (next) await writeDueRows(this.due, [next], options);
    for (let attempt = 1; ; attempt++) {
      const row = await this.readEntry(due, options);
      if (row === undefined || row.revision !== due.revision) {
        // The schedule was replaced or deleted meanwhile: this entry no longer exists.
        if (next) await deleteDueRows(this.due, [next], options);
        break;
      }
      if (row.dueAt === nextAt) break;
      const moved = { index: row.index, revision: row.revision, entry: row.entry };
      try {
        await this.targets.updateEntity(
          entryEntity(due.targetId, nextAt === undefined ? moved : { ...moved, dueAt: nextAt }),
          'Replace',
          { ...options, etag: row.etag },
        );
        break;
      } catch (error) {
        const status = statusOf(error);
        if ((status === 412 || status === 404) && attempt < MAX_ATTEMPTS) continue;
        throw storageFailure('moving a due entry', error);
      }
    }
    if (!next || minuteBucket(next.at) !== minuteBucket(due.at))
      await deleteDueRows(this.due, [due], options);
  }

  private async readEntry(due: DueEntry, options: OperationOptions) {
    const entity = await orUndefinedIfMissing('reading a schedule entry', () =>
      this.targets.getEntity<Record<string, unknown>>(due.targetId, entryRowKey(due.entryIndex), options),
    );
    return entity ? toEntryRow(entity as EntityResult) : undefined;
  }
}
