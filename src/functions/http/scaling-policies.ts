// HTTP functions for pool and idle policies: set, read and remove them, with ETags like the schedules'.

import type { HttpHandler } from '@azure/functions';
import { deletePolicy, getPolicy, putScalingPolicy } from '../../engine/scaling-policies.js';
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

/** The operations of each kind of policy. */
const POLICY_KINDS = {
  pool: { put: 'putPool', get: 'getPool', remove: 'deletePool' },
  idle: { put: 'putIdle', get: 'getIdle', remove: 'deleteIdle' },
} as const;

/** Set, read and remove one kind of policy: the pool and idle handlers differ only in these names. */
function policyHandlers(deps: Dependencies, kind: keyof typeof POLICY_KINDS) {
  const useCaseDeps = { targets: deps.store.targets, scaling: deps.store.scaling, clock: deps.clock };
  const { put, get, remove } = POLICY_KINDS[kind];
  return {
    put: apiHandler(deps, put, async (call) =>
      policyResponse(
        await putScalingPolicy(useCaseDeps, call.principal, call.targetId, kind, call.body, ifMatchOf(call)),
      ),
    ),
    get: apiHandler(deps, get, async ({ principal, targetId }) =>
      policyResponse(await getPolicy(useCaseDeps, principal, targetId, kind)),
    ),
    remove: apiHandler(deps, remove, async (call) => {
      await deletePolicy(useCaseDeps, call.principal, call.targetId, kind, ifMatchOf(call));
      return { status: 204 };
    }),
  };
}

export function scalingPolicyHandlers(deps: Dependencies) {
  const pool = policyHandlers(deps, 'pool');
  const idle = policyHandlers(deps, 'idle');
  return {
    putPool: pool.put,
    getPool: pool.get,
    deletePool: pool.remove,
    putIdle: idle.put,
    getIdle: idle.get,
    deleteIdle: idle.remove,
  } satisfies Record<string, HttpHandler>;
}
