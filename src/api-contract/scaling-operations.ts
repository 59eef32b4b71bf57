// The operations of scaling by activity: pool and idle policies, activity and its tokens, wakes, and a
// target's settings. operations.ts lists them with the others; `/targets/{id}/connect` is a page, not here.

import type { ApiOperation, ApiParameter } from './operations.js';
import { staleEtag, targetId } from './parameters.js';

export type ScalingOperationId =
  | 'updateTarget'
  | 'putPool'
  | 'getPool'
  | 'deletePool'
  | 'putIdle'
  | 'getIdle'
  | 'deleteIdle'
  | 'reportActivity'
  | 'createActivityToken'
  | 'listActivityTokens'
  | 'revokeActivityToken'
  | 'wakeTarget'
  | 'getPoolHistory';

const ifMatch: ApiParameter = {
  name: 'If-Match',
  in: 'header',
  description: 'The ETag you read; the change is refused with 412 if the policy changed since.',
  schema: { type: 'string' },
};

const etag = { ETag: 'The policy’s revision; send it back in If-Match to change it safely.' };

const common = { authLevel: 'function', requiresPrincipal: true } as const;

/** PUT, GET and DELETE of one kind of policy. */
function policyOperations(
  kind: 'pool' | 'idle',
  ids: [ScalingOperationId, ScalingOperationId, ScalingOperationId],
  what: string,
): ApiOperation[] {
  const [put, get, del] = ids;
  const schema = kind === 'pool' ? 'PoolPolicy' : 'IdlePolicy';
  const route = `targets/{id}/${kind}`;
  const tag = 'Scaling';
  return [
    {
      ...common,
      operationId: put,
      method: 'PUT',
      route,
      summary: `Set ${what}.`,
      tag,
      parameters: [targetId, ifMatch],
      requestBody: { schema, validatedBy: 'schema' },
      responses: {
        200: { description: 'Stored, with every default filled in.', schema: `${schema}View`, headers: etag },
        412: staleEtag,
      },
    },
    {
      ...common,
      operationId: get,
      method: 'GET',
      route,
      summary: `Read ${what}.`,
      tag,
      parameters: [targetId],
      responses: {
        200: { description: 'The policy.', schema: `${schema}View`, headers: etag },
        404: { description: 'The target has none.', schema: 'Problem' },
      },
    },
    {
      ...common,
      operationId: del,
      method: 'DELETE',
      route,
      summary: `Remove ${what}; the machine stays as it is.`,
      tag,
      parameters: [targetId, ifMatch],
      responses: {
        204: { description: 'Removed.' },
        404: { description: 'The target has none.', schema: 'Problem' },
        412: staleEtag,
      },
    },
  ];
}

export const scalingOperations: ApiOperation[] = [
  {
    ...common,
    operationId: 'updateTarget',
    method: 'PATCH',
    route: 'targets/{id}',
    summary: 'Change a target’s settings: its connectUrl.',
    tag: 'Targets',
    parameters: [targetId],
    requestBody: { schema: 'TargetUpdate', validatedBy: 'schema' },
    responses: { 200: { description: 'The target as it is now.', schema: 'Target' } },
  },
  ...policyOperations(
    'pool',
    ['putPool', 'getPool', 'deletePool'],
    'a pool’s scaling policy: its floors and ceiling, and when an instance is idle',
  ),
  ...policyOperations(
    'idle',
    ['putIdle', 'getIdle', 'deleteIdle'],
    'an idle policy on a VM or compute instance: stop it after that many idle minutes',
  ),
  {
    operationId: 'reportActivity',
    method: 'POST',
    route: 'targets/{id}/activity',
    summary:
      'Report the sessions on a machine (per instance for a pool), every minute or so. Authenticated as a ' +
      'person who may manage the target, or with `Authorization: Bearer <activity token>`.',
    tag: 'Scaling',
    // The token is checked by the operation itself: a reporter on a machine has no function key.
    authLevel: 'anonymous',
    requiresPrincipal: false,
    parameters: [targetId],
    requestBody: { schema: 'ActivityReport', validatedBy: 'schema' },
    responses: {
      204: { description: 'Recorded.' },
      401: { description: 'No principal, or an unknown, expired or revoked token.', schema: 'Problem' },
      403: { description: 'A token for another target, or someone else’s target.', schema: 'Problem' },
    },
  },
  {
    ...common,
    operationId: 'createActivityToken',
    method: 'POST',
    route: 'targets/{id}/activity-tokens',
    summary: 'Admins or the target’s owner: a token that allows only reporting activity for this target.',
    tag: 'Scaling',
    parameters: [targetId],
    requestBody: { schema: 'ActivityTokenRequest', validatedBy: 'schema' },
    responses: {
      201: {
        description: 'Created; the token is in the answer and never shown again.',
        schema: 'ActivityTokenCreated',
        headers: { Location: 'The target’s tokens.' },
      },
    },
  },
  {
    ...common,
    operationId: 'listActivityTokens',
    method: 'GET',
    route: 'targets/{id}/activity-tokens',
    summary: 'The target’s activity tokens, without their secrets.',
    tag: 'Scaling',
    parameters: [targetId],
    responses: { 200: { description: 'The tokens, oldest first.', schema: 'ActivityTokenList' } },
  },
  {
    ...common,
    operationId: 'revokeActivityToken',
    method: 'DELETE',
    route: 'targets/{id}/activity-tokens/{tokenId}',
    summary: 'Revoke an activity token: it stops working at once.',
    tag: 'Scaling',
    parameters: [
      targetId,
      {
        name: 'tokenId',
        in: 'path',
        required: true,
        description: 'The token’s id.',
        schema: { type: 'string', pattern: '^[0-9a-f]{16}$' },
      },
    ],
    responses: { 204: { description: 'Revoked.' } },
  },
  {
    ...common,
    operationId: 'wakeTarget',
    method: 'POST',
    route: 'targets/{id}/wake',
    summary:
      'Wake a machine now (a pool to its wake capacity): 202 with the run; a wake while one is in progress ' +
      'answers the same run.',
    tag: 'Scaling',
    parameters: [targetId],
    responses: {
      202: {
        description: 'Accepted: follow its run.',
        schema: 'WakeAccepted',
        headers: { Location: 'The target’s runs.' },
      },
    },
  },
];

/** A pool's capacity and sessions over a window; listed last in operations.ts (the fuzz test seeds by place). */
export const poolHistoryOperation: ApiOperation = {
  ...common,
  operationId: 'getPoolHistory',
  method: 'GET',
  route: 'targets/{id}/pool/history',
  summary:
    'What a pool had over a window: its capacity, serving instances and sessions at each change the ' +
    'reconciler saw (kept five weeks), led by the point in force at `from`.',
  tag: 'Scaling',
  parameters: [
    targetId,
    {
      name: 'from',
      in: 'query',
      description: 'Start of the window (inclusive). Default: seven days before `to`.',
      schema: { type: 'string', format: 'date-time' },
    },
    {
      name: 'to',
      in: 'query',
      description:
        'End of the window (inclusive). Default: now, or seven days after `from`; at most 31 days after it.',
      schema: { type: 'string', format: 'date-time' },
    },
  ],
  responses: {
    200: { description: 'The points, oldest first.', schema: 'PoolHistory' },
  },
};
