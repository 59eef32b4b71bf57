// HTTP functions for activity: reports from the machines (a person or an activity token), and the tokens.

import type { HttpHandler, HttpRequest } from '@azure/functions';
import { hasBearer, presentedToken } from '../../auth/activity-token.js';
import { principalFromHeaders } from '../../auth/principal.js';
import { reportActivity, type ActivityBody, type ActivityCaller } from '../../engine/activity.js';
import {
  createActivityToken,
  listActivityTokens,
  revokeActivityToken,
} from '../../engine/activity-tokens.js';
import { canReadPools, KnownPoolInstances } from '../../engine/pool-instances.js';
import { UnauthenticatedError } from '../../errors.js';
import { targetPath } from '../../api-contract/representations.js';
import { formatInstant } from '../../schedule/index.js';
import type { ActivityToken } from '../../store/pool-ports.js';
import type { Dependencies } from '../dependencies.js';
import { apiHandler, apiHandlerAs, jsonResponse } from './pipeline.js';

/** A token in `Authorization` if there is one, else the platform's principal; 401 for neither. */
function activityCaller(request: HttpRequest, trustPrincipalHeader: boolean): ActivityCaller {
  const authorization = request.headers.get('authorization');
  const token = presentedToken(authorization);
  if (token) return { token };
  const principal = principalFromHeaders(request.headers, trustPrincipalHeader);
  if (principal) return { principal };
  throw new UnauthenticatedError(
    hasBearer(authorization)
      ? 'The bearer token is not an activity token.'
      : 'Send an activity token (Authorization: Bearer <token>) or sign in.',
  );
}

function tokenJson(token: ActivityToken): Record<string, unknown> {
  return {
    tokenId: token.tokenId,
    targetId: token.targetId,
    createdAt: formatInstant(token.createdAt),
    createdBy: token.createdBy,
    ...(token.expiresAt !== undefined ? { expiresAt: formatInstant(token.expiresAt) } : {}),
  };
}

export function activityHandlers(deps: Dependencies) {
  let poolInstances: KnownPoolInstances | undefined;
  const activityDeps = {
    targets: deps.store.targets,
    scaling: deps.store.scaling,
    tokens: deps.store.activityTokens,
    clock: deps.clock,
    // Built on first use, from the gateway (which itself is built on first use).
    get poolInstances() {
      if (!poolInstances && canReadPools(deps.gateway)) {
        poolInstances = new KnownPoolInstances(deps.gateway, deps.clock);
      }
      return poolInstances;
    },
  };
  const tokenDeps = { targets: deps.store.targets, tokens: deps.store.activityTokens, clock: deps.clock };
  return {
    reportActivity: apiHandlerAs(
      deps,
      'reportActivity',
      (request) => Promise.resolve(activityCaller(request, deps.config.trustPrincipalHeader)),
      async ({ targetId, body }, caller) => {
        await reportActivity(activityDeps, caller, targetId, body as ActivityBody);
        return { status: 204 };
      },
    ),
    createActivityToken: apiHandler(
      deps,
      'createActivityToken',
      async ({ principal, targetId, body, request }) => {
        const { token, secret } = await createActivityToken(
          tokenDeps,
          principal,
          targetId,
          body as { expiresAt?: string },
        );
        const list = `${targetPath(token.targetId)}/activity-tokens`;
        return jsonResponse(
          201,
          { ...tokenJson(token), token: secret },
          { Location: new URL(list, request.url).href },
        );
      },
    ),
    listActivityTokens: apiHandler(deps, 'listActivityTokens', async ({ principal, targetId }) =>
      jsonResponse(200, { value: (await listActivityTokens(tokenDeps, principal, targetId)).map(tokenJson) }),
    ),
    revokeActivityToken: apiHandler(deps, 'revokeActivityToken', async ({ principal, targetId, request }) => {
      await revokeActivityToken(tokenDeps, principal, targetId, request.params.tokenId ?? '');
      return { status: 204 };
    }),
  } satisfies Record<string, HttpHandler>;
}
