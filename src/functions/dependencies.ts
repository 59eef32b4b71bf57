// The composition root: everything a function needs (settings, clock, store, queues, the compute
// gateway), built once from validated settings. Tests and the local host swap in their own parts.

import { systemClock, type Clock } from '../clock.js';
import { ArmComputeGateway } from '../compute/arm-gateway.js';
import { appCredential, lazyCredential } from '../credential.js';
import { tracedGateway } from '../telemetry/arm-telemetry.js';
import type { ComputeGateway } from '../compute/gateway.js';
import type { Config } from '../config.js';
import {
  resolveExecuteOptions,
  resolveTickOptions,
  type ExecuteOptions,
  type TickOptions,
} from '../engine/options.js';
import type { ActionQueue, PoolQueue } from '../engine/ports.js';
import { DEFAULT_RECONCILE_OPTIONS, type ReconcileOptions } from '../engine/reconcile.js';
import { StorageActionQueue, StoragePoolQueue } from '../queue/storage-action-queue.js';
import { openStore, type StorageClients } from '../store/index.js';
import type { Store } from '../store/ports.js';
import { onBehalfOf, permissionCheckFor, type PermissionCheck } from '../auth/permission-check.js';
import type { HoldRunning } from '../engine/snooze.js';
import type { WarnOptions, WebhookClient } from '../engine/warn-before-stops.js';
import { fetchWebhookClient } from '../webhooks/fetch-webhook-client.js';

export interface Dependencies {
  config: Config;
  clock: Clock;
  store: Store;
  /** Raw clients, for provisioning. */
  storage: StorageClients;
  /** The `actions` queue the tick and manual actions write to. */
  actions: ActionQueue;
  /** The `pools` queue the tick and wake requests write to, and the reconciler reads. */
  pools: PoolQueue;
  /** Azure Resource Manager in Azure; the local emulator on one machine. */
  gateway: ComputeGateway;
  /** The tick's and the executor's knobs, resolved once from the settings. */
  tickOptions: TickOptions;
  executeOptions: ExecuteOptions;
  reconcileOptions: ReconcileOptions;
  /** Whether callers may start and stop what they register (on their behalf in Azure; off by setting). */
  permissions: PermissionCheck;
  /** Where warnings before a stop are posted. */
  webhooks: WebhookClient;
  warnOptions?: WarnOptions;
  /** Keeps a target running until an instant (the override use case); what a snooze link calls. */
  holdRunning?: HoldRunning;
}

export interface DependencyOverrides {
  clock?: Clock;
  store?: Store;
  actions?: ActionQueue;
  pools?: PoolQueue;
  gateway?: ComputeGateway;
  permissions?: PermissionCheck;
  webhooks?: WebhookClient;
  warnOptions?: WarnOptions;
  holdRunning?: HoldRunning;
}

export function createDependencies(config: Config, overrides: DependencyOverrides = {}): Dependencies {
  const clock = overrides.clock ?? systemClock;
  const { store, clients } = openStore(config, clock);
  let gateway = overrides.gateway;
  let traced: ComputeGateway | undefined;
  // Made on first use: HTTP-only callers (and tests) never need Azure credentials.
  const credential = lazyCredential(() => appCredential(config.managedIdentityClientId));
  return {
    config,
    clock,
    tickOptions: resolveTickOptions({
      catchUpWindowInMs: config.catchUpWindowInMs,
      pacing: config.armWriteBudget,
    }),
    executeOptions: resolveExecuteOptions({ waitForCompletion: config.waitForCompletion }),
    reconcileOptions: { ...DEFAULT_RECONCILE_OPTIONS, waitForCompletion: config.waitForCompletion },
    store: overrides.store ?? store,
    storage: clients,
    actions: overrides.actions ?? new StorageActionQueue(clients.queueService, clients.names.queues.actions),
    pools: overrides.pools ?? new StoragePoolQueue(clients.queueService, clients.names.queues.pools),
    permissions:
      overrides.permissions ??
      permissionCheckFor(config.permissionCheck, {
        scheduler: credential,
        callerCredential: onBehalfOf(config.onBehalfOf),
      }),
    webhooks: overrides.webhooks ?? fetchWebhookClient,
    ...(overrides.warnOptions ? { warnOptions: overrides.warnOptions } : {}),
    ...(overrides.holdRunning ? { holdRunning: overrides.holdRunning } : {}),
    // Built on first use, as the credential is.
    get gateway(): ComputeGateway {
      gateway ??= new ArmComputeGateway({ credential });
      traced ??= tracedGateway(gateway, clock);
      return traced;
    },
  };
}
