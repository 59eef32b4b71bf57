// Builds the Table and Queue clients from validated settings, and turns storage failures into the
// project's error family so repositories only ever throw errors the HTTP mapper understands.

import type {
  Pipeline,
  PipelinePolicy,
  PipelineRequest,
  PipelineResponse,
  SendRequest,
} from '@azure/core-rest-pipeline';
import {
  RestError,
  TableClient,
  TableServiceClient,
  type TableServiceClientOptions,
} from '@azure/data-tables';
import { appCredential } from '../credential.js';
import { QueueServiceClient, type StoragePipelineOptions } from '@azure/storage-queue';
import type { StorageConfig } from '../config.js';
import { StorageError, StorageUnavailableError } from '../errors.js';
import { countingPolicy } from './storage-calls.js';
import { storageCallSignal } from './storage-budget.js';
import { storageNames, type StorageNames } from './keys.js';

export interface StorageClients {
  names: StorageNames;
  table(name: string): TableClient;
  tableService: TableServiceClient;
  queueService: QueueServiceClient;
}

/**
 * A few quick retries for what storage drops or refuses, waiting at most 200 + 400 + 800 ms in all, where
 * the SDKs' defaults (800 ms doubling for tables, 4 s growing for queues) reported a refused connection only
 * after 6 s and 16 s. The tick runs again within a minute and queue messages come back by themselves; a
 * person waiting on the API is cut off sooner still, by each call's budget (see `withStorageBudget`).
 */
export const STORAGE_RETRY = { maxRetries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 800 } as const;

/** How soon a caller refused because storage is unavailable may try again (the Retry-After header). */
export const STORAGE_RETRY_AFTER_MS = 5_000;

/** How often a repository reads again and rewrites after losing a race to another writer (412, 404, 409). */
export const WRITE_RACE_ATTEMPTS = 5;

type TablePolicies = NonNullable<TableServiceClientOptions['additionalPolicies']>;

/**
 * The tables that always exist: provisioning creates them and a call that misses one creates it again, so
 * a table added here gets both. The due index's hour tables come and go by themselves.
 */
function fixedTables(names: StorageNames): string[] {
  return [
    names.targets,
    names.access,
    names.runs,
    names.checkpoints,
    names.scaled,
    names.policies,
    names.warnings,
    names.events,
  ];
}

export function createStorageClients(storage: StorageConfig, prefix = ''): StorageClients {
  const names = storageNames(prefix);
  // Tables everything relies on, created at start-up: if storage loses them (an Azurite restarted in memory,
  // an account recreated), the first call that misses one creates it again. Due tables look after themselves.
  const provisioned = new Set(fixedTables(names));
  const queueOptions: StoragePipelineOptions = {
    retryOptions: {
      maxTries: STORAGE_RETRY.maxRetries + 1,
      retryDelayInMs: STORAGE_RETRY.retryDelayInMs,
      maxRetryDelayInMs: STORAGE_RETRY.maxRetryDelayInMs,
    },
  };
  let tableService: TableServiceClient;
  let tableClient: (name: string, options: TableServiceClientOptions) => TableClient;
  let queueService: QueueServiceClient;
  let base: TableServiceClientOptions = {};
  if (storage.kind === 'connectionString') {
    const { connectionString } = storage;
    // The SDK allows plain HTTP only when told to; Azurite on custom ports speaks HTTP.
    base = { allowInsecureConnection: /tableendpoint=http:/i.test(connectionString) };
    tableService = TableServiceClient.fromConnectionString(connectionString, tableOptions(base));
    tableClient = (name, options) => TableClient.fromConnectionString(connectionString, name, options);
    queueService = QueueServiceClient.fromConnectionString(connectionString, queueOptions);
  } else {
    const credential = appCredential(storage.clientId);
    tableService = new TableServiceClient(storage.tableServiceUrl, credential, tableOptions(base));
    tableClient = (name, options) => new TableClient(storage.tableServiceUrl, name, credential, options);
    queueService = new QueueServiceClient(storage.queueServiceUrl, credential, queueOptions);
  }
  countQueueCalls(queueService);
  return {
    names,
    table: (name) =>
      tableClient(
        name,
        tableOptions(
          base,
          provisioned.has(name)
            ? [{ policy: recreateMissingTable(name, tableService), position: 'perCall' }]
            : [],
        ),
      ),
    tableService,
    queueService,
  };
}

/**
 * The Queue SDK takes no extra policies in its options (it builds its pipeline from a legacy factory
 * list), so the counting policy goes into the pipeline it built, after its retries like the tables'.
 */
function countQueueCalls(service: QueueServiceClient): void {
  const context = (service as unknown as { storageClientContext?: { pipeline?: Pipeline } })
    .storageClientContext;
  if (!context?.pipeline) throw new Error('storage: the Queue SDK no longer exposes its pipeline');
  context.pipeline.addPolicy(countingPolicy('queue'), { afterPhase: 'Retry' });
}

/** Every table client's options: our retries, the caller's budget, and the client's own policies. */
function tableOptions(
  base: TableServiceClientOptions,
  policies: TablePolicies = [],
): TableServiceClientOptions {
  return {
    ...base,
    retryOptions: STORAGE_RETRY,
    additionalPolicies: [
      { policy: budgetPolicy, position: 'perCall' },
      { policy: countingPolicy('table'), position: 'perRetry' },
      ...policies,
    ],
  };
}

/** Before the retry policy, so that its waits count against the call's budget too. */
const budgetPolicy: PipelinePolicy = {
  name: 'storageCallBudget',
  sendRequest(request, next) {
    const spent = storageCallSignal();
    if (spent) {
      request.abortSignal = request.abortSignal
        ? AbortSignal.any([request.abortSignal as AbortSignal, spent])
        : spent;
    }
    return next(request);
  },
};

/** A request that finds its table gone creates the table and is sent once more. */
function recreateMissingTable(tableName: string, service: TableServiceClient): PipelinePolicy {
  const recreate = async (request: PipelineRequest, next: SendRequest) => {
    await service.createTable(tableName); // TableAlreadyExists (another host was first) is success
    return next(request);
  };
  return {
    name: 'recreateMissingTable',
    async sendRequest(request, next) {
      let response: PipelineResponse;
      try {
        response = await next(request);
      } catch (error) {
        // The deserialization policy, nearer the wire than we are, has turned the 404 into an error.
        if (isTableNotFound(error)) return recreate(request, next);
        throw error;
      }
      // A batch answers 202 with each operation's own status inside; a missing table fails them all.
      const batchFoundNoTable =
        response.status === 202 &&
        response.request.url.endsWith('/$batch') &&
        (response.bodyAsText?.includes('TableNotFound') ?? false);
      return batchFoundNoTable ? recreate(request, next) : response;
    },
  };
}

function isTableNotFound(error: unknown): boolean {
  if (!(error instanceof RestError) || error.statusCode !== 404) return false;
  const details = error.details as { errorCode?: unknown } | undefined;
  return (
    error.code === 'TableNotFound' ||
    details?.errorCode === 'TableNotFound' ||
    (error.response?.bodyAsText?.includes('"TableNotFound"') ?? false)
  );
}

/**
 * Creates every table and queue the scheduler uses; safe to run on every start. The due index's hour
 * tables are not among them: writes create each hour's table when they first need it.
 */
export async function provisionStorage(clients: StorageClients): Promise<void> {
  const { names } = clients;
  const tables = fixedTables(names);
  const queues = [names.queues.actions, names.queues.pools].flatMap((q) => [q, `${q}-poison`]);
  await Promise.all([
    ...tables.map((t) => clients.tableService.createTable(t)),
    ...queues.map((q) => clients.queueService.getQueueClient(q).createIfNotExists()),
  ]);
}

export function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

// Storage's own "busy, try later" answers (408 and 500 time-outs, 503 ServerBusy, 429), and gateways'.
const UNAVAILABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** Storage did not answer (refused, reset, timed out, out of its budget) or said it cannot now. */
function isUnavailable(error: unknown): boolean {
  if (error instanceof StorageUnavailableError) return true;
  if (error instanceof Error && error.name === 'AbortError') return true;
  if (!(error instanceof RestError)) return false;
  return error.statusCode === undefined || UNAVAILABLE_STATUSES.has(error.statusCode);
}

/**
 * The outage behind a failure, if storage being unavailable is what it comes to: the error itself or any
 * error in its `cause` chain (repositories wrap what the SDK throws). Undefined for every other failure.
 */
export function storageOutage(error: unknown): StorageUnavailableError | undefined {
  for (let current = error, depth = 0; current !== undefined && depth < 8; depth++) {
    if (current instanceof StorageUnavailableError) return current;
    if (isUnavailable(current)) {
      const outage = new StorageUnavailableError(
        `store: storage is unavailable${describe(current)}`,
        STORAGE_RETRY_AFTER_MS,
      );
      outage.cause = error;
      return outage;
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

/** What storage said, in one line: ` (503 ServerBusy): message`, ` (ECONNREFUSED): message` or `: message`. */
function describe(error: unknown): string {
  const status = statusOf(error);
  const code = error instanceof RestError ? error.code : undefined;
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const what = [status, code].filter((part) => part !== undefined).join(' ');
  return `${what ? ` (${what})` : ''}: ${message}`;
}

/**
 * Wraps an unexpected storage failure so it is reported as ours, with what storage said: a 503 when
 * storage is unavailable, a 500 otherwise.
 */
export function storageFailure(operation: string, error: unknown): StorageError | StorageUnavailableError {
  const wrapped = isUnavailable(error)
    ? new StorageUnavailableError(
        `store: ${operation} failed, storage is unavailable${describe(error)}`,
        STORAGE_RETRY_AFTER_MS,
      )
    : new StorageError(`store: ${operation} failed${describe(error)}`);
  wrapped.cause = error;
  return wrapped;
}

/** Runs a storage call; the answer `status` becomes undefined, anything else unexpected a StorageError. */
async function orUndefinedOn<T>(
  status: 404 | 409,
  operation: string,
  call: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (statusOf(error) === status) return undefined;
    throw storageFailure(operation, error);
  }
}

/** Runs a storage call; 404 becomes undefined, anything else unexpected a StorageError. */
export function orUndefinedIfMissing<T>(operation: string, call: () => Promise<T>): Promise<T | undefined> {
  return orUndefinedOn(404, operation, call);
}

/**
 * Runs a storage insert; undefined when the row is there already (409). For rows whose key says all there is
 * to say, or whose writer reads what is there next: what is there is as good as what was sent.
 */
export function orUndefinedIfPresent<T>(operation: string, call: () => Promise<T>): Promise<T | undefined> {
  return orUndefinedOn(409, operation, call);
}

/** Runs a storage delete; true when it deleted, false when there was nothing (404) to delete. */
export async function deletedIfPresent(operation: string, call: () => Promise<unknown>): Promise<boolean> {
  const deleted = await orUndefinedIfMissing(operation, async () => {
    await call();
    return true;
  });
  return deleted ?? false;
}
