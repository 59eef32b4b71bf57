// `npm start`: the whole scheduler on one machine, without an Azure account. Starts Azurite in memory,
// serves the API at http://localhost:7071/api, and stops everything on Ctrl-C.
//
// To add a part (timer driver, queue pollers, ARM emulator), start it in `main` before the host and pass
// its settings into the environment given to readConfig, or hand it to startLocalHost as an extension.

import type { LogHandler } from '@azure/functions';
import { readConfig } from '../config.js';
import { ensureErrorType } from '../errors.js';
import { startAzurite, type RunningAzurite } from './azurite.js';
import { DEFAULT_PORT, startLocalHost, type LocalHost } from './host/host.js';
import { readLocalPrincipal } from './host/principal.js';

const log: LogHandler = (level, ...args) => {
  if (level === 'error' || level === 'warning') console.error(`[${level}]`, ...args);
  else if (level === 'information') console.log(...args);
};

async function main(): Promise<void> {
  const env = { ...process.env };
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse())
      await stop().catch((e: unknown) => console.error(ensureErrorType(e).message));
  };
  let shuttingDown = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (shuttingDown) process.exit(130); // a second Ctrl-C: do not wait
      shuttingDown = true;
      console.log('\nStopping…');
      void stopAll().then(() => process.exit(0));
    });
  }

  try {
    let azurite: RunningAzurite | undefined;
    if (!env.AzureWebJobsStorage) {
      azurite = await startAzurite({ ports: 'default' });
      stops.push(() => azurite!.stop());
      env.AzureWebJobsStorage = azurite.connectionString;
    }
    // The local host plays App Service Authentication, so it trusts the principal header.
    env.SCHEDULER_TRUST_PRINCIPAL_HEADER = 'true';
    const config = readConfig(env);
    const principal = readLocalPrincipal(env.SCHEDULER_LOCAL_PRINCIPAL);
    const port = env.SCHEDULER_LOCAL_PORT ? Number(env.SCHEDULER_LOCAL_PORT) : DEFAULT_PORT;
    let host: LocalHost;
    try {
      host = await startLocalHost({ config, port, principal, log });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new Error(
          `port ${port} is in use (another Functions host?); set SCHEDULER_LOCAL_PORT to another port`,
        );
      }
      throw error;
    }
    stops.push(() => host.close());

    console.log(`compute-scheduler is running locally.

  API        ${host.baseUrl}
  OpenAPI    ${host.baseUrl}/openapi.json
  Storage    ${azurite ? `Azurite in memory (tables ${azurite.endpoints.table}, queues ${azurite.endpoints.queue})` : 'AzureWebJobsStorage'}
  Caller     ${principal ? `${principal.id}${principal.roles.length ? ` (${principal.roles.join(', ')})` : ''}, unless a request sends x-ms-client-principal` : 'none: send x-ms-client-principal'}

Press Ctrl-C to stop.`);
    if (azurite) console.log(`\nAzureWebJobsStorage=${azurite.connectionString}`);
  } catch (error) {
    console.error(`compute-scheduler: ${ensureErrorType(error).message}`);
    await stopAll();
    process.exit(1);
  }
}

void main();
