// The due index: one row per enabled schedule entry, at its next occurrence, in one table per UTC hour
// (Microsoft's "table per period" pattern) and in the partition of its UTC minute within it. A tick reads
// the minutes since its checkpoint from the hour tables that cover them and nothing else, so its cost follows
// what is due in those hours, not the fleet; an hour gone by and left empty is dropped as a whole table.

import { odata, type TableClient } from '@azure/data-tables';
import type { DueEntry, DueIndex, OperationOptions } from './ports.js';
import {
  HOUR_MS,
  dueRowKey,
  dueTableHour,
  dueTableName,
  entryRowKey,
  minuteBucket,
  startOfHour,
} from './keys.js';
import { dueEntity, entryEntity, toDueEntry, toEntryRow, type EntityResult } from './entities.js';
import {
  orUndefinedIfMissing,
  statusOf,
  storageFailure,
  type StorageClients,
  WRITE_RACE_ATTEMPTS,
} from './tables.js';

const MINUTE_MS = 60_000;
/** Hour tables a process keeps clients for; older ones are rebuilt on demand. */
const MAX_CACHED_TABLES = 512;
/** A read spanning more hours than this lists the hour tables that exist first (one call), then reads those. */
const MAX_HOURS_WITHOUT_LISTING = 2;

/** Where a due row lives. */
export interface DueRowRef {
  at: number;
  targetId: string;
  revision: string;
  entryIndex: number;
}

interface CachedTable {
  client: TableClient;
  /** Set once this process created the table or saw it exist; cleared when a write finds it gone. */
  created?: Promise<void>;
}

/**
 * The hour tables of the due index: writes create their hour's table on first use (remembered per process),
 * reads of an hour without a table yield nothing, and empty past hours can be dropped. One instance serves
 * every repository of a store, so they share what it knows about which tables exist.
 */
export class DueTables {
  private readonly cache = new Map<string, CachedTable>();
  /** Hours before this one were pruned by this process: until the hour changes there is nothing to do. */
  private prunedBefore = Number.NEGATIVE_INFINITY;

  constructor(private readonly clients: StorageClients) {}

  /** Upserts the rows into their hour tables, creating the tables as needed. */
  async write(rows: DueEntry[], options: OperationOptions = {}): Promise<void> {
    try {
      await Promise.all(rows.map((row) => this.upsert(row, options)));
    } catch (error) {
      throw storageFailure('writing due rows', error);
    }
  }

  /** Deletes due rows; rows (or hour tables) already gone are fine (a tick may have moved them). */
  async delete(refs: DueRowRef[], options: OperationOptions = {}): Promise<void> {
    await Promise.all(
      refs.map(async (ref) => {
        try {
          await this.table(ref.at).client.deleteEntity(
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

  /** Rows with `after < at <= until`, hour by hour in time order. */
  async *list(after: number, until: number, options: OperationOptions = {}): AsyncIterable<DueEntry> {
    if (until <= after) return;
    // Buckets are whole minutes: (after, until] covers the buckets after `after`'s minute up to `until`'s.
    const firstMinute = Math.floor(after / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
    const lastHour = startOfHour(until);
    let hours: number[] = [];
    for (let hour = startOfHour(firstMinute); hour <= lastHour; hour += HOUR_MS) hours.push(hour);
    if (hours.length > MAX_HOURS_WITHOUT_LISTING) {
      const existing = new Set(await this.existingHours(hours[0]!, lastHour + HOUR_MS, options));
      hours = hours.filter((hour) => existing.has(hour));
    }
    const filter = odata`PartitionKey gt ${minuteBucket(after)} and PartitionKey le ${minuteBucket(until)}`;
    for (const hour of hours) {
      const rows = this.table(hour).client.listEntities<Record<string, unknown>>({
        queryOptions: { filter },
        ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
      });
      try {
        for await (const row of rows) {
          const due = toDueEntry(row as EntityResult);
          if (due.at > after && due.at <= until) yield due;
        }
      } catch (error) {
        if (error instanceof TypeError) throw error;
        // No table: nothing is due in that hour (it never had a row, or was pruned once its rows moved on).
        if (statusOf(error) === 404) continue;
        throw storageFailure('listing due rows', error);
      }
    }
  }

  /**
   * Deletes the hour tables strictly older than `instant`'s hour that hold no rows, and returns how many
   * it deleted. Cheap to call every minute: one listing per hour and process, one probe per old table.
   * A table that still holds rows (say, left by a crash) is kept and looked at again the next hour.
   */
  async pruneBefore(instant: number, options: OperationOptions = {}): Promise<number> {
    const before = startOfHour(instant);
    if (before <= this.prunedBefore) return 0;
    let deleted = 0;
    for (const hour of await this.existingHours(Number.NEGATIVE_INFINITY, before, options)) {
      if (await this.pruneHour(hour, options)) deleted++;
    }
    this.prunedBefore = before;
    return deleted;
  }

  /** Deletes the hour's table if it holds no rows; says whether it did. */
  private async pruneHour(hour: number, options: OperationOptions): Promise<boolean> {
    const table = this.table(hour);
    try {
      const page = await table.client
        .listEntities({
          queryOptions: { select: ['PartitionKey'] },
          ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
        })
        .byPage({ maxPageSize: 1 })
        .next();
      // An empty page with a continuation token may still have rows further on: keep the table.
      if (!page.done && (page.value.length > 0 || page.value.continuationToken)) return false;
      this.cache.delete(table.client.tableName);
      await this.clients.tableService.deleteTable(table.client.tableName, options); // 404 is fine
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false; // another host deleted it meanwhile
      throw storageFailure('pruning a past due table', error);
    }
  }

  /** The hours in [from, to) that have a due table, in time order. */
  private async existingHours(from: number, to: number, options: OperationOptions): Promise<number[]> {
    const { names } = this.clients;
    // Names sort like their hours; the range may also hold other names with our prefix, which we skip.
    const low = Number.isFinite(from) ? dueTableName(names, from) : `${names.due.tablePrefix}0`;
    const high = dueTableName(names, to);
    const hours: number[] = [];
    try {
      const tables = this.clients.tableService.listTables({
        queryOptions: { filter: odata`TableName ge ${low} and TableName lt ${high}` },
        ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
      });
      for await (const table of tables) {
        const hour = table.name === undefined ? undefined : dueTableHour(names, table.name);
        if (hour !== undefined && hour >= from && hour < to) hours.push(hour);
      }
    } catch (error) {
      throw storageFailure('listing due tables', error);
    }
    return hours.sort((a, b) => a - b);
  }

  private async upsert(row: DueEntry, options: OperationOptions): Promise<void> {
    const table = this.table(row.at);
    await this.ensureCreated(table, options);
    try {
      await table.client.upsertEntity(dueEntity(row), 'Replace', options);
    } catch (error) {
      // Another host pruned the table after we created it: create it again, once.
      if (statusOf(error) !== 404) throw error;
      table.created = undefined;
      await this.ensureCreated(table, options);
      await table.client.upsertEntity(dueEntity(row), 'Replace', options);
    }
  }

  private ensureCreated(table: CachedTable, options: OperationOptions): Promise<void> {
    // createTable treats 409 TableAlreadyExists as success; concurrent writers share one call.
    table.created ??= this.clients.tableService
      .createTable(table.client.tableName, options)
      .catch((error) => {
        table.created = undefined;
        throw error;
      });
    return table.created;
  }

  /** The hour table that holds `at` (created or not). */
  private table(at: number): CachedTable {
    const name = dueTableName(this.clients.names, at);
    let table = this.cache.get(name);
    if (!table) {
      if (this.cache.size >= MAX_CACHED_TABLES) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
      table = { client: this.clients.table(name) };
      this.cache.set(name, table);
    }
    return table;
  }
}

export class TableDueIndex implements DueIndex {
  constructor(
    private readonly due: DueTables,
    private readonly targets: TableClient,
  ) {}

  listDue(after: number, until: number, options: OperationOptions = {}): AsyncIterable<DueEntry> {
    return this.due.list(after, until, options);
  }

  pruneBefore(instant: number, options: OperationOptions = {}): Promise<number> {
    return this.due.pruneBefore(instant, options);
  }

  async isCurrent(due: DueEntry, options: OperationOptions = {}): Promise<boolean> {
    const row = await this.readEntry(due, options);
    return row !== undefined && row.revision === due.revision && row.dueAt === due.at;
  }

  async reschedule(due: DueEntry, nextAt: number | undefined, options: OperationOptions = {}): Promise<void> {
    // Write the next row first and point the entry at it, then drop the old row: a crash in between leaves
    // a row the next attempt (or isCurrent) sorts out, never an entry without its row.
    const next = nextAt === undefined ? undefined : { ...due, at: nextAt };
    if (next) await this.due.write([next], options);
    for (let attempt = 1; ; attempt++) {
      const row = await this.readEntry(due, options);
      if (row === undefined || row.revision !== due.revision) {
        // The schedule was replaced or deleted meanwhile: this entry no longer exists.
        if (next) await this.due.delete([next], options);
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
        if ((status === 412 || status === 404) && attempt < WRITE_RACE_ATTEMPTS) continue;
        throw storageFailure('moving a due entry', error);
      }
    }
    // Same minute, same key (and table): the row written above is this one, updated in place.
    if (!next || minuteBucket(next.at) !== minuteBucket(due.at)) await this.due.delete([due], options);
  }

  private async readEntry(due: DueEntry, options: OperationOptions) {
    const entity = await orUndefinedIfMissing('reading a schedule entry', () =>
      this.targets.getEntity<Record<string, unknown>>(due.targetId, entryRowKey(due.entryIndex), options),
    );
    return entity ? toEntryRow(entity as EntityResult) : undefined;
  }
}
