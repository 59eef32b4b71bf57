// A target's schedule: a header row (revision, registration instant, a copy of the entries) and one row per
// entry, in the target's partition, replaced in one transaction fenced by the header's ETag; due rows move
// with them.

import type { TableClient, TransactionAction } from '@azure/data-tables';
import { NotFoundError, PreconditionFailedError, StorageError } from '../errors.js';
import type {
  DueEntry,
  OperationOptions,
  ReplaceScheduleOptions,
  ScheduleRepository,
  ScheduleWrite,
  StoredTarget,
  TargetSchedule,
} from './ports.js';
import {
  entryEntity,
  copyOfEntries,
  scheduleHeaderEntity,
  toSchedule,
  type EntryRow,
  type ScheduleHeader,
} from './entities.js';
import { whereDueRowsMayBe, type DueTables } from './due-index.js';
import { entryRowKey } from './keys.js';
import { readTargetRows } from './target-partition.js';
import { newRevision } from './target-repository.js';
import { statusOf, storageFailure, WRITE_RACE_ATTEMPTS } from './tables.js';

export class TableScheduleRepository implements ScheduleRepository {
  constructor(
    private readonly targets: TableClient,
    private readonly due: DueTables,
  ) {}

  async get(targetId: string, options: OperationOptions = {}): Promise<TargetSchedule | undefined> {
    const { target, header, entries } = await readTargetRows(this.targets, targetId, options);
    if (!target || !header || header.deleting) return undefined;
    return toSchedule(targetId, header, entries);
  }

  async replace(
    targetId: string,
    write: ScheduleWrite,
    options: ReplaceScheduleOptions = {},
  ): Promise<TargetSchedule> {
    for (let attempt = 1; ; attempt++) {
      const { target, header, entries: oldRows } = await readTargetRows(this.targets, targetId, options);
      if (!target || !header || header.deleting)
        throw new NotFoundError(`target ${targetId} is not registered`);
      if (options.ifRevision !== undefined && options.ifRevision !== header.revision) {
        throw new PreconditionFailedError(
          'The schedule changed since you read it (If-Match does not match its ETag); read it again.',
        );
      }
      const revision = newRevision();
      const newRows = entryRows(write, revision);
      const dueRows = dueRowsOf(target, newRows, write.registeredAt);
      // New due rows first (their keys carry the new revision, so they cannot clash with the old ones);
      // if the transaction then fails, we take them back.
      await this.due.write(dueRows, options);
      const newHeader: ScheduleHeader = {
        revision,
        registeredAt: write.registeredAt,
        updatedAt: write.updatedAt,
        ...(write.updatedBy !== undefined ? { updatedBy: write.updatedBy } : {}),
        entryCount: newRows.length,
        entries: copyOfEntries(newRows),
      };
      try {
        await this.targets.submitTransaction(
          replacement(targetId, header.etag, newHeader, newRows, oldRows),
          options,
        );
      } catch (error) {
        await this.due.delete(dueRows, options);
        const status = statusOf(error);
        if ((status === 412 || status === 404 || status === 409) && attempt < WRITE_RACE_ATTEMPTS) continue;
        if (status === 412 || status === 409) {
          throw new PreconditionFailedError('The schedule kept changing while we wrote it; try again.');
        }
        if (error instanceof StorageError) throw error;
        throw storageFailure(`writing the schedule of target ${targetId}`, error);
      }
      // The old rows, where they most likely are; one missed is deleted by the executor when it falls due.
      await this.due.delete(
        whereDueRowsMayBe(targetId, oldRows, header.registeredAt, write.updatedAt),
        options,
      );
      return toSchedule(targetId, newHeader, newRows);
    }
  }
}

function entryRows(write: ScheduleWrite, revision: string): EntryRow[] {
  return write.entries.map((entry, index) => {
    const dueAt = write.nextOccurrences[index];
    return { index, revision, entry, ...(dueAt !== undefined ? { dueAt } : {}) };
  });
}

/** The due index's rows for the entries that have a next occurrence. */
function dueRowsOf(target: StoredTarget, rows: EntryRow[], registeredAt: number): DueEntry[] {
  return rows.flatMap((row) =>
    row.dueAt === undefined
      ? []
      : [
          {
            at: row.dueAt,
            targetId: target.id,
            resourceId: target.resourceId,
            kind: target.kind,
            revision: row.revision,
            entryIndex: row.index,
            action: row.entry.action,
            entry: row.entry,
            registeredAt,
          },
        ],
  );
}

/**
 * One transaction in the target's partition: the header under its ETag, entries replaced, extras gone. The
 * header's ETag fences the whole transaction, so the entry rows need none of their own: nothing but this
 * transaction writes them, and it changes the header each time.
 */
function replacement(
  targetId: string,
  headerEtag: string,
  header: ScheduleHeader,
  newRows: EntryRow[],
  oldRows: EntryRow[],
): TransactionAction[] {
  const oldIndexes = new Set(oldRows.map((row) => row.index));
  return [
    ['update', scheduleHeaderEntity(targetId, header), 'Replace', { etag: headerEtag }],
    ...newRows.map((row): TransactionAction =>
      oldIndexes.has(row.index)
        ? ['update', entryEntity(targetId, row), 'Replace']
        : ['create', entryEntity(targetId, row)],
    ),
    ...oldRows
      .filter((row) => row.index >= newRows.length)
      .map((row): TransactionAction => [
        'delete',
        { partitionKey: targetId, rowKey: entryRowKey(row.index) },
      ]),
  ];
}
