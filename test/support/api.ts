// Calls the registry's HTTP functions directly, as the Functions host would: a real HttpRequest and
// InvocationContext, the route matched from the function's trigger. No HTTP server involved.

import functions from '@azure/functions';
import { ManualClock } from '../../src/clock.js';
import { ADMIN_ROLE, clientPrincipalHeaders } from '../../src/auth/principal.js';
import {
  createDependencies,
  type Dependencies,
  type DependencyOverrides,
} from '../../src/functions/dependencies.js';
import {
  createFunctionRegistry,
  hasTrigger,
  type HttpFunctionDefinition,
} from '../../src/functions/registry.js';
import { compileRoute } from '../../toolkit/local-host/routes.js';
import { freshStorage, type TestStorage } from './storage.js';

const { HttpRequest, HttpResponse, InvocationContext } = functions;

export const NOW = '2026-11-25T21:00:00Z';

export interface Caller {
  id: string;
  name?: string;
  roles?: string[];
}

export const alice: Caller = { id: 'alice-oid', name: 'alice@contoso.com' };
export const bob: Caller = { id: 'bob-oid', name: 'bob@contoso.com' };
export const admin: Caller = { id: 'admin-oid', name: 'admin@contoso.com', roles: [ADMIN_ROLE] };

export interface CallOptions {
  as?: Caller | null;
  body?: unknown;
  /** Sent as is, instead of JSON.stringify(body). */
  rawBody?: string | Uint8Array;
  headers?: Record<string, string>;
}

export interface ApiResult {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary response fields
  functionName: string;
  logged: unknown[][];
}

export interface TestApi extends TestStorage {
  deps: Dependencies;
  clock: ManualClock;
  functions: HttpFunctionDefinition[];
  call(method: string, path: string, options?: CallOptions): Promise<ApiResult>;
}

/** @param overrides e.g. a gateway pointed at the ARM emulator (by default none is reachable). */
export async function testApi(
  settings: Record<string, string> = {},
  overrides: Omit<DependencyOverrides, 'clock' | 'store'> = {},
): Promise<TestApi> {
  const storage = await freshStorage(settings);
  const clock = new ManualClock(NOW);
  const deps = createDependencies(storage.config, { ...overrides, clock, store: storage.store });
  const functionsList = createFunctionRegistry(deps).filter((d) => hasTrigger(d, 'http'));
  const table = functionsList
    .map((definition) => ({ definition, route: compileRoute(definition.trigger.route) }))
    .sort((a, b) => b.route.specificity - a.route.specificity);

  async function call(method: string, path: string, options: CallOptions = {}): Promise<ApiResult> {
    const url = new URL(path, 'http://localhost:7071');
    const routePath = url.pathname.replace(/^\/api\//, '');
    const found = table
      .map((entry) => ({ ...entry, params: entry.route.match(routePath) }))
      .find((entry) => entry.params && entry.definition.trigger.methods.includes(method as never));
    if (!found?.params) throw new Error(`test: no function serves ${method} ${path}`);
    const caller = options.as === undefined ? alice : options.as;
    const body =
      options.rawBody !== undefined
        ? options.rawBody
        : options.body !== undefined
          ? JSON.stringify(options.body)
          : undefined;
    const request = new HttpRequest({
      method,
      url: url.href,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(caller ? clientPrincipalHeaders(caller) : {}),
        ...options.headers,
      },
      params: found.params,
      ...(body === undefined
        ? {}
        : typeof body === 'string'
          ? { body: { string: body } }
          : { body: { bytes: body } }),
    });
    const logged: unknown[][] = [];
    const context = new InvocationContext({
      invocationId: 'test-invocation',
      functionName: found.definition.name,
      logHandler: (level, ...args) => logged.push([level, ...args]),
    });
    const result = await found.definition.handler(request, context);
    const response = result instanceof HttpResponse ? result : new HttpResponse(result ?? {});
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return {
      status: response.status,
      headers: response.headers,
      text,
      json,
      functionName: found.definition.name,
      logged,
    };
  }

  return { ...storage, deps, clock, functions: functionsList, call };
}

export const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';

export function vmId(name: string, group = 'rg-data'): string {
  return `/subscriptions/${SUBSCRIPTION}/resourceGroups/${group}/providers/Microsoft.Compute/virtualMachines/${name}`;
}

export function poolId(name: string): string {
  return `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-data/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`;
}

export function computeInstanceId(name: string, workspace = 'ws-research'): string {
  return `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/${workspace}/computes/${name}`;
}

/** The example schedule of the README and docs/schedules.md, as Azure ML's ARM examples write it. */
export const designSchedule = {
  computeStartStop: [
    {
      triggerType: 'Cron',
      action: 'Stop',
      status: 'Enabled',
      cron: {
        expression: '0 18 * * 1-5',
        timeZone: 'Pacific Standard Time',
        startTime: '2026-01-05T00:00:00',
      },
    },
    {
      triggerType: 'Recurrence',
      action: 'Start',
      status: 'Enabled',
      recurrence: {
        frequency: 'Week',
        interval: 1,
        timeZone: 'W. Europe Standard Time',
        schedule: { hours: [8], minutes: [0], weekDays: ['Monday', 'Friday'] },
      },
    },
  ],
};
