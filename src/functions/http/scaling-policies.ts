// HTTP functions for pool and idle policies: set, read and remove them, with ETags like the schedules'.

import type { HttpHandler } from '@azure/functions';
import { deletePolicy, getPolicy, putIdlePolicy, putPoolPolicy } from '../../engine/scaling-policies.js';
import { entityTags, quoteEtag } from '../../api-contract/request.js';
import { formatInstant } from '../../schedule/index.js';
import type { StoredPolicy } from '../../store/pool-ports.js';
import type { Dependencies } from '../dependencies.js';
import { apiHandler, jsonResponse, type ApiCall } from './pipeline.js';

function policyJson(stored: StoredPolicy<object>): Record<string, unknown> {
  return {
    targetId: stored.targetId,
    ...stored.policy,
    updatedAt: formatInstant(stored.updatedAt),
    ...(stored.updatedBy !== undefined ? { updatedBy: stored.updatedBy } : {}),
  };
}

const policyResponse = (stored: StoredPolicy<object>) =>
  jsonResponse(200, policyJson(stored), { ETag: quoteEtag(stored.etag) });

function ifMatchOf({ request }: ApiCall) {
  const ifMatch = entityTags(request.headers.get('if-match'));
  return ifMatch ? { ifMatch } : {};
}

export function scalingPolicyHandlers(deps: Dependencies) {
  const useCaseDeps = { targets: deps.store.targets, scaling: deps.store.scaling, clock: deps.clock };
  return {
    putPool: apiHandler(deps, 'putPool', async (call) =>
      policyResponse(
        await putPoolPolicy(useCaseDeps, call.principal, call.targetId, call.body, ifMatchOf(call)),
      ),
    ),
    getPool: apiHandler(deps, 'getPool', async ({ principal, targetId }) =>
      policyResponse(await getPolicy(useCaseDeps, principal, targetId, 'pool')),
    ),
    deletePool: apiHandler(deps, 'deletePool', async (call) => {
      await deletePolicy(useCaseDeps, call.principal, call.targetId, 'pool', ifMatchOf(call));
      return { status: 204 };
    }),
    putIdle: apiHandler(deps, 'putIdle', async (call) =>
      policyResponse(
        await putIdlePolicy(useCaseDeps, call.principal, call.targetId, call.body, ifMatchOf(call)),
      ),
    ),
    getIdle: apiHandler(deps, 'getIdle', async ({ principal, targetId }) =>
      policyResponse(await getPolicy(useCaseDeps, principal, targetId, 'idle')),
    ),
    deleteIdle: apiHandler(deps, 'deleteIdle', async (call) => {
      await deletePolicy(useCaseDeps, call.principal, call.targetId, 'idle', ifMatchOf(call));
      return { status: 204 };
    }),
  } satisfies Record<string, HttpHandler>;
}
