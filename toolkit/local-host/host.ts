// The local stand-in for the Functions host: provisions storage, serves the registry's HTTP functions,
// and starts extensions (timer driver, queue pollers, ARM emulator…) that drive the other triggers.

import type { LogHandler } from '@azure/functions';
import type { Clock } from '../../src/clock.js';
import type { Config } from '../../src/config.js';
import {
  createDependencies,
  type Dependencies,
  type DependencyOverrides,
} from '../../src/functions/dependencies.js';
import { createFunctionRegistry, hasTrigger, type FunctionDefinition } from '../../src/functions/registry.js';
import { provisionStorage } from '../../src/store/index.js';
import { EVENT_GRID_WEBHOOK_PATH, eventGridWebhook } from './event-grid-webhook.js';
import { startHttpServer } from './http-server.js';
import type { LocalPrincipal } from './principal.js';

export interface LocalHostContext {
  deps: Dependencies;
  registry: FunctionDefinition[];
  /** e.g. http://localhost:7071/api */
  baseUrl: string;
  /** Where Event Grid delivers to a function: `{eventGridUrl}?functionName=resourceEvents`. */
  eventGridUrl: string;
  log: LogHandler;
}

/**
 * Something the local host runs next to the HTTP server: it gets the registry and dependencies, drives
 * whatever triggers it knows (e.g. every `timer` entry each minute, every `queue` entry by polling),
 * and is stopped, in reverse order, when the host closes.
 */
export interface LocalHostExtension {
  name: string;
  start(context: LocalHostContext): Promise<{ stop(): Promise<void> } | undefined>;
}

export interface LocalHostOptions {
  config: Config;
  /** 7071 as the Functions host; 0 for any free port. */
  port?: number;
  principal: LocalPrincipal | undefined;
  clock?: Clock;
  /** Parts to swap in, e.g. a gateway pointed at the local ARM emulator. */
  overrides?: Omit<DependencyOverrides, 'clock'>;
  /** Defaults to the app's registry. */
  createRegistry?: (deps: Dependencies) => FunctionDefinition[];
  extensions?: LocalHostExtension[];
  log?: LogHandler;
}

export interface LocalHost extends LocalHostContext {
  close(): Promise<void>;
}

export const DEFAULT_PORT = 7071;

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const log: LogHandler = options.log ?? (() => undefined);
  const deps = createDependencies(options.config, {
    ...options.overrides,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  await provisionStorage(deps.storage);
  const registry = (options.createRegistry ?? createFunctionRegistry)(deps);
  const http = await startHttpServer({
    functions: registry.filter((d) => hasTrigger(d, 'http')),
    principal: options.principal,
    port: options.port ?? DEFAULT_PORT,
    log,
    webhooks: [
      eventGridWebhook(
        registry.filter((d) => hasTrigger(d, 'eventGrid')),
        log,
      ),
    ],
  });
  const eventGridUrl = `http://localhost:${http.port}${EVENT_GRID_WEBHOOK_PATH}`;
  const context: LocalHostContext = { deps, registry, baseUrl: http.baseUrl, eventGridUrl, log };
  const running: { name: string; stop(): Promise<void> }[] = [];
  const close = async () => {
    for (const extension of running.reverse()) await extension.stop();
    await http.close();
  };
  try {
    for (const extension of options.extensions ?? []) {
      const stopper = await extension.start(context);
      if (stopper) running.push({ name: extension.name, stop: () => stopper.stop() });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { ...context, close };
}
