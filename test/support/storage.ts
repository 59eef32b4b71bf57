// Per-test-file storage on the shared Azurite: a fresh prefix gives each file its own tables and queues.

import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { Clock } from '../../src/clock.js';
import type { Config } from '../../src/config.js';
import { readConfig } from '../../src/config.js';
import { openStore, provisionStorage } from '../../src/store/index.js';
import type { Store } from '../../src/store/ports.js';
import type { StorageClients } from '../../src/store/tables.js';

export interface TestStorage {
  config: Config;
  store: Store;
  clients: StorageClients;
}

/** A provisioned, empty set of tables and queues of its own. */
export async function freshStorage(
  settings: Record<string, string> = {},
  clock?: Clock,
): Promise<TestStorage> {
  const config = readConfig({
    AzureWebJobsStorage: inject('storageConnectionString'),
    SCHEDULER_STORAGE_PREFIX: `t${randomBytes(5).toString('hex')}`,
    SCHEDULER_TRUST_PRINCIPAL_HEADER: 'true',
    // Tests of the API act as people who may start and stop every machine; the permission check has its
    // own tests, through the local host and the ARM emulator (test/functions/permission-check.test.ts).
    SCHEDULER_PERMISSION_CHECK: 'off',
    ...settings,
  });
  const { store, clients } = openStore(config, clock);
  await provisionStorage(clients);
  return { config, store, clients };
}

/** Every row of a table, for asserting that nothing was written. */
export async function allRows(clients: StorageClients, table: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const row of clients.table(table).listEntities()) rows.push(row);
  return rows;
}
