// Builds the Table Storage implementation of every port from validated settings.
// The composition root calls this once; tests call it with their own prefix to stay isolated.

import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Store } from './ports.js';
import { TableCheckpointRepository } from './checkpoint-repository.js';
import { TablePolicyRepository, TableWarningRepository } from './policy-repository.js';
import { DueTables, TableDueIndex } from './due-index.js';
import { TableRunRepository } from './run-repository.js';
import { TableScheduleRepository } from './schedule-repository.js';
import { createStorageClients, provisionStorage, type StorageClients } from './tables.js';
import { TableEventLog } from './event-log.js';
import { TableTargetControls } from './target-controls.js';
import { TableTargetRepository } from './target-repository.js';
import { TableScalingRepository } from './scaling-repository.js';
import { TableActivityTokenRepository } from './activity-token-repository.js';
import { TablePoolHistoryRepository } from './pool-history-repository.js';

export type { StorageClients };
export { createStorageClients, provisionStorage };

/** @param clock what "now" is for the store's own housekeeping (where a deleted schedule's rows are). */
export function createTableStore(clients: StorageClients, clock: Clock = systemClock): Store {
  const { names } = clients;
  const targets = clients.table(names.targets);
  // One per store: the repositories share what it learns about which hour tables exist.
  const due = new DueTables(clients);
  const scaled = clients.table(names.scaled);
  return {
    targets: new TableTargetRepository({ targets, access: clients.table(names.access), due, scaled, clock }),
    schedules: new TableScheduleRepository(targets, due),
    due: new TableDueIndex(due, targets),
    runs: new TableRunRepository(clients.table(names.runs)),
    checkpoints: new TableCheckpointRepository(clients.table(names.checkpoints)),
    scaling: new TableScalingRepository({ targets, scaled }),
    activityTokens: new TableActivityTokenRepository(targets),
    poolHistory: new TablePoolHistoryRepository(clients),
    policies: new TablePolicyRepository(clients.table(names.policies)),
    warnings: new TableWarningRepository(clients.table(names.warnings)),
    controls: new TableTargetControls(targets),
    events: new TableEventLog(clients.table(names.events)),
  };
}

/** The store for a configuration, with the clients it uses (the local host also provisions through them). */
export function openStore(
  config: Pick<Config, 'storage' | 'storagePrefix'>,
  clock: Clock = systemClock,
): {
  store: Store;
  clients: StorageClients;
} {
  const clients = createStorageClients(config.storage, config.storagePrefix);
  return { store: createTableStore(clients, clock), clients };
}
