// The operations of scaling by activity: pool and idle policies, activity and its tokens, wakes, and a
// target's settings. operations.ts lists them with the others; `/targets/{id}/connect` is a page, not here.

import type { ApiOperation, ApiParameter } from './operations.js';

export type ScalingOperationId = 'putPool' | 'getPool' | 'deletePool' | 'putIdle' | 'getIdle' | 'deleteIdle';

const targetId: ApiParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The target id returned at registration.',
  schema: { type: 'string', pattern: '^[0-9a-f]{32}$' },
};

const ifMatch: ApiParameter = {
  name: 'If-Match',
  in: 'header',
  description: 'The ETag you read; the change is refused with 412 if the policy changed since.',
  schema: { type: 'string' },
};

const etag = { ETag: 'The policy’s revision; send it back in If-Match to change it safely.' };
const stale = { description: 'If-Match does not match the current ETag.', schema: 'Problem' };

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
        412: stale,
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
        412: stale,
      },
    },
  ];
}

export const scalingOperations: ApiOperation[] = [
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
];
