// Child process of the registration bench: the local host alone (HTTP on a free port, the permission check
// asking the parent's ARM emulator, the parent's Azurite), so that the CPU it reports per request is the
// host's, not the load generator's or the emulator's. It answers `count` with the storage calls it has made
// so far and its CPU time, and `stop` by closing.

import https from 'node:https';
import { readConfig, type Environment } from '../src/config.js';
import { storageCalls, type StorageOperation } from '../src/store/storage-calls.js';
import { startLocalHost } from '../toolkit/local-host/host.js';
import { localPermissionCheck } from '../toolkit/local-host/permissions.js';
import { DEFAULT_LOCAL_PRINCIPAL } from '../toolkit/local-host/principal.js';
import { childArgs } from './child-process.js';
import { cpuInMicroseconds } from './machine.js';

export interface RegistrationHostArgs {
  env: Environment;
  emulatorUrl: string;
  certificatePem: string;
}

/** What the host says: where it listens (first), then on each `count`, what it has done so far. */
export type RegistrationHostMessage =
  { baseUrl: string } | { storageCalls: Record<StorageOperation, number>; cpuInMs: number };

const { env, emulatorUrl, certificatePem } = childArgs<RegistrationHostArgs>();
const agent = new https.Agent({ ca: certificatePem, keepAlive: true });
const config = readConfig({ ...env, SCHEDULER_TRUST_PRINCIPAL_HEADER: 'true' });
const host = await startLocalHost({
  config,
  port: 0,
  principal: DEFAULT_LOCAL_PRINCIPAL,
  overrides: {
    permissions: localPermissionCheck(config.permissionCheck, emulatorUrl, agent, 'compute-scheduler'),
  },
});

process.on('message', (message) => {
  if (message === 'count') {
    const answer: RegistrationHostMessage = {
      storageCalls: storageCalls.snapshot(),
      cpuInMs: cpuInMicroseconds() / 1000,
    };
    process.send?.(answer);
  } else if (message === 'stop') {
    void host.close().then(() => {
      agent.destroy();
      process.disconnect();
    });
  }
});
const ready: RegistrationHostMessage = { baseUrl: host.baseUrl };
process.send?.(ready);
