// The one list of functions this app has: name, trigger and handler. `src/index.ts` registers it with
// the Functions host; the local host serves the same list; nothing else decides what runs.

import type {
  EventGridHandler,
  HttpHandler,
  HttpMethod,
  StorageQueueHandler,
  TimerHandler,
} from '@azure/functions';
import { ANSWERED_METHODS, operations, routes, type OperationId } from '../api-contract/operations.js';
import type { Dependencies } from './dependencies.js';
import { dashboardFunctions } from './http/dashboard.js';
import { openApiHandler } from './http/openapi.js';
import { methodNotAllowedHandler } from './http/pipeline.js';
import { connectFunction } from './http/wake.js';
import * as apiHandlerGroups from './http/api-handlers.js';
import { resourceEventFunctions } from './resource-events.js';
import { schedulerFunctions } from './scheduler.js';
import { tracedFunction } from '../telemetry/invocation.js';
import { warningFunctions } from './warnings.js';

export interface HttpTrigger {
  type: 'http';
  methods: HttpMethod[];
  /** Azure Functions route template, without the `api/` prefix. */
  route: string;
  authLevel: 'anonymous' | 'function' | 'admin';
}

export interface TimerTrigger {
  type: 'timer';
  /** Six-field NCRONTAB, UTC. */
  schedule: string;
}

export interface QueueTrigger {
  type: 'queue';
  queueName: string;
  /** The app setting holding the storage connection. */
  connection: string;
}

export interface EventGridTrigger {
  type: 'eventGrid';
}

export type FunctionDefinition =
  | { name: string; trigger: HttpTrigger; handler: HttpHandler }
  | { name: string; trigger: TimerTrigger; handler: TimerHandler }
  | { name: string; trigger: QueueTrigger; handler: StorageQueueHandler }
  | { name: string; trigger: EventGridTrigger; handler: EventGridHandler };

export type TriggerType = FunctionDefinition['trigger']['type'];
export type DefinitionOf<T extends TriggerType> = Extract<FunctionDefinition, { trigger: { type: T } }>;
export type HttpFunctionDefinition = DefinitionOf<'http'>;

/** Narrows a definition by its trigger type (TypeScript does not narrow on a nested discriminant). */
export function hasTrigger<T extends TriggerType>(
  definition: FunctionDefinition,
  type: T,
): definition is DefinitionOf<T> {
  return definition.trigger.type === type;
}

/** Every function of the app. */
export function createFunctionRegistry(deps: Dependencies): FunctionDefinition[] {
  // Each handler runs in a span (src/telemetry): the same for Azure, the local host and the simulator.
  return [
    ...httpApiFunctions(deps),
    ...dashboardFunctions(deps),
    ...schedulerFunctions(deps),
    ...resourceEventFunctions(deps),
    ...warningFunctions(deps),
  ].map((d) => tracedFunction(d, deps.clock));
}

type HandlerGroups = typeof apiHandlerGroups;
/** The operation ids the groups serve: those of every group's handlers, and the OpenAPI document's. */
type HandledOperation =
  { [G in keyof HandlerGroups]: keyof ReturnType<HandlerGroups[G]> }[keyof HandlerGroups] | 'getOpenApi';
/** A compile error that names what is left over: an operation without a handler, or a handler without an operation. */
type NoneLeft<T extends never> = T;
export type OperationsWithoutHandler = NoneLeft<Exclude<OperationId, HandledOperation>>;
export type HandlersWithoutOperation = NoneLeft<Exclude<HandledOperation, OperationId>>;

/**
 * The HTTP API: one function per operation, plus one 405 function per route for the answered methods the
 * route does not serve.
 */
export function httpApiFunctions(deps: Dependencies): HttpFunctionDefinition[] {
  const handlers = Object.assign(
    { getOpenApi: openApiHandler() },
    ...Object.values(apiHandlerGroups).map((group) => group(deps)),
  ) as Record<OperationId, HttpHandler>;
  const apiFunctions = operations.map((operation): HttpFunctionDefinition => ({
    name: operation.operationId,
    trigger: {
      type: 'http',
      methods: [operation.method],
      route: operation.route,
      authLevel: operation.authLevel,
    },
    handler: handlers[operation.operationId],
  }));
  const notAllowed = routes().map(({ route, methods }): HttpFunctionDefinition => {
    const anonymous = operations.every((o) => o.route !== route || o.authLevel === 'anonymous');
    return {
      name: `methodNotAllowed-${route.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+/g, '-')}`,
      trigger: {
        type: 'http',
        methods: ANSWERED_METHODS.filter((m) => !methods.includes(m)),
        route,
        authLevel: anonymous ? 'anonymous' : 'function',
      },
      handler: methodNotAllowedHandler(ANSWERED_METHODS.filter((m) => methods.includes(m))),
    };
  });
  const connect = connectFunction(deps);
  const connectNotAllowed: HttpFunctionDefinition = {
    name: 'methodNotAllowed-targets-id-connect',
    trigger: { ...connect.trigger, methods: ANSWERED_METHODS.filter((m) => m !== 'GET') },
    handler: methodNotAllowedHandler(['GET']),
  };
  return [...apiFunctions, ...notAllowed, connect, connectNotAllowed];
}
