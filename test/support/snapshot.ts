// Everything a test storage prefix holds, tables and queues alike, so a test can assert that a refused
// request changed nothing: every table under the prefix (the due index's hour tables too) and every queue.

import { odata } from '@azure/data-tables';
import type { StorageClients } from '../../src/store/tables.js';
import { allRows } from './storage.js';

export interface StorageSnapshot {
  tables: Record<string, Record<string, unknown>[]>;
  queues: Record<string, { count: number; peeked: string[] }>;
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
  const tables: StorageSnapshot['tables'] = {};
  for (const name of names.sort()) tables[name] = await allRows(clients, name);
  const queues: StorageSnapshot['queues'] = {};
  const { actions, pools } = clients.names.queues;
  for (const name of [actions, `${actions}-poison`, pools, `${pools}-poison`]) {
    const queue = clients.queueService.getQueueClient(name);
    const [properties, peeked] = await Promise.all([
      queue.getProperties(),
      queue.peekMessages({ numberOfMessages: 32 }),
    ]);
    queues[name] = {
      count: properties.approximateMessagesCount ?? 0,
      peeked: peeked.peekedMessageItems.map((m) => m.messageId),
    };
  }
  return { tables, queues };
}
