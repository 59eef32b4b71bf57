// Everything a test storage prefix holds, tables and queues alike, so a test can assert that a refused
// request changed nothing: every table under the prefix (the due index's hour tables too) and every queue.
// Rows are kept as key and ETag: any write to a row changes its ETag, and that is all a comparison needs.

import { odata } from '@azure/data-tables';
import type { StorageClients } from '../../src/store/tables.js';

export interface StorageSnapshot {
  /** Each table's rows as `PartitionKey RowKey ETag`, in key order. */
  tables: Record<string, string[]>;
  /** Each queue's message count. */
  queues: Record<string, number>;
}

/** The prefix every table of these clients starts with (see `storageNames`). */
function prefixOf(clients: StorageClients): string {
  return clients.names.targets.slice(0, -'targets'.length);
}

export async function storageSnapshot(clients: StorageClients): Promise<StorageSnapshot> {
  const prefix = prefixOf(clients);
  const names: string[] = [];
  // Table names are letters and digits: every name with the prefix sorts before prefix + '{'.
  const filter = odata`TableName ge ${prefix} and TableName lt ${`${prefix}{`}`;
  for await (const table of clients.tableService.listTables({ queryOptions: { filter } })) {
    if (table.name?.startsWith(prefix)) names.push(table.name);
  }
  const { actions, pools } = clients.names.queues;
  const queueNames = [actions, `${actions}-poison`, pools, `${pools}-poison`];
  const [rows, counts] = await Promise.all([
    Promise.all(names.sort().map((name) => rowVersions(clients, name))),
    Promise.all(
      queueNames.map(async (name) => {
        const properties = await clients.queueService.getQueueClient(name).getProperties();
        return properties.approximateMessagesCount ?? 0;
      }),
    ),
  ]);
  return {
    tables: Object.fromEntries(names.map((name, i) => [name, rows[i]!])),
    queues: Object.fromEntries(queueNames.map((name, i) => [name, counts[i]!])),
  };
}

async function rowVersions(clients: StorageClients, table: string): Promise<string[]> {
  const rows: string[] = [];
  const entities = clients
    .table(table)
    .listEntities({ queryOptions: { select: ['PartitionKey', 'RowKey'] } });
  for await (const row of entities) rows.push(`${row.partitionKey} ${row.rowKey} ${row.etag}`);
  return rows;
}
