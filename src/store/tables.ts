// Builds the Table and Queue clients from validated settings, and turns storage failures into the
// project's error family so repositories only ever throw errors the HTTP mapper understands.

import { RestError, TableClient, TableServiceClient } from '@azure/data-tables';
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { QueueServiceClient } from '@azure/storage-queue';
import type { StorageConfig } from '../config.js';
import { StorageError } from '../errors.js';
import { storageNames, type StorageNames } from './keys.js';

export interface StorageClients {
  names: StorageNames;
  table(name: string): TableClient;
  tableService: TableServiceClient;
  queueService: QueueServiceClient;
}

export function createStorageClients(storage: StorageConfig, prefix = ''): StorageClients {
  const names = storageNames(prefix);
  if (storage.kind === 'connectionString') {
    const { connectionString } = storage;
    // The SDK allows plain HTTP only when told to; Azurite on custom ports speaks HTTP.
    const options = { allowInsecureConnection: /tableendpoint=http:/i.test(connectionString) };
    return {
      names,
      table: (name) => TableClient.fromConnectionString(connectionString, name, options),
      tableService: TableServiceClient.fromConnectionString(connectionString, options),
      queueService: QueueServiceClient.fromConnectionString(connectionString),
    };
  }
  const credential: TokenCredential = storage.clientId
    ? new ManagedIdentityCredential({ clientId: storage.clientId })
    : new DefaultAzureCredential();
  return {
    names,
    table: (name) => new TableClient(storage.tableServiceUrl, name, credential),
    tableService: new TableServiceClient(storage.tableServiceUrl, credential),
    queueService: new QueueServiceClient(storage.queueServiceUrl, credential),
  };
}

/**
 * Creates every table and queue the scheduler uses; safe to run on every start. The due index's hour
 * tables are not among them: writes create each hour's table when they first need it.
 */
export async function provisionStorage(clients: StorageClients): Promise<void> {
  const { names } = clients;
  const tables = [names.targets, names.access, names.runs, names.checkpoints];
  const queues = [names.queues.actions, names.queues.pools].flatMap((q) => [q, `${q}-poison`]);
  await Promise.all([
    ...tables.map((t) => clients.tableService.createTable(t)),
    ...queues.map((q) => clients.queueService.getQueueClient(q).createIfNotExists()),
  ]);
}

export function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

/** Wraps an unexpected storage failure so it is reported as ours (500), with what storage said. */
export function storageFailure(operation: string, error: unknown): StorageError {
  const status = statusOf(error);
  const code = error instanceof RestError ? error.code : undefined;
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const wrapped = new StorageError(
    `store: ${operation} failed${status ? ` (${status}${code ? ` ${code}` : ''})` : ''}: ${message}`,
  );
  wrapped.cause = error;
  return wrapped;
}

/** Runs a storage call; 404 becomes undefined, anything else unexpected a StorageError. */
export async function orUndefinedIfMissing<T>(
  operation: string,
  call: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw storageFailure(operation, error);
  }
}
