// The composition root: everything a function needs (settings, clock, store, storage clients), built
// once from validated settings. Tests and the local host build their own with a different clock or prefix.

import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import { openStore, type StorageClients } from '../store/index.js';
import type { Store } from '../store/ports.js';

export interface Dependencies {
  config: Config;
  clock: Clock;
  store: Store;
  /** Raw clients, for provisioning and (later) the queues the tick writes to. */
  storage: StorageClients;
}

export function createDependencies(
  config: Config,
  overrides: { clock?: Clock; store?: Store } = {},
): Dependencies {
  const { store, clients } = openStore(config);
  return { config, clock: overrides.clock ?? systemClock, store: overrides.store ?? store, storage: clients };
}
