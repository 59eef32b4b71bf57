// The shapes of scaling by activity: pool and idle policies, activity reports, activity tokens and wakes.
// Published under `components.schemas` with the others (schemas.ts spreads them in).

import { ref, type JsonSchema, type SchemaRegistry } from './schema.js';

const instant: JsonSchema = {
  type: 'string',
  format: 'date-time',
  description: 'A UTC instant, YYYY-MM-DDTHH:MM:SSZ.',
  examples: ['2026-11-26T16:00:00Z'],
};

/** How many instances a pool policy may name; Azure allows 1,000 per scale set. */
export const MAX_POOL_CAPACITY = 1000;

const idleRuleProperties: Record<string, JsonSchema> = {
  idleMinutes: {
    type: 'integer',
    minimum: 1,
    maximum: 1440,
    description: 'A machine with no session for this many minutes is idle.',
  },
  activity: {
    type: 'string',
    enum: ['sessions', 'cpu'],
    description:
      'How activity is judged: `sessions` reported to POST /targets/{id}/activity, or Azure Monitor’s ' +
      '`Percentage CPU` (VMs and pools only). Default: sessions.',
  },
  cpuThresholdPercent: {
    type: 'number',
    minimum: 0,
    maximum: 100,
    description:
      'With `activity: "cpu"`: below this average CPU over a minute counts as no session. Default: 5.',
  },
};

const capacity = (description: string, minimum = 0): JsonSchema => ({
  type: 'integer',
  minimum,
  maximum: MAX_POOL_CAPACITY,
  description,
});

const poolPolicyProperties: Record<string, JsonSchema> = {
  minCapacity: capacity(
    'The floor after a Stop of the pool’s schedule, or with no schedule (0: scale to zero).',
  ),
  wakeCapacity: capacity('The floor inside a Start window, and after a wake. At least minCapacity.', 1),
  maxCapacity: capacity('Never more instances than this. At least wakeCapacity.', 1),
  sessionsPerInstance: {
    type: 'integer',
    minimum: 1,
    maximum: 1000,
    description: 'Sessions one instance serves: demand is ceil(sessions / sessionsPerInstance). Default: 1.',
  },
  ...idleRuleProperties,
};

const policyMeta: Record<string, JsonSchema> = {
  targetId: { type: 'string' },
  updatedAt: instant,
  updatedBy: { type: 'string' },
};

const tokenProperties: Record<string, JsonSchema> = {
  tokenId: { type: 'string', pattern: '^[0-9a-f]{16}$' },
  targetId: { type: 'string' },
  createdAt: instant,
  createdBy: { type: 'string' },
  expiresAt: { ...instant, description: 'Absent: valid until revoked.' },
};

/** Where `/targets/{id}/connect` sends people; also accepted at registration. */
export const connectUrl: JsonSchema = {
  type: 'string',
  maxLength: 2048,
  description:
    'Where GET /targets/{id}/connect sends people once the machine runs, e.g. the JupyterHub on port 8000: ' +
    'an absolute http(s) URL, or "" (on PATCH) to remove it.',
  examples: ['https://pool-ds.contoso.com:8000/'],
};

export const scalingSchemas: SchemaRegistry = {
  PoolPolicy: {
    type: 'object',
    description:
      'How a pool (scale set) scales with its sessions. 0 ≤ minCapacity ≤ wakeCapacity ≤ maxCapacity ≤ 1000.',
    properties: poolPolicyProperties,
    required: ['minCapacity', 'wakeCapacity', 'maxCapacity', 'idleMinutes'],
    additionalProperties: false,
    examples: [
      {
        minCapacity: 0,
        wakeCapacity: 1,
        maxCapacity: 4,
        sessionsPerInstance: 4,
        idleMinutes: 30,
        activity: 'sessions',
        cpuThresholdPercent: 5,
      },
    ],
  },
  PoolPolicyView: {
    type: 'object',
    description: 'A pool policy as stored, with every default filled in.',
    properties: { ...poolPolicyProperties, ...policyMeta },
    required: [
      'targetId',
      'minCapacity',
      'wakeCapacity',
      'maxCapacity',
      'sessionsPerInstance',
      'idleMinutes',
      'activity',
      'cpuThresholdPercent',
      'updatedAt',
    ],
  },
  IdlePolicy: {
    type: 'object',
    description: 'Stop a single VM or compute instance after this many idle minutes.',
    properties: idleRuleProperties,
    required: ['idleMinutes'],
    additionalProperties: false,
    examples: [{ idleMinutes: 30, activity: 'sessions' }],
  },
  IdlePolicyView: {
    type: 'object',
    properties: { ...idleRuleProperties, ...policyMeta },
    required: ['targetId', 'idleMinutes', 'activity', 'cpuThresholdPercent', 'updatedAt'],
  },
  ActivityReport: {
    type: 'object',
    description:
      'Sessions now: per instance for a pool (`instances`, and `waiting` for sessions that found no place), ' +
      'or `sessions` for a single VM or compute instance.',
    properties: {
      instances: {
        type: 'array',
        maxItems: MAX_POOL_CAPACITY,
        items: {
          type: 'object',
          properties: {
            instanceId: {
              type: 'string',
              pattern: '^[A-Za-z0-9_.-]{1,80}$',
              description: 'The scale set’s instance id, e.g. "3".',
            },
            sessions: { type: 'integer', minimum: 0, maximum: 100000 },
          },
          required: ['instanceId', 'sessions'],
          additionalProperties: false,
        },
      },
      waiting: { type: 'integer', minimum: 0, maximum: 100000 },
      sessions: { type: 'integer', minimum: 0, maximum: 100000 },
    },
    additionalProperties: false,
    examples: [{ instances: [{ instanceId: '3', sessions: 2 }], waiting: 0 }, { sessions: 1 }],
  },
  ActivityTokenRequest: {
    type: 'object',
    description: 'Send `{}` for a token that lasts until revoked.',
    properties: { expiresAt: { ...instant, description: 'When the token stops working (in the future).' } },
    additionalProperties: false,
  },
  ActivityToken: {
    type: 'object',
    description: 'An activity token as listed: never the secret.',
    properties: tokenProperties,
    required: ['tokenId', 'targetId', 'createdAt', 'createdBy'],
  },
  ActivityTokenCreated: {
    type: 'object',
    properties: {
      ...tokenProperties,
      token: {
        type: 'string',
        description:
          'Shown this once and stored only as a hash: send it as `Authorization: Bearer <token>` to ' +
          'POST /targets/{id}/activity. It allows nothing else.',
      },
    },
    required: ['tokenId', 'targetId', 'createdAt', 'createdBy', 'token'],
  },
  ActivityTokenList: {
    type: 'object',
    properties: { value: { type: 'array', items: ref('ActivityToken') } },
    required: ['value'],
  },
  WakeAccepted: {
    type: 'object',
    properties: {
      targetId: { type: 'string' },
      runId: {
        type: 'string',
        description: 'The wake’s run; a wake while one is in progress gets the same.',
      },
      occurrence: instant,
      outcome: { type: 'string', enum: ['pending'] },
      links: {
        type: 'object',
        properties: { runs: { type: 'string' }, connect: { type: 'string' } },
      },
    },
    required: ['targetId', 'runId', 'occurrence', 'outcome'],
  },
  PoolPoint: {
    type: 'object',
    properties: {
      at: { ...instant, description: 'When the reconciler read this; it holds until the next point.' },
      capacity: { type: 'integer', minimum: 0, description: 'The scale set’s capacity.' },
      serving: { type: 'integer', minimum: 0, description: 'Instances running or starting.' },
      sessions: { type: 'integer', minimum: 0, description: 'Sessions on the instances and waiting.' },
    },
    required: ['at', 'capacity', 'serving', 'sessions'],
  },
  PoolHistory: {
    type: 'object',
    properties: {
      targetId: { type: 'string' },
      from: instant,
      to: instant,
      points: {
        type: 'array',
        items: ref('PoolPoint'),
        description:
          'Oldest first. The first may be before `from`: the point in force then. Recorded only on change.',
      },
    },
    required: ['targetId', 'from', 'to', 'points'],
  },
  TargetUpdate: {
    type: 'object',
    description: 'Changes a target’s settings; fields left out stay as they are.',
    properties: {
      connectUrl,
    },
    additionalProperties: false,
  },
};
