// Where the telemetry goes: Application Insights through the Azure Monitor OpenTelemetry distro when a connection
// string is configured (signing in with the app's managed identity), else, on a developer's machine, a few quiet
// lines on the console. Called once, before the first function runs.

import type { Config } from '../config.js';
import { appCredential } from '../credential.js';
import { startConsoleTelemetry, type ConsoleTelemetryOptions } from './console.js';

/** What was started, to flush and stop on shutdown. */
export interface RunningTelemetry {
  destination: 'azure-monitor' | 'console' | 'none';
  shutdown(): Promise<void>;
}

const NONE: RunningTelemetry = { destination: 'none', shutdown: () => Promise.resolve() };

/**
 * Starts telemetry for the process.
 * @param config the validated settings: `applicationInsightsConnectionString`, `managedIdentityClientId`
 * @param local on a developer's machine, where the console is the fallback
 * @returns what was started
 */
export async function startTelemetry(
  config: Pick<Config, 'applicationInsightsConnectionString' | 'managedIdentityClientId'>,
  local?: ConsoleTelemetryOptions,
): Promise<RunningTelemetry> {
  if (config.applicationInsightsConnectionString) return startAzureMonitor(config);
  if (local) return startConsoleTelemetry(local);
  return NONE;
}

async function startAzureMonitor(
  config: Pick<Config, 'applicationInsightsConnectionString' | 'managedIdentityClientId'>,
): Promise<RunningTelemetry> {
  // Loaded only here: the distro is large, and nothing else needs it.
  const { useAzureMonitor, shutdownAzureMonitor } = await import('@azure/monitor-opentelemetry');
  useAzureMonitor({
    azureMonitorExporterOptions: {
      connectionString: config.applicationInsightsConnectionString,
      // Local authentication is off on the Application Insights resource: the exporter signs in as the app.
      ...(config.managedIdentityClientId
        ? { credential: appCredential(config.managedIdentityClientId) }
        : {}),
    },
    // Live Metrics keeps a second connection to the ingestion service open for a portal view nobody watches.
    enableLiveMetrics: false,
    // Our own spans say what happened to which target; the generic HTTP and Azure SDK ones would add a row for
    // every storage call the tick makes each minute, for cost and little insight.
    instrumentationOptions: {
      http: { enabled: false },
      azureSdk: { enabled: false },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
    },
  });
  // Flushing to an unreachable ingestion endpoint rejects; on the way out that must not fail the shutdown.
  return { destination: 'azure-monitor', shutdown: () => shutdownAzureMonitor().catch(() => undefined) };
}
