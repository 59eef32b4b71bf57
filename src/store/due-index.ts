// The due index: one row per enabled schedule entry, at its next occurrence, in one table per UTC hour
// (Microsoft's "table per period" pattern) and in the partition of its UTC minute within it. A tick reads
// the minutes since its checkpoint from the hour tables that cover them and nothing else, so its cost follows
// what is due in those hours, not the fleet; an hour gone by and left empty is dropped as a whole table.

import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { DueEntry, DueIndex, DueMove, DueRowRef, OperationOptions } from './ports.js';
import {
  HOUR_MS,
  dueKeys,
  duePartitionKey,
  dueTableHour,
  dueTableName,
  entryRowKey,
  minuteBucket,
  startOfHour,
} from './keys.js';
import { dueEntity, toDueEntry, toEntryRow, type EntityResult, type EntryRow } from './entities.js';
import { nextOccurrence } from '../schedule/index.js';
import { forEachLimited } from '../in-flight.js';
import { orUndefinedIfMissing, statusOf, storageFailure, type StorageClients } from './tables.js';

const MINUTE_MS = 60_000;
/** Table Storage takes at most 100 operations in one entity group transaction. */
const MAX_TRANSACTION_OPERATIONS = 100;
/** Hour tables a process keeps clients for; older ones are rebuilt on demand. */
const MAX_CACHED_TABLES = 512;
/**
 * A tick's batches of due-row moves in flight at once. A large minute's rows share one partition, and a
 * partition takes some 2,000 entities a second in Azure however many batches are sent, so more in flight
 * only queues them there. Sent all at once (a hundred batches for 10,000 rows), they also queued ahead of
 * every execution's storage calls on the local emulator, which serves one request at a time.
 */
const MOVE_BATCHES_IN_FLIGHT = 4;
/** A read spanning more hours than this lists the hour tables that exist first (one call), then reads those. */
const MAX_HOURS_WITHOUT_LISTING = 2;

/** Rows grouped by partition (of an hour table), at most a transaction's worth in each group. */
function groupByPartition<Row extends DueRowRef>(rows: readonly Row[]): { at: number; group: Row[] }[] {
  const partitions = new Map<string, Row[]>();
  for (const row of rows) {
    const key = duePartitionKey(row);
    const partition = partitions.get(key);
    if (partition) partition.push(row);
    else partitions.set(key, [row]);
  }
  const groups: { at: number; group: Row[] }[] = [];
  for (const group of partitions.values()) {
    for (let i = 0; i < group.length; i += MAX_TRANSACTION_OPERATIONS) {
      groups.push({ at: group[0]!.at, group: group.slice(i, i + MAX_TRANSACTION_OPERATIONS) });
    }
  }
  return groups;
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
          const { partitionKey, rowKey } = dueKeys(ref);
          await this.table(ref.at).client.deleteEntity(partitionKey, rowKey, options);
        } catch (error) {
          if (statusOf(error) !== 404) throw storageFailure('deleting a due row', error);
        }
      }),
    );
  }

  /**
   * Writes the rows in one transaction per hour table and minute partition (at most 100 rows each),
   * creating the tables as needed. All or nothing within each transaction; repeating it is harmless.
   */
  async writeBatched(rows: readonly DueEntry[], options: OperationOptions = {}): Promise<void> {
    try {
      await forEachLimited(groupByPartition(rows), MOVE_BATCHES_IN_FLIGHT, ({ at, group }) =>
        this.writeGroup(this.table(at), group, options),
      );
    } catch (error) {
      throw storageFailure('writing due rows', error);
    }
  }

  /**
   * One partition's rows, inserted: a row moved to its next occurrence is almost never there yet, and an
   * insert costs Azurite one look through the partition where an upsert costs two (the tick's moves land in
   * a popular minute's partition, hundreds of rows on a large fleet). In Azure both are one transaction. A
   * row already there (a tick repeated after a crash, a move within its minute) fails the insert with 409:
   * then the rows are upserted, which leaves the same rows.
   */
  private async writeGroup(table: CachedTable, group: DueEntry[], options: OperationOptions): Promise<void> {
    const submit = (actions: TransactionAction[]) =>
      this.intoTable(table, options, () => table.client.submitTransaction(actions, options));
    try {
      await submit(group.map((row): TransactionAction => ['create', dueEntity(row)]));
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
      await submit(group.map((row): TransactionAction => ['upsert', dueEntity(row), 'Replace']));
    }
  }

  /**
   * Deletes the rows in one transaction per hour table and minute partition (at most 100 each). A row
   * already gone fails its whole transaction (a tick that crashed took some): those go one by one.
   */
  async deleteBatched(refs: readonly DueRowRef[], options: OperationOptions = {}): Promise<void> {
    await forEachLimited(groupByPartition(refs), MOVE_BATCHES_IN_FLIGHT, async ({ at, group }) => {
      const actions = group.map((ref): TransactionAction => ['delete', dueKeys(ref)]);
      try {
        await this.table(at).client.submitTransaction(actions, options);
      } catch (error) {
        if (statusOf(error) !== 404) throw storageFailure('deleting due rows', error);
        await this.delete([...group], options);
      }
    });
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
    // A minute's keys (`…1800`, `…1800-0` to `…1800-f`) sort from the minute up to, not including, the next.
    const filter = odata`PartitionKey ge ${minuteBucket(firstMinute)} and PartitionKey lt ${minuteBucket(until + MINUTE_MS)}`;
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

  private upsert(row: DueEntry, options: OperationOptions): Promise<void> {
    const table = this.table(row.at);
    return this.intoTable(table, options, () =>
      table.client.upsertEntity(dueEntity(row), 'Replace', options),
    );
  }

  /** Creates the hour table if need be, then writes into it; once more if another host pruned it meanwhile. */
  private async intoTable(
    table: CachedTable,
    options: OperationOptions,
    write: () => Promise<unknown>,
  ): Promise<void> {
    await this.ensureCreated(table, options);
    try {
      await write();
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      table.created = undefined;
      await this.ensureCreated(table, options);
      await write();
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

/**
 * Where the due row of an entry may be now. Registration put it at `dueAt`; each tick since moved it to the
 * entry's first occurrence after the minute the tick evaluated, without writing that down in the entry (it
 * would cost a call per target, docs/decisions/0015). After a tick at the current minute or the one before,
 * that is one of the two next occurrences counted from those minutes. A row these miss (a tick that crashed
 * mid-way, ticks far behind) is stale once its schedule is replaced: the executor deletes it when it falls due.
 */
export function whereDueRowsMayBe(
  targetId: string,
  rows: readonly EntryRow[],
  registeredAt: number,
  now: number,
): DueRowRef[] {
  const minute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  const found = new Map<string, DueRowRef>();
  for (const row of rows) {
    const candidates = [
      row.dueAt,
      nextOccurrence(row.entry, minute - MINUTE_MS, registeredAt),
      nextOccurrence(row.entry, minute, registeredAt),
    ];
    for (const at of candidates) {
      if (at === undefined) continue;
      const ref = { at, targetId, revision: row.revision, entryIndex: row.index };
      found.set(`${at}|${row.index}|${row.revision}`, ref);
    }
  }
  return [...found.values()];
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
    const entity = await orUndefinedIfMissing('reading a schedule entry', () =>
      this.targets.getEntity<Record<string, unknown>>(due.targetId, entryRowKey(due.entryIndex), options),
    );
    return entity !== undefined && toEntryRow(entity as EntityResult).revision === due.revision;
  }

  reschedule(due: DueEntry, nextAt: number | undefined, options: OperationOptions = {}): Promise<void> {
    return this.rescheduleAll([{ row: due, nextAt }], options);
  }

  async rescheduleAll(moves: readonly DueMove[], options: OperationOptions = {}): Promise<void> {
    // Write the next rows first, then drop the old ones: a crash in between leaves both, and the next tick
    // moves the old row again onto the same key, so the entry never lacks a row and never gains a second.
    // A row read from before the shards is written back sharded, and its old key deleted.
    const moved = moves.map(({ row, nextAt }) => {
      const { unsharded: _old, ...sharded } = row;
      return { row, next: nextAt === undefined ? undefined : { ...sharded, at: nextAt } };
    });
    await this.due.writeBatched(
      moved.flatMap(({ next }) => (next ? [next] : [])),
      options,
    );
    // Same partition, same key (and table): the row written above is this one, updated in place.
    const gone = moved.filter(({ row, next }) => !next || duePartitionKey(next) !== duePartitionKey(row));
    await this.due.deleteBatched(
      gone.map(({ row }) => row),
      options,
    );
  }

  forget(rows: readonly DueRowRef[], options: OperationOptions = {}): Promise<void> {
    return this.due.delete([...rows], options);
  }
}
