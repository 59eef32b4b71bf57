// A target's partition holds its row, its schedule header and its entry rows (and the rows of scaling by
// activity, which only a delete reads from here). The header carries a copy of its entries, so the target
// and its schedule are read by key (`readTargetRows`); the whole partition is queried only by a delete, or
// for a header written before headers carried their entries.

import { odata, type TableClient } from '@azure/data-tables';
import type { OperationOptions, StoredTarget } from './ports.js';
import { ENTRY_ROWS, OVERRIDE_ROW, SCHEDULE_ROW, TARGET_ROW, isEntryRowKey } from './keys.js';
import {
  entriesOfHeader,
  toEntryRow,
  toScheduleHeader,
  toTarget,
  type EntityResult,
  type EntryRow,
  type ScheduleHeader,
} from './entities.js';
import { orUndefinedIfMissing, storageFailure } from './tables.js';

/** The override row as stored (its registration is checked by whoever reads it). */
export interface StoredOverride {
  value: unknown;
  registration?: unknown;
}

export interface TargetRows {
  target?: StoredTarget;
  header?: ScheduleHeader & { etag: string };
  /** This revision's entries, in order (a partition query also returns older revisions' rows). */
  entries: EntryRow[];
  override?: StoredOverride;
}

export interface TargetPartition extends TargetRows {
  entries: (EntryRow & { etag: string; rowKey: string })[];
  /** Every row's key and ETag that was read, for deleting the whole partition. */
  rows: { rowKey: string; etag: string }[];
}

/**
 * The target's row and its schedule, and with `override` its override row: two or three reads by key, made
 * together. Why not the one query over the partition that returns them all: a query is a scan where the
 * store has no index for it (the local emulator interprets its filter against every row of the table, the
 * executor's largest cost there), while a read by key is found by the key in every store.
 */
export async function readTargetRows(
  targets: TableClient,
  targetId: string,
  options: OperationOptions & { override?: boolean } = {},
): Promise<TargetRows> {
  const { override: withOverride, ...callOptions } = options;
  const read = (rowKey: string) =>
    orUndefinedIfMissing(`reading target ${targetId}`, () =>
      targets.getEntity<Record<string, unknown>>(targetId, rowKey, callOptions),
    ) as Promise<EntityResult | undefined>;
  const [targetRow, headerRow, overrideRow] = await Promise.all([
    read(TARGET_ROW),
    read(SCHEDULE_ROW),
    withOverride ? read(OVERRIDE_ROW) : undefined,
  ]);
  const header = headerRow && toScheduleHeader(headerRow);
  const entries = header ? entriesOfHeader(header) : [];
  if (!entries) return readTargetPartition(targets, targetId, callOptions);
  return {
    ...(targetRow ? { target: toTarget(targetRow) } : {}),
    ...(header ? { header } : {}),
    entries,
    ...(overrideRow
      ? { override: { value: overrideRow.value, registration: overrideRow.registration } }
      : {}),
  };
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
