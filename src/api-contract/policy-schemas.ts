// The shapes of default policies and warnings (docs/policies.md), listed with the rest in schemas.ts.

import { ref, type JsonSchema, type SchemaRegistry } from './schema.js';

const instant: JsonSchema = { type: 'string', format: 'date-time', description: 'A UTC instant.' };
const kinds: JsonSchema = {
  type: 'array',
  items: { type: 'string', enum: ['vm', 'pool', 'computeInstance'] },
  minItems: 1,
  maxItems: 3,
};

export const policySchemas: SchemaRegistry = {
  WarningRequest: {
    type: 'object',
    description: 'Where to post before each scheduled stop, and how long before.',
    properties: {
      webhook: {
        type: 'string',
        format: 'uri',
        maxLength: 2048,
        description: 'An https URL (http only to localhost) that accepts a JSON POST.',
        examples: ['https://contoso.webhook.office.com/webhookb2/…'],
      },
      leadMinutes: { type: 'integer', minimum: 1, maximum: 1440, description: 'Default 15.' },
    },
    required: ['webhook'],
    additionalProperties: false,
  },
  Warning: {
    type: 'object',
    properties: {
      targetId: { type: 'string' },
      webhook: { type: 'string' },
      leadMinutes: { type: 'integer' },
      source: { type: 'string', description: '`target`, or `policy:{name}` when a policy gave it.' },
      updatedAt: instant,
      updatedBy: { type: 'string' },
    },
    required: ['targetId', 'webhook', 'leadMinutes', 'source', 'updatedAt'],
  },
  PolicyRequest: {
    type: 'object',
    description:
      'A default policy. Validated by the schedule engine (schedules) and the policy rules: every problem is ' +
      'named with a pointer.',
    properties: {
      scope: {
        type: 'string',
        maxLength: 1024,
        description: 'A resource-id prefix: a subscription, a resource group, or deeper.',
        examples: ['/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-data'],
      },
      targetKinds: { ...kinds, description: 'Default: all three.' },
      schedules: ref('ScheduleDocument'),
      enforce: { type: 'boolean', description: 'Default false.' },
      warning: ref('WarningRequest'),
    },
    required: ['scope', 'schedules'],
    additionalProperties: false,
  },
  Policy: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      scope: { type: 'string' },
      targetKinds: kinds,
      schedules: ref('ScheduleDocument'),
      enforce: { type: 'boolean' },
      warning: ref('WarningRequest'),
      updatedAt: instant,
      updatedBy: { type: 'string' },
    },
    required: ['name', 'scope', 'targetKinds', 'schedules', 'enforce', 'updatedAt', 'updatedBy'],
  },
  PolicyList: {
    type: 'object',
    properties: { value: { type: 'array', items: ref('Policy') } },
    required: ['value'],
  },
  PolicyApplication: {
    type: 'object',
    properties: {
      targetId: { type: 'string' },
      resourceId: { type: 'string' },
      outcome: {
        type: 'string',
        enum: ['applied', 'has-schedules', 'opted-out', 'no-policy', 'not-found', 'not-schedulable'],
      },
      detail: { type: 'string' },
    },
    required: ['resourceId', 'outcome', 'detail'],
  },
  PolicyApplyReport: {
    type: 'object',
    properties: {
      policy: { type: 'string' },
      examined: { type: 'integer', minimum: 0 },
      applied: { type: 'array', items: ref('PolicyApplication') },
      skipped: { type: 'array', items: ref('PolicyApplication') },
    },
    required: ['policy', 'examined', 'applied', 'skipped'],
  },
  Snoozed: {
    type: 'object',
    properties: {
      targetId: { type: 'string' },
      stop: instant,
      until: { ...instant, description: 'The target stays running until then.' },
    },
    required: ['targetId', 'stop', 'until'],
  },
};
