// What pools had over time, in Table Storage: one table per UTC week (`poolhistory{yyyyMMdd}`), a partition
// per registration of a target, a row per change (keyed by its instant). Writing costs one upsert per change
// (plus one small read a minute to know the newest point); reading a week costs one query per week table.

import { odata, type TableClient } from '@azure/data-tables';
import type { HistoryRef, OperationOptions } from './ports.js';
import type { PoolHistoryRepository, PoolReading } from './pool-ports.js';
import {
  WEEK_MS,
  historyPartitionKey,
  poolHistoryTableName,
  poolHistoryTableWeek,
  poolPointRowKey,
  startOfUtcWeek,
} from './keys.js';
import { statusOf, storageFailure, type StorageClients } from './tables.js';

/** Whole UTC weeks kept before the current one: five weeks back from any day of this one. */
export const POOL_HISTORY_WEEKS_KEPT = 5;

export class TablePoolHistoryRepository implements PoolHistoryRepository {
  /** Week tables this process created or saw exist, by name. */
  private readonly created = new Map<string, Promise<void>>();

  constructor(private readonly clients: StorageClients) {}

  async latest(history: HistoryRef, at: number, options: OperationOptions = {}) {
    const pages = this.table(at)
      .listEntities<Record<string, unknown>>({
        queryOptions: { filter: odata`PartitionKey eq ${historyPartitionKey(history)}` },
        ...signal(options),
      })
      .byPage({ maxPageSize: 1 });
    try {
      const page = await pages.next();
      const row = page.done ? undefined : page.value[0];
      return row ? toReading(row) : undefined;
    } catch (error) {
      if (statusOf(error) === 404) return undefined; // the week has no table yet
      throw storageFailure(`reading the newest pool point of target ${history.targetId}`, error);
    }
  }

  async record(history: HistoryRef, point: PoolReading, options: OperationOptions = {}) {
    const table = this.table(point.at);
    const entity = {
      partitionKey: historyPartitionKey(history),
      rowKey: poolPointRowKey(point.at),
      at: { value: point.at, type: 'Double' as const },
      capacity: point.capacity,
      serving: point.serving,
      sessions: point.sessions,
    };
    try {
      await this.ensureCreated(table.tableName, point.at, options);
      try {
        await table.upsertEntity(entity, 'Replace', signal(options));
      } catch (error) {
        // Someone dropped the table after we created it (a clock far off): create it again, once.
        if (statusOf(error) !== 404) throw error;
        this.created.delete(table.tableName);
        await this.ensureCreated(table.tableName, point.at, options);
        await table.upsertEntity(entity, 'Replace', signal(options));
      }
    } catch (error) {
      throw storageFailure(`recording a pool point of target ${history.targetId}`, error);
    }
  }

  async list(history: HistoryRef, from: number, to: number, options: OperationOptions = {}) {
    const points: PoolReading[] = [];
    for (let week = startOfUtcWeek(from); week <= to; week += WEEK_MS) {
      // Newest first down to `to`; in `from`'s week also the points before it, for the state at `from`.
      const filter = odata`PartitionKey eq ${historyPartitionKey(history)} and RowKey ge ${poolPointRowKey(to)}`;
      try {
        for await (const row of this.table(week).listEntities<Record<string, unknown>>({
          queryOptions: { filter },
          ...signal(options),
        })) {
          points.push(toReading(row));
        }
      } catch (error) {
        if (statusOf(error) === 404) continue; // no table: nothing recorded that week, or dropped
        throw storageFailure(`reading the pool history of target ${history.targetId}`, error);
      }
    }
    points.sort((a, b) => a.at - b.at);
    const lead = points.filter((p) => p.at <= from).at(-1);
    return [...(lead ? [lead] : []), ...points.filter((p) => p.at > from && p.at <= to)];
  }

  private table(at: number): TableClient {
    return this.clients.table(poolHistoryTableName(this.clients.names, at));
  }

  /** Creates the week's table once per process, and then drops the weeks out of retention. */
  private ensureCreated(name: string, at: number, options: OperationOptions): Promise<void> {
    let created = this.created.get(name);
    if (!created) {
      created = this.clients.tableService
        .createTable(name, signal(options)) // 409 TableAlreadyExists is success
        .then(() => this.dropWeeksBefore(startOfUtcWeek(at) - POOL_HISTORY_WEEKS_KEPT * WEEK_MS, options))
        .catch((error: unknown) => {
          this.created.delete(name);
          throw error;
        });
      this.created.set(name, created);
    }
    return created;
  }

  /** Deletes the week tables older than `before` (a Monday). Another host deleting them too is fine. */
  private async dropWeeksBefore(before: number, options: OperationOptions): Promise<void> {
    const { names, tableService } = this.clients;
    const low = `${names.poolHistory.tablePrefix}0`;
    const high = poolHistoryTableName(names, before);
    const old: string[] = [];
    for await (const table of tableService.listTables({
      queryOptions: { filter: odata`TableName ge ${low} and TableName lt ${high}` },
      ...signal(options),
    })) {
      const week = table.name === undefined ? undefined : poolHistoryTableWeek(names, table.name);
      if (table.name !== undefined && week !== undefined && week < before) old.push(table.name);
    }
    for (const name of old) {
      try {
        await tableService.deleteTable(name, signal(options));
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    }
  }
}

function toReading(row: Record<string, unknown>): PoolReading {
  return {
    at: Number(row.at),
    capacity: Number(row.capacity),
    serving: Number(row.serving),
    sessions: Number(row.sessions),
  };
}

function signal(options: OperationOptions): OperationOptions {
  return options.abortSignal ? { abortSignal: options.abortSignal } : {};
}
