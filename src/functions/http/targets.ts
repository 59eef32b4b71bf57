// HTTP functions for targets: register (idempotent), list, read, delete.

import type { HttpHandler } from '@azure/functions';
import {
  deleteTarget,
  getTarget,
  listTargets,
  registerTarget,
  updateTarget,
} from '../../engine/register-targets.js';
import { targetJson, targetPath } from '../../api-contract/representations.js';
import type { Dependencies } from '../dependencies.js';
import { apiHandler, jsonResponse } from './pipeline.js';
import { assertCallerMayStartAndStop } from './permission.js';

export function targetHandlers(deps: Dependencies) {
  const useCaseDeps = { targets: deps.store.targets, clock: deps.clock };
  return {
    registerTarget: apiHandler(deps, 'registerTarget', async ({ principal, body, request }) => {
      await assertCallerMayStartAndStop(deps, { principal, headers: request.headers }, body);
      const { target, created } = await registerTarget(
        useCaseDeps,
        principal,
        body as { resourceId: string; assignedTo?: string; connectUrl?: string },
      );
      const location = new URL(targetPath(target.id), request.url).href;
      return jsonResponse(created ? 201 : 200, targetJson(target), created ? { Location: location } : {});
    }),
    listTargets: apiHandler(deps, 'listTargets', async ({ principal, parameters, request }) => {
      const { continuationToken, maxPageSize } = parameters;
      const page = await listTargets(useCaseDeps, principal, {
        ...(typeof continuationToken === 'string' ? { continuationToken } : {}),
        ...(typeof maxPageSize === 'number' ? { maxPageSize } : {}),
      });
      let nextLink: string | undefined;
      if (page.continuationToken) {
        const next = new URL(request.url);
        next.searchParams.delete('code'); // never hand a function key back in a link
        next.searchParams.set('continuationToken', page.continuationToken);
        nextLink = next.href;
      }
      return jsonResponse(200, {
        value: page.items.map(targetJson),
        ...(page.continuationToken ? { continuationToken: page.continuationToken, nextLink } : {}),
      });
    }),
    getTarget: apiHandler(deps, 'getTarget', async ({ principal, targetId }) =>
      jsonResponse(200, targetJson(await getTarget(useCaseDeps, principal, targetId))),
    ),
    updateTarget: apiHandler(deps, 'updateTarget', async ({ principal, targetId, body }) =>
      jsonResponse(
        200,
        targetJson(await updateTarget(useCaseDeps, principal, targetId, body as { connectUrl?: string })),
      ),
    ),
    deleteTarget: apiHandler(deps, 'deleteTarget', async ({ principal, targetId }) => {
      await deleteTarget(useCaseDeps, principal, targetId);
      return { status: 204 };
    }),
  } satisfies Record<string, HttpHandler>;
}
