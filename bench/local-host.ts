// The local host as `npm start` runs it — HTTP on a free port, the timer driver, the queue pollers and the
// gateway over the real SDK clients pointed at an ARM emulator — for the benches that need it on the real clock.

import https from 'node:https';
import { ArmComputeGateway } from '../src/compute/arm-gateway.js';
import { readConfig, type Environment } from '../src/config.js';
import { emulatorCredential } from '../toolkit/arm-emulator/index.js';
import { startLocalHost } from '../toolkit/local-host/host.js';
import { DEFAULT_LOCAL_PRINCIPAL } from '../toolkit/local-host/principal.js';
import { queuePollers, timerDriver } from '../toolkit/local-host/triggers.js';

export interface BenchHostOptions {
  /** The host's settings (its storage); the principal header is trusted on top. */
  env: Environment;
  emulatorUrl: string;
  certificatePem: string;
}

export interface BenchHost {
  baseUrl: string;
  close(): Promise<void>;
}

/** Starts the host on `env`'s storage against the emulator at `emulatorUrl`; `close()` stops both. */
export async function startBenchHost({
  env,
  emulatorUrl,
  certificatePem,
}: BenchHostOptions): Promise<BenchHost> {
  const agent = new https.Agent({ ca: certificatePem, keepAlive: true });
  const gateway = new ArmComputeGateway({
    endpoint: emulatorUrl,
    credential: emulatorCredential({ principalId: 'compute-scheduler-local' }),
    agent,
    pollIntervalInMs: 2000,
  });
  const host = await startLocalHost({
    config: readConfig({ ...env, SCHEDULER_TRUST_PRINCIPAL_HEADER: 'true' }),
    port: 0,
    principal: DEFAULT_LOCAL_PRINCIPAL,
    overrides: { gateway },
    extensions: [timerDriver, queuePollers],
  });
  return {
    baseUrl: host.baseUrl,
    async close() {
      await host.close();
      agent.destroy();
    },
  };
}
