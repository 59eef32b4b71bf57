// What every API function does around its use case: identify the caller, read and check the body and
// parameters against the operation's schemas, and turn any failure into a problem document.

import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { principalFromHeaders, type Principal } from '../../auth/principal.js';
import { MethodNotAllowedError, UnauthenticatedError } from '../../errors.js';
import { findOperation, type OperationId } from '../../api-contract/operations.js';
import { problemResponse } from '../../api-contract/problem.js';
import {
  readJsonBody,
  readParameters,
  validateBody,
  type ParameterValues,
} from '../../api-contract/request.js';
import { schemas } from '../../api-contract/schemas.js';
import { targetPath } from '../../api-contract/representations.js';
import { formatInstant } from '../../schedule/index.js';
import { withStorageBudget } from '../../store/storage-budget.js';
import { storageOutage } from '../../store/tables.js';
import type { Dependencies } from '../dependencies.js';

/**
 * How long each storage call of a request may take, retries included, before the caller gets a 503: when
 * storage stops answering, the answer still comes within two seconds.
 */
export const STORAGE_BUDGET_PER_CALL_IN_MS = 1_500;

/** What every API function reads from its request, whoever the caller is. */
export interface ApiRequest {
  request: HttpRequest;
  context: InvocationContext;
  /** Query and header parameters, checked and converted. */
  parameters: ParameterValues;
  /** The parsed body (already checked against its schema unless the schedule engine checks it). */
  body: unknown;
  /** The `{id}` route parameter, or '' on routes without one. */
  targetId: string;
}

export interface ApiCall extends ApiRequest {
  principal: Principal;
}

export function apiHandler(
  deps: Pick<Dependencies, 'config'>,
  operationId: OperationId,
  handle: (call: ApiCall) => Promise<HttpResponseInit>,
): HttpHandler {
  return apiHandlerAs(
    deps,
    operationId,
    (request) => Promise.resolve(signedIn(request, deps.config.trustPrincipalHeader)),
    (call, principal) => handle({ ...call, principal }),
  );
}

/** The platform's principal; 401 when there is none. */
export function signedIn(request: HttpRequest, trustPrincipalHeader: boolean): Principal {
  const principal = principalFromHeaders(request.headers, trustPrincipalHeader);
  if (!principal) {
    throw new UnauthenticatedError(
      'No signed-in principal: call through App Service Authentication (x-ms-client-principal).',
    );
  }
  return principal;
}

/**
 * An API function whose caller is found by `identify` (before the body is read: who may not call learns
 * nothing about their input), e.g. a principal or a token.
 */
export function apiHandlerAs<C>(
  deps: Pick<Dependencies, 'config'>,
  operationId: OperationId,
  identify: (request: HttpRequest) => Promise<C>,
  handle: (call: ApiRequest, caller: C) => Promise<HttpResponseInit>,
): HttpHandler {
  const operation = findOperation(operationId);
  return async (request, context) => {
    const instance = new URL(request.url).pathname;
    try {
      const caller = await withStorageBudget(STORAGE_BUDGET_PER_CALL_IN_MS, () => identify(request));
      const parameters = readParameters(request, operation.parameters ?? [], schemas);
      let body: unknown;
      if (operation.requestBody) {
        body = await readJsonBody(request);
        if (operation.requestBody.validatedBy === 'schema')
          validateBody(body, operation.requestBody.schema, schemas);
      }
      const call = { request, context, parameters, body, targetId: request.params.id ?? '' };
      return await withStorageBudget(STORAGE_BUDGET_PER_CALL_IN_MS, () => handle(call, caller));
    } catch (error) {
      return problemResponse(storageOutage(error) ?? error, context, instance);
    }
  };
}

/** Answers every method a route does not serve, so clients learn what it does serve. */
export function methodNotAllowedHandler(allow: string[]): HttpHandler {
  return (request, context) =>
    problemResponse(new MethodNotAllowedError(request.method, allow), context, new URL(request.url).pathname);
}

export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponseInit {
  return {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * What a request that queues a run needs: the target and its runs, the clock, and the queues. The queues are
 * read when a request is made rather than when the handlers are built, so they are whatever the app holds then.
 */
export function queuedRunDependencies(deps: Dependencies) {
  return {
    targets: deps.store.targets,
    runs: deps.store.runs,
    clock: deps.clock,
    get actions() {
      return deps.actions;
    },
    get pools() {
      return deps.pools;
    },
  };
}

/**
 * 202 for a run queued on a target (a person's action, a wake): the run's id and instant, pending, with a
 * link to the target's runs, where `Location` points too. `action` and `links` add to what is said.
 */
export function queuedRunResponse(
  request: HttpRequest,
  run: { targetId: string; occurrenceAt: number; action?: string; links?: Record<string, string> },
): HttpResponseInit {
  const runs = `${targetPath(run.targetId)}/runs`;
  const body = {
    targetId: run.targetId,
    runId: String(run.occurrenceAt),
    ...(run.action !== undefined ? { action: run.action } : {}),
    occurrence: formatInstant(run.occurrenceAt),
    outcome: 'pending',
    links: { runs, ...run.links },
  };
  return jsonResponse(202, body, { Location: new URL(runs, request.url).href });
}
