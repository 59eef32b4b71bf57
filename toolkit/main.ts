// `npm start`: the whole scheduler on one machine, without an Azure account. Starts Azurite in memory and
// the ARM emulator with a demo fleet, serves the API at http://localhost:7071/api, runs the tick every
// minute and the actions queue, registers demo schedules that act in the first minutes; Ctrl-C stops all.

import type { LogHandler } from '@azure/functions';
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import { ArmComputeGateway } from '../src/compute/arm-gateway.js';
import { readConfig } from '../src/config.js';
import { ensureErrorType } from '../src/errors.js';
import { startTelemetry } from '../src/telemetry/setup.js';
import { RESOURCE_EVENTS_FUNCTION } from '../src/functions/resource-events.js';
import { targetIdFor } from '../src/store/keys.js';
import { emulatorCredential, startArmEmulator, type ArmEmulator } from './arm-emulator/index.js';
import { startAzurite, type RunningAzurite } from './azurite.js';
import { addDemoFleet, demoFleet, registerDemo } from './demo.js';
import { startDemoPool } from './demo-pool.js';
import { DEFAULT_PORT, startLocalHost, type LocalHost } from './local-host/host.js';
import { localPermissionCheck, readLocalRoleAssignments } from './local-host/permissions.js';
import { readLocalPrincipal } from './local-host/principal.js';
import { queuePollers, timerDriver } from './local-host/triggers.js';

const log: LogHandler = (level, ...args) => {
  if (level === 'error' || level === 'warning') console.error(`[${level}]`, ...args);
  else if (level === 'information') console.log(...args);
};

type Stop = () => Promise<void>;

const LOCAL_IDENTITY = 'compute-scheduler-local';

/** Stops everything started so far, newest first, on Ctrl-C or SIGTERM; a second Ctrl-C does not wait. */
function stopOnSignals(stops: Stop[]): () => Promise<void> {
  const stopAll = async () => {
    for (const stop of stops.reverse())
      await stop().catch((e: unknown) => console.error(ensureErrorType(e).message));
  };
  let shuttingDown = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (shuttingDown) process.exit(130);
      shuttingDown = true;
      console.log('\nStopping…');
      void stopAll().then(() => process.exit(0));
    });
  }
  return stopAll;
}

interface Running {
  host: LocalHost;
  azurite: RunningAzurite | undefined;
  emulatorUrl: string;
  emulator: ArmEmulator;
  useDemo: boolean;
  principal: ReturnType<typeof readLocalPrincipal>;
}

/** Azurite (unless storage is configured), the ARM emulator with the demo fleet, and the local host. */
async function startAll(env: NodeJS.ProcessEnv, stops: Stop[]): Promise<Running> {
  let azurite: RunningAzurite | undefined;
  if (!env.AzureWebJobsStorage) {
    azurite = await startAzurite({ ports: 'default' });
    const started = azurite;
    stops.push(() => started.stop());
    env.AzureWebJobsStorage = azurite.connectionString;
  }
  // The local host plays App Service Authentication, so it trusts the principal header.
  env.SCHEDULER_TRUST_PRINCIPAL_HEADER = 'true';
  // The identity the gateway calls the emulator with: its events are the scheduler's own operations.
  env.SCHEDULER_IDENTITY_IDS ??= LOCAL_IDENTITY;
  const port = env.SCHEDULER_LOCAL_PORT ? Number(env.SCHEDULER_LOCAL_PORT) : DEFAULT_PORT;
  // Snooze links need a signing key and an address: a fresh key each start, links to this host.
  env.SCHEDULER_WARNING_SIGNING_KEY ||= randomBytes(32).toString('base64');
  env.SCHEDULER_PUBLIC_URL ||= `http://localhost:${port}`;
  const config = readConfig(env);
  // Application Insights when a connection string is set, else a line per ARM call on this console
  // (SCHEDULER_TELEMETRY_CONSOLE=verbose: every span, the log records and a metrics summary a minute).
  const telemetry = await startTelemetry(config, { verbose: env.SCHEDULER_TELEMETRY_CONSOLE === 'verbose' });
  stops.push(() => telemetry.shutdown());
  // Machines change state over 20 seconds, so the demo shows starting/deallocating before running/deallocated.
  const emulator = await startArmEmulator({
    transitionDurationsInMs: 20_000,
    permissions: readLocalRoleAssignments(env.SCHEDULER_LOCAL_ROLE_ASSIGNMENTS, LOCAL_IDENTITY),
  });
  stops.push(() => emulator.close());
  const useDemo = env.SCHEDULER_DEMO !== 'false';
  if (useDemo) addDemoFleet(emulator);
  const agent = new https.Agent({ ca: emulator.certificatePem, keepAlive: true });
  const gateway = new ArmComputeGateway({
    endpoint: emulator.url,
    credential: emulatorCredential({ principalId: LOCAL_IDENTITY }),
    agent,
    pollIntervalInMs: 2000,
  });
  const permissions = localPermissionCheck(config.permissionCheck, emulator.url, agent, LOCAL_IDENTITY);
  const principal = readLocalPrincipal(env.SCHEDULER_LOCAL_PRINCIPAL);
  const options = {
    config,
    port,
    principal,
    log,
    overrides: { gateway, permissions },
    extensions: [timerDriver, queuePollers],
  };
  const host = await startLocalHost(options).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new Error(
      `port ${port} is in use (another Functions host?); set SCHEDULER_LOCAL_PORT to another port`,
    );
  });
  stops.push(() => host.close());
  // The emulator's resource events go to the Event Grid function, as a system topic's subscription would.
  emulator.setEventGridWebhook(`${host.eventGridUrl}?functionName=${RESOURCE_EVENTS_FUNCTION}`);
  return { host, azurite, emulatorUrl: emulator.url, emulator, useDemo, principal };
}

function printBanner({ host, azurite, emulatorUrl, useDemo, principal }: Running, demoIds: string[]): void {
  console.log(`compute-scheduler is running locally.

  Dashboard  ${new URL(host.baseUrl).origin}/
  API        ${host.baseUrl}
  OpenAPI    ${host.baseUrl}/openapi.json
  Storage    ${azurite ? `Azurite in memory (tables ${azurite.endpoints.table}, queues ${azurite.endpoints.queue})` : 'AzureWebJobsStorage'}
  ARM        ${emulatorUrl} (local emulator${useDemo ? `: ${Object.keys(demoFleet).length} demo machines` : ''})
  Timer      tick every minute at second 0 (UTC); actions queue polled
  Caller     ${principal ? `${principal.id}${principal.roles.length ? ` (${principal.roles.join(', ')})` : ''}, unless a request sends x-ms-client-principal` : 'none: send x-ms-client-principal'}

Press Ctrl-C to stop.`);
  if (azurite) console.log(`\nAzureWebJobsStorage=${azurite.connectionString}`);
  if (demoIds.length > 0) {
    console.log('\nDemo targets (their schedules stop and start them within the next five minutes):');
    for (const id of demoIds) console.log(`  ${host.baseUrl}/targets/${id}/runs`);
    const pool = `${host.baseUrl}/targets/${targetIdFor(demoFleet.pool)}`;
    console.log(
      '\nThe demo pool (vmss-team-pool) has three people on it for four minutes: it scales to zero three idle\n' +
        'minutes later and wakes when someone comes back at minute twelve, or when you open its connect link:\n' +
        `  ${pool}/connect\n  ${pool}/runs`,
    );
  }
}

async function main(): Promise<void> {
  const stops: Stop[] = [];
  const stopAll = stopOnSignals(stops);
  try {
    const running = await startAll({ ...process.env }, stops);
    const demoIds = running.useDemo ? await registerDemo(running.host.baseUrl, Date.now()) : [];
    if (running.useDemo) {
      // The demo pool is a show, not the product: if it cannot start, say so and run on.
      const pool = await startDemoPool(
        running.host.baseUrl,
        running.emulator,
        targetIdFor(demoFleet.pool),
        Date.now(),
        (line) => console.error(line),
      ).catch((error: unknown) => {
        console.error(`demo pool not started: ${ensureErrorType(error).message}`);
        return undefined;
      });
      if (pool) stops.push(() => Promise.resolve(pool.stop()));
    }
    printBanner(running, demoIds);
  } catch (error) {
    console.error(`compute-scheduler: ${ensureErrorType(error).message}`);
    await stopAll();
    process.exit(1);
  }
}

void main();
