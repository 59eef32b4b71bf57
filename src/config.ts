// The one reader of settings. It validates everything once at start-up and reports every problem
// together, so a misconfigured Function App fails at boot with a readable list, not on a request.

import { ConfigurationError } from './errors.js';
import { ARM_WRITES, type CallBudget } from './engine/pacing.js';
import type { TargetKind } from './targets/resource-id.js';
import { MOST_ENTRIES_CONFIGURABLE } from './schedule/index.js';

/** How we reach Table and Queue storage: a connection string, or an identity (Flex Consumption). */
export type StorageConfig =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; tableServiceUrl: string; queueServiceUrl: string; clientId?: string };

/** How registration checks that the caller may start and stop the machine (`SCHEDULER_PERMISSION_CHECK`). */
export const PERMISSION_CHECK_MODES = ['role-assignments', 'on-behalf-of', 'off'] as const;
export type PermissionCheckMode = (typeof PERMISSION_CHECK_MODES)[number];

export interface Config {
  storage: StorageConfig;
  /** The app setting that names the storage connection, for queue triggers (`connection`). */
  storageConnectionSetting: string;
  /** Prepended to table and queue names, so several deployments or test runs can share an account. */
  storagePrefix: string;
  /** Trust `x-ms-client-principal`: only where App Service Authentication sets it (it strips forged ones). */
  trustPrincipalHeader: boolean;
  /** How far back a tick catches up after an outage. */
  catchUpWindowInMs: number;
  /** Whether the executor waits for Azure to finish each operation (default: the accepted call is enough). */
  waitForCompletion: boolean;
  /** Each subscription's ARM write budget that a tick spreads its calls over; false: no spreading. */
  armWriteBudget: CallBudget | false;
  /** Schedule entries allowed per target, by kind (Azure ML allows four per compute instance). */
  maxScheduleEntries: Record<TargetKind, number>;
  /** The user-assigned managed identity the app signs in to ARM and telemetry with; absent off Azure. */
  managedIdentityClientId?: string;
  /** Application Insights, when telemetry goes there (with Entra ID when `managedIdentityClientId` is set). */
  applicationInsightsConnectionString?: string;
  /**
   * The object and client ids of the identity the scheduler calls Azure with (`SCHEDULER_IDENTITY_IDS`, plus
   * `AZURE_CLIENT_ID`): resource events whose claims name one of them are the scheduler's own operations.
   */
  identityIds: string[];
  /**
   * Registering a target or changing its schedule needs the caller's own Azure right to start and stop it:
   * evaluated from the caller's role assignments, read with the scheduler's identity (`role-assignments`, the
   * default: works for dashboard sessions, which carry no token to ARM), asked of ARM with the caller's token
   * (`on-behalf-of`), or not checked (`off`).
   */
  permissionCheck: PermissionCheckMode;
  /** The app registration that trades a caller's token for an ARM token (the on-behalf-of flow). */
  onBehalfOf?: { tenantId: string; clientId: string; clientSecret: string };
  /** Signs warnings' snooze links (`SCHEDULER_WARNING_SIGNING_KEY`, base64, 32 bytes or more). */
  warningSigningKey?: Buffer;
  /** The app's public base URL, where snooze links point (default `https://$WEBSITE_HOSTNAME`). */
  publicUrl?: string;
}

export type Environment = Record<string, string | undefined>;

const STORAGE_SETTING = 'AzureWebJobsStorage';
const HOUR_MS = 3_600_000;

/** Reads and validates the settings; throws one ConfigurationError listing every problem. */
export function readConfig(env: Environment = process.env): Config {
  const problems: string[] = [];
  const storage = readStorage(env, problems);
  const storagePrefix = env.SCHEDULER_STORAGE_PREFIX?.trim() ?? '';
  if (!/^(?:[a-z][a-z0-9]{0,19})?$/.test(storagePrefix)) {
    problems.push(
      'SCHEDULER_STORAGE_PREFIX must be up to 20 lowercase letters and digits, starting with a letter',
    );
  }
  const config: Config = {
    storage: storage ?? { kind: 'connectionString', connectionString: '' },
    storageConnectionSetting: STORAGE_SETTING,
    storagePrefix,
    trustPrincipalHeader: readBoolean(env, 'SCHEDULER_TRUST_PRINCIPAL_HEADER', false, problems),
    catchUpWindowInMs: readInteger(env, 'SCHEDULER_CATCH_UP_HOURS', 24, 0, 24 * 7, problems) * HOUR_MS,
    waitForCompletion: readBoolean(env, 'SCHEDULER_WAIT_FOR_COMPLETION', false, problems),
    armWriteBudget: readWriteBudget(env, problems),
    maxScheduleEntries: {
      vm: readInteger(env, 'SCHEDULER_MAX_ENTRIES_VM', 4, 1, MOST_ENTRIES_CONFIGURABLE, problems),
      pool: readInteger(env, 'SCHEDULER_MAX_ENTRIES_POOL', 4, 1, MOST_ENTRIES_CONFIGURABLE, problems),
      // Azure ML itself refuses a fifth schedule on a compute instance, so we never allow more.
      computeInstance: readInteger(env, 'SCHEDULER_MAX_ENTRIES_COMPUTE_INSTANCE', 4, 1, 4, problems),
    },
    identityIds: [],
    ...readActingSettings(env, problems),
  };
  const managedIdentityClientId = env.SCHEDULER_MANAGED_IDENTITY_CLIENT_ID?.trim();
  if (managedIdentityClientId) config.managedIdentityClientId = managedIdentityClientId;
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
  if (connectionString) config.applicationInsightsConnectionString = connectionString;
  config.identityIds = readIdentityIds(env, problems);
  if (problems.length > 0) throw new ConfigurationError(problems);
  return config;
}

/** The permission check, the on-behalf-of app registration, and what warnings' snooze links need. */
function readActingSettings(
  env: Environment,
  problems: string[],
): Pick<Config, 'permissionCheck' | 'onBehalfOf' | 'warningSigningKey' | 'publicUrl'> {
  const check = env.SCHEDULER_PERMISSION_CHECK?.trim().toLowerCase() || 'role-assignments';
  const isMode = (value: string): value is PermissionCheckMode =>
    (PERMISSION_CHECK_MODES as readonly string[]).includes(value);
  if (!isMode(check)) {
    problems.push(
      `SCHEDULER_PERMISSION_CHECK must be ${PERMISSION_CHECK_MODES.join(', ')}, not '${env.SCHEDULER_PERMISSION_CHECK}'`,
    );
  }
  const tenantId = env.SCHEDULER_OBO_TENANT_ID?.trim();
  const clientId = env.SCHEDULER_OBO_CLIENT_ID?.trim();
  // App Service Authentication keeps its app registration's secret in this setting already.
  const clientSecret = (
    env.SCHEDULER_OBO_CLIENT_SECRET ?? env.MICROSOFT_PROVIDER_AUTHENTICATION_SECRET
  )?.trim();
  const rawKey = env.SCHEDULER_WARNING_SIGNING_KEY?.trim();
  const key = rawKey ? Buffer.from(rawKey, 'base64') : undefined;
  if (key && key.length < 32)
    problems.push('SCHEDULER_WARNING_SIGNING_KEY must be at least 32 bytes, base64-encoded');
  const host = env.WEBSITE_HOSTNAME?.trim();
  const publicUrl = env.SCHEDULER_PUBLIC_URL?.trim() || (host ? `https://${host}` : undefined);
  if (publicUrl && !URL.canParse(publicUrl))
    problems.push(`SCHEDULER_PUBLIC_URL '${publicUrl}' is not a URL`);
  return {
    permissionCheck: isMode(check) ? check : 'role-assignments',
    ...(tenantId && clientId && clientSecret ? { onBehalfOf: { tenantId, clientId, clientSecret } } : {}),
    ...(key && key.length >= 32 ? { warningSigningKey: key } : {}),
    ...(publicUrl ? { publicUrl } : {}),
  };
}

/** Azure's documented ARM write bucket unless told otherwise; 0 writes a second turns spreading off. */
function readWriteBudget(env: Environment, problems: string[]): CallBudget | false {
  const burst = readInteger(env, 'SCHEDULER_ARM_WRITE_BURST', ARM_WRITES.burst, 1, 100_000, problems);
  const perSecond = readInteger(
    env,
    'SCHEDULER_ARM_WRITES_PER_SECOND',
    ARM_WRITES.perSecond,
    0,
    10_000,
    problems,
  );
  return perSecond === 0 ? false : { burst, perSecond };
}

/** Comma-separated ids of the scheduler's own identity; a user-assigned identity's AZURE_CLIENT_ID counts too. */
function readIdentityIds(env: Environment, problems: string[]): string[] {
  const ids = (env.SCHEDULER_IDENTITY_IDS ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
  for (const id of ids) {
    if (id.length > 128)
      problems.push(`SCHEDULER_IDENTITY_IDS: '${id.slice(0, 20)}…' is longer than 128 characters`);
  }
  const clientId = env.AZURE_CLIENT_ID?.trim();
  return clientId && !ids.includes(clientId) ? [...ids, clientId] : ids;
}

function readStorage(env: Environment, problems: string[]): StorageConfig | undefined {
  const connectionString = env[STORAGE_SETTING]?.trim();
  if (connectionString) {
    const lower = connectionString.toLowerCase();
    if (lower.startsWith('usedevelopmentstorage=true')) return { kind: 'connectionString', connectionString };
    if (!lower.includes('tableendpoint=') && !lower.includes('accountname=')) {
      problems.push(
        `${STORAGE_SETTING} is not a storage connection string (no AccountName or TableEndpoint)`,
      );
      return undefined;
    }
    return { kind: 'connectionString', connectionString };
  }
  // Identity-based connection, as Flex Consumption sets it up: AzureWebJobsStorage__accountName or
  // explicit service URIs, with an optional user-assigned identity's client id.
  const accountName = env[`${STORAGE_SETTING}__accountName`]?.trim();
  const tableServiceUrl =
    env[`${STORAGE_SETTING}__tableServiceUri`]?.trim() ??
    (accountName ? `https://${accountName}.table.core.windows.net` : undefined);
  const queueServiceUrl =
    env[`${STORAGE_SETTING}__queueServiceUri`]?.trim() ??
    (accountName ? `https://${accountName}.queue.core.windows.net` : undefined);
  if (!tableServiceUrl || !queueServiceUrl) {
    problems.push(
      `${STORAGE_SETTING} is not set: give a connection string (UseDevelopmentStorage=true locally) ` +
        `or ${STORAGE_SETTING}__accountName for an identity-based connection`,
    );
    return undefined;
  }
  for (const [setting, url] of [
    ['tableServiceUri', tableServiceUrl],
    ['queueServiceUri', queueServiceUrl],
  ] as const) {
    if (!URL.canParse(url)) problems.push(`${STORAGE_SETTING}__${setting} '${url}' is not a URL`);
  }
  const clientId = env[`${STORAGE_SETTING}__clientId`]?.trim();
  return { kind: 'identity', tableServiceUrl, queueServiceUrl, ...(clientId ? { clientId } : {}) };
}

function readBoolean(env: Environment, name: string, fallback: boolean, problems: string[]): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  problems.push(`${name} must be true or false, not '${env[name]}'`);
  return fallback;
}

function readInteger(
  env: Environment,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max}, not '${raw}'`);
    return fallback;
  }
  return value;
}
