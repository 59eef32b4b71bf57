// Wake on demand: `POST /api/targets/{id}/wake` (JSON API), and `GET /api/targets/{id}/connect`, a bookmark
// that sends people to the machine when it runs and otherwise wakes it and shows a page that waits for it.

import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { targetPath } from '../../api-contract/representations.js';
import { problemResponse } from '../../api-contract/problem.js';
import type { PowerState } from '../../compute/gateway.js';
import { targetToWake, wakeTarget, type Wake } from '../../engine/wake.js';
import { withStorageBudget } from '../../store/storage-budget.js';
import { storageOutage } from '../../store/tables.js';
import type { StoredTarget } from '../../store/ports.js';
import type { Dependencies } from '../dependencies.js';
import type { HttpFunctionDefinition } from '../registry.js';
import { renderConnectPage } from './connect-page.js';
import {
  apiHandler,
  queuedRunDependencies,
  queuedRunResponse,
  signedIn,
  STORAGE_BUDGET_PER_CALL_IN_MS,
} from './pipeline.js';

function wakeDependencies(deps: Dependencies) {
  return Object.assign(queuedRunDependencies(deps), { scaling: deps.store.scaling });
}

export function wakeHandlers(deps: Dependencies) {
  const useCaseDeps = wakeDependencies(deps);
  return {
    wakeTarget: apiHandler(deps, 'wakeTarget', async ({ principal, targetId, request }) => {
      const wake = await wakeTarget(useCaseDeps, principal, targetId);
      return queuedRunResponse(request, {
        targetId: wake.target.id,
        occurrenceAt: wake.occurrenceAt,
        links: { connect: `${targetPath(wake.target.id)}/connect` },
      });
    }),
  } satisfies Record<string, HttpHandler>;
}

/**
 * `/connect` is a page, not part of the JSON API (like the dashboard): it is not in the operations table or
 * openapi.json, but sits behind the same authentication. Anonymous at the platform's key check, because a
 * browser following a bookmark has no function key; the principal is still required.
 */
export function connectFunction(deps: Dependencies): HttpFunctionDefinition {
  return {
    name: 'connect',
    trigger: { type: 'http', methods: ['GET'], route: 'targets/{id}/connect', authLevel: 'anonymous' },
    handler: (request, context) => connect(deps, request, context),
  };
}

async function connect(
  deps: Dependencies,
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  try {
    const principal = signedIn(request, deps.config.trustPrincipalHeader);
    const targetId = request.params.id ?? '';
    return await withStorageBudget(STORAGE_BUDGET_PER_CALL_IN_MS, async () => {
      const target = await targetToWake(deps.store, principal, targetId);
      const power = await powerOf(deps, target);
      if (power === 'running' && target.connectUrl) {
        return { status: 302, headers: { Location: target.connectUrl, 'Cache-Control': 'no-store' } };
      }
      const wake =
        power === 'running' ? undefined : await wakeTarget(wakeDependencies(deps), principal, targetId);
      return page(target, power, wake);
    });
  } catch (error) {
    return problemResponse(storageOutage(error) ?? error, context, new URL(request.url).pathname);
  }
}

/** The machine's power state; `unknown` when Azure cannot tell us now (the page then wakes and waits). */
async function powerOf(deps: Dependencies, target: StoredTarget): Promise<PowerState> {
  try {
    const state = await deps.gateway.readState({ resourceId: target.resourceId, kind: target.kind });
    return state.power;
  } catch {
    return 'unknown';
  }
}

function page(target: StoredTarget, power: PowerState, wake: Wake | undefined): HttpResponseInit {
  return {
    status: 200,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      // The page is ours alone: no script, no outside resource, only its own inline style.
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      'X-Content-Type-Options': 'nosniff',
    },
    body: renderConnectPage({
      target,
      power,
      ...(wake ? { runsUrl: `${targetPath(target.id)}/runs`, runId: String(wake.occurrenceAt) } : {}),
    }),
  };
}
