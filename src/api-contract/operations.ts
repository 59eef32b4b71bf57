// The HTTP API's contract as data: every operation's route, method, parameters, body and responses.
// The function registry derives its HTTP functions (and 405s) from it, and openapi.json is generated from it.

import type { HttpMethod } from '@azure/functions';
import type { JsonSchema } from './schema.js';
import { poolHistoryOperation, scalingOperations, type ScalingOperationId } from './scaling-operations.js';
import { policyOperations, type PolicyOperationId } from './policy-operations.js';
import { ifNoneMatch, notModified, staleEtag, targetId } from './parameters.js';

/** The methods the API answers: each route serves some of them and answers the others with 405. */
export const ANSWERED_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Azure Functions prefixes every HTTP route with this (host.json `extensions.http.routePrefix`). */
export const ROUTE_PREFIX = '/api';

/** Request bodies are small JSON documents; anything larger is refused before it is parsed. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Arrays and objects nest at most this deep in a request body. Our documents need six levels; a 64 KiB
 * body can hold 32,000, and code that walks a value (validation, error messages) must never be handed that.
 */
export const MAX_BODY_DEPTH = 32;

export interface ApiParameter {
  name: string;
  in: 'query' | 'header' | 'path';
  required?: boolean;
  description: string;
  schema: JsonSchema;
}

export interface ApiResponse {
  description: string;
  /** A name in `schemas`. */
  schema?: string;
  headers?: Record<string, string>;
}

/** A list's paging parameters: `maxPageSize` (described by `pageSize`) and `continuationToken`. */
function pageParameters(pageSize: string): ApiParameter[] {
  return [
    {
      name: 'maxPageSize',
      in: 'query',
      description: pageSize,
      schema: { type: 'integer', minimum: 1, maximum: 1000 },
    },
    {
      name: 'continuationToken',
      in: 'query',
      description: 'From the previous page.',
      schema: { type: 'string', maxLength: 4096 },
    },
  ];
}

export type OperationId =
  | 'registerTarget'
  | 'listTargets'
  | 'getTarget'
  | 'deleteTarget'
  | 'putSchedules'
  | 'getSchedules'
  | 'getTimeline'
  | 'previewSchedules'
  | 'requestAction'
  | 'listRuns'
  | 'listRegistrations'
  | 'getOpenApi'
  | 'putEnforcement'
  | 'getEnforcement'
  | 'deleteEnforcement'
  | 'setOverride'
  | 'getOverride'
  | 'endOverride'
  | ScalingOperationId
  | PolicyOperationId;

export interface ApiOperation {
  operationId: OperationId;
  method: HttpMethod;
  /** An Azure Functions route template, without the `api/` prefix. */
  route: string;
  summary: string;
  tag: string;
  /** Platform key check (function keys); the principal check is `requiresPrincipal`. */
  authLevel: 'anonymous' | 'function';
  requiresPrincipal: boolean;
  parameters?: ApiParameter[];
  requestBody?: {
    /** A name in `schemas`. */
    schema: string;
    /** 'schema' validates with the schema itself; 'schedule engine' leaves it to the engine's richer checks. */
    validatedBy: 'schema' | 'schedule engine';
  };
  responses: Record<number, ApiResponse>;
}

const window = (defaults: string): ApiParameter[] => [
  {
    name: 'from',
    in: 'query',
    description: `Start of the window (inclusive). Default: ${defaults}.`,
    schema: { type: 'string', format: 'date-time' },
  },
  {
    name: 'to',
    in: 'query',
    description: 'End of the window (inclusive). Default: seven days after `from`; at most 31 days after it.',
    schema: { type: 'string', format: 'date-time' },
  },
];

const etag = { ETag: 'The schedule’s revision; send it back in If-Match to update safely.' };

export const operations: ApiOperation[] = [
  {
    operationId: 'registerTarget',
    method: 'POST',
    route: 'targets',
    summary: 'Register a VM, pool or compute instance (idempotent: the same resource gives the same target).',
    tag: 'Targets',
    authLevel: 'function',
    requiresPrincipal: true,
    requestBody: { schema: 'RegisterTargetRequest', validatedBy: 'schema' },
    responses: {
      200: { description: 'Already registered; here it is.', schema: 'Target' },
      201: { description: 'Registered.', schema: 'Target', headers: { Location: 'The new target’s URL.' } },
    },
  },
  {
    operationId: 'listTargets',
    method: 'GET',
    route: 'targets',
    summary: 'List the targets you own or are assigned (admins: all), a page at a time.',
    tag: 'Targets',
    authLevel: 'function',
    requiresPrincipal: true,
    parameters: [...pageParameters('Targets per page (default 100).')],
    responses: { 200: { description: 'A page of targets.', schema: 'TargetList' } },
  },
  {
    operationId: 'getTarget',
    method: 'GET',
    route: 'targets/{id}',
    summary: 'Read a target.',
    tag: 'Targets',
    authLevel: 'function',
    requiresPrincipal: true,
    parameters: [targetId],
    responses: { 200: { description: 'The target.', schema: 'Target' } },
  },
  {
    operationId: 'deleteTarget',
    method: 'DELETE',
    route: 'targets/{id}',
    summary: 'Forget a target and its schedule (the machine itself is left as it is).',
    tag: 'Targets',
    authLevel: 'function',
    requiresPrincipal: true,
    parameters: [targetId],
    responses: { 204: { description: 'Deleted.' } },
  },
  {
    operationId: 'putSchedules',
    method: 'PUT',
    route: 'targets/{id}/schedules',
    summary: 'Replace a target’s schedule with Azure ML’s {"computeStartStop": [...]} JSON.',
    tag: 'Schedules',
    authLevel: 'function',
    requiresPrincipal: true,
    parameters: [
      targetId,
      {
        name: 'If-Match',
        in: 'header',
        description: 'The ETag you read; the write is refused with 412 if the schedule changed since.',
        schema: { type: 'string' },
      },
    ],
    requestBody: { schema: 'ScheduleDocument', validatedBy: 'schedule engine' },
    responses: {
      200: {
        description: 'Stored; each entry with its description and next five occurrences.',
        schema: 'Schedules',
        headers: etag,
      },
      412: staleEtag,
    },
  },
  {
    operationId: 'getSchedules',
    method: 'GET',
    route: 'targets/{id}/schedules',
    summary: 'Read a target’s schedule, with each entry’s description and next five occurrences.',
    tag: 'Schedules',
    authLevel: 'function',
    requiresPrincipal: true,
    parameters: [targetId, ifNoneMatch],
    responses: {
      200: { description: 'The schedule.', schema: 'Schedules', headers: etag },
      304: notModified,
    },
  },
  {
    operationId: 'getTimeline',
    method: 'GET',
    route: 'targets/{id}/timeline',
    summary: 'The merged occurrences of a target’s entries in a window, with the desired state after each.',
    tag: 'Schedules',
    authLevel: 'function',
    requiresPrincipal: true,
    parameters: [targetId, ...window('now')],
    responses: { 200: { description: 'The timeline.', schema: 'Timeline' } },
  },
  {
    operationId: 'requestAction',
    method: 'POST',
    route: 'targets/{id}/actions/{action}',
    summary: 'Start, stop or restart a target now, through the same queue and run history as schedules.',
    tag: 'Actions',
    authLevel: 'function',
    requiresPrincipal: true,
    parameters: [
      targetId,
      {
        name: 'action',
        in: 'path',
        required: true,
        description: 'start, stop or restart.',
        schema: { type: 'string', enum: ['start', 'stop', 'restart'] },
      },
    ],
    responses: {
      202: {
        description: 'Accepted: the action is queued; follow its run.',
        schema: 'ActionAccepted',
        headers: { Location: 'The target’s runs.' },
      },
    },
  },
  {
    operationId: 'listRuns',
    method: 'GET',
    route: 'targets/{id}/runs',
    summary: 'What happened to a target, newest first: each occurrence, its action and outcome.',
    tag: 'Actions',
    authLevel: 'function',
    requiresPrincipal: true,
    parameters: [
      targetId,
      ...pageParameters('Runs per page (default 50).'),
      {
        name: 'registration',
        in: 'query',
        description:
          'An earlier registration of the target (admins only; also after the target was deleted). ' +
          'Default: the current one.',
        schema: { type: 'string', pattern: '^[0-9a-f]{16}$' },
      },
    ],
    responses: { 200: { description: 'A page of runs.', schema: 'RunList' } },
  },
  {
    operationId: 'listRegistrations',
    method: 'GET',
    route: 'targets/{id}/registrations',
    summary:
      'Admins: every registration of a target that has a run history, the current one and those before a ' +
      'delete, to read with GET /targets/{id}/runs?registration=…',
    tag: 'Actions',
    authLevel: 'function',
    requiresPrincipal: true,
    parameters: [targetId],
    responses: {
      200: { description: 'The registrations, newest action first.', schema: 'RegistrationList' },
    },
  },
  {
    operationId: 'previewSchedules',
    method: 'POST',
    route: 'preview',
    summary: 'Validate and expand a schedule document without storing anything.',
    tag: 'Schedules',
    authLevel: 'function',
    requiresPrincipal: true,
    parameters: [
      ...window('now'),
      {
        name: 'count',
        in: 'query',
        description: 'Next occurrences to list per entry (default 5).',
        schema: { type: 'integer', minimum: 1, maximum: 100 },
      },
    ],
    requestBody: { schema: 'ScheduleDocument', validatedBy: 'schedule engine' },
    responses: { 200: { description: 'The expanded schedule.', schema: 'Preview' } },
  },
  {
    operationId: 'getOpenApi',
    method: 'GET',
    route: 'openapi.json',
    summary: 'This document.',
    tag: 'Meta',
    authLevel: 'anonymous',
    requiresPrincipal: false,
    responses: { 200: { description: 'OpenAPI 3.1.' } },
  },
  ...scalingOperations,
  // New operations go last: the fuzz test seeds each operation by its place in this list.
  ...enforcementOperations(),
  ...overrideOperations(),
  ...policyOperations,
  poolHistoryOperation,
];

/** `targets/{id}/enforcement`: whether a target's schedule holds against people's starts. */
function enforcementOperations(): ApiOperation[] {
  const common = {
    route: 'targets/{id}/enforcement',
    tag: 'Enforcement',
    authLevel: 'function' as const,
    requiresPrincipal: true,
  };
  const ifMatch: ApiParameter = {
    name: 'If-Match',
    in: 'header',
    description: 'The ETag you read; the write is refused with 412 if the enforcement changed since.',
    schema: { type: 'string' },
  };
  const tag = { ETag: 'The enforcement’s revision; send it back in If-Match to update safely.' };
  return [
    {
      ...common,
      operationId: 'putEnforcement',
      method: 'PUT',
      summary:
        'Enforce the schedule: a start by someone else while the schedule wants the target stopped is stopped ' +
        'after the grace period (unless an override is active).',
      parameters: [targetId, ifMatch],
      requestBody: { schema: 'EnforcementRequest', validatedBy: 'schema' },
      responses: {
        200: { description: 'Stored.', schema: 'Enforcement', headers: tag },
        412: staleEtag,
      },
    },
    {
      ...common,
      operationId: 'getEnforcement',
      method: 'GET',
      summary: 'Read a target’s enforcement (not enforced, 30 minutes’ grace, until set).',
      parameters: [targetId, ifNoneMatch],
      responses: {
        200: { description: 'The enforcement.', schema: 'Enforcement', headers: tag },
        304: notModified,
      },
    },
    {
      ...common,
      operationId: 'deleteEnforcement',
      method: 'DELETE',
      summary: 'Stop enforcing the schedule.',
      parameters: [targetId, ifMatch],
      responses: {
        204: { description: 'Not enforced any more.' },
        412: staleEtag,
      },
    },
  ];
}

/** `targets/{id}/override`: suspend the schedule until an instant (a snooze). */
function overrideOperations(): ApiOperation[] {
  const common = {
    route: 'targets/{id}/override',
    tag: 'Override',
    authLevel: 'function' as const,
    requiresPrincipal: true,
    parameters: [targetId],
  };
  return [
    {
      ...common,
      operationId: 'setOverride',
      method: 'POST',
      summary:
        'Suspend the schedule until `until` (at most seven days ahead) and keep the target in `state` ' +
        'meanwhile; then the schedule’s desired state applies again.',
      requestBody: { schema: 'OverrideRequest', validatedBy: 'schema' },
      responses: {
        200: { description: 'In force; the target is being put in its state.', schema: 'Override' },
      },
    },
    {
      ...common,
      operationId: 'getOverride',
      method: 'GET',
      summary: 'The override in force, if any (404 when none).',
      responses: { 200: { description: 'The override.', schema: 'Override' } },
    },
    {
      ...common,
      operationId: 'endOverride',
      method: 'DELETE',
      summary: 'End the override now: the schedule’s desired state applies at once.',
      responses: { 204: { description: 'Ended.' } },
    },
  ];
}

export function findOperation(operationId: OperationId): ApiOperation {
  const operation = operations.find((o) => o.operationId === operationId);
  if (!operation) throw new Error(`http: no operation ${operationId}`);
  return operation;
}

/** Each route with the methods it serves, so every other method can be answered with 405. */
export function routes(list: ApiOperation[] = operations): { route: string; methods: HttpMethod[] }[] {
  const byRoute = new Map<string, HttpMethod[]>();
  for (const operation of list)
    byRoute.set(operation.route, [...(byRoute.get(operation.route) ?? []), operation.method]);
  return [...byRoute].map(([route, methods]) => ({ route, methods }));
}
