// A target's partition holds its row, its schedule header and its entry rows (and the rows of scaling by
// activity, which only a delete reads from here); reading it is one query. Both the target and the schedule
// repositories start every write from this snapshot and its ETags.

import { odata, type TableClient } from '@azure/data-tables';
import type { OperationOptions, StoredTarget } from './ports.js';
import { ENTRY_ROWS, OVERRIDE_ROW, SCHEDULE_ROW, TARGET_ROW, isEntryRowKey } from './keys.js';
import {
  toEntryRow,
  toScheduleHeader,
  toTarget,
  type EntityResult,
  type EntryRow,
  type ScheduleHeader,
} from './entities.js';
import { storageFailure } from './tables.js';

export interface TargetPartition {
  target?: StoredTarget;
  header?: ScheduleHeader & { etag: string };
  entries: (EntryRow & { etag: string; rowKey: string })[];
  /** The override row as stored (its registration is checked by whoever reads it). */
  override?: { value: unknown; registration?: unknown };
  /** Every row's key and ETag that was read, for deleting the whole partition. */
  rows: { rowKey: string; etag: string }[];
}

/**
 * Reads the target's row and schedule, or with `everyRow` the whole partition (a pool's activity rows can
 * number hundreds, which the schedule's readers have no use for).
 */
export async function readTargetPartition(
  targets: TableClient,
  targetId: string,
  options: OperationOptions & { everyRow?: boolean } = {},
): Promise<TargetPartition> {
  const partition: TargetPartition = { entries: [], rows: [] };
  const filter = options.everyRow
    ? odata`PartitionKey eq ${targetId}`
    : odata`PartitionKey eq ${targetId} and (RowKey eq ${TARGET_ROW} or RowKey eq ${SCHEDULE_ROW} or RowKey eq ${OVERRIDE_ROW} or (RowKey ge ${ENTRY_ROWS.from} and RowKey lt ${ENTRY_ROWS.to}))`;
  try {
    const rows = targets.listEntities<Record<string, unknown>>({
      queryOptions: { filter },
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    });
    for await (const row of rows) {
      const entity = row as EntityResult;
      partition.rows.push({ rowKey: entity.rowKey, etag: entity.etag });
      if (entity.rowKey === TARGET_ROW) partition.target = toTarget(entity);
      else if (entity.rowKey === SCHEDULE_ROW) partition.header = toScheduleHeader(entity);
      else if (isEntryRowKey(entity.rowKey)) partition.entries.push(toEntryRow(entity));
      else if (entity.rowKey === OVERRIDE_ROW) {
        partition.override = { value: entity.value, registration: entity.registration };
      }
    }
  } catch (error) {
    if (error instanceof TypeError) throw error;
    throw storageFailure(`reading target ${targetId}`, error);
  }
  return partition;
}
