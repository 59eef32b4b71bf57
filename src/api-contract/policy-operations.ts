// The operations of default policies and of a target's warning before a stop (docs/policies.md), kept
// beside the main table in operations.ts, which lists them with the rest.

import type { ApiOperation, ApiParameter } from './operations.js';
import { targetId } from './parameters.js';

export type PolicyOperationId =
  | 'listPolicies'
  | 'putPolicy'
  | 'getPolicy'
  | 'deletePolicy'
  | 'applyPolicy'
  | 'putWarning'
  | 'getWarning'
  | 'deleteWarning'
  | 'snoozeStop';

const policyName: ApiParameter = {
  name: 'name',
  in: 'path',
  required: true,
  description: 'The policy’s name: 1–63 lowercase letters, digits and "-".',
  schema: { type: 'string', pattern: '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$' },
};

const admins = { tag: 'Policies', authLevel: 'function', requiresPrincipal: true } as const;
const warning = { tag: 'Warnings', authLevel: 'function', requiresPrincipal: true } as const;

export const policyOperations: (ApiOperation & { operationId: PolicyOperationId })[] = [
  {
    ...admins,
    operationId: 'listPolicies',
    method: 'GET',
    route: 'policies',
    summary: 'Admins: every default policy.',
    responses: { 200: { description: 'The policies, by name.', schema: 'PolicyList' } },
  },
  {
    ...admins,
    operationId: 'putPolicy',
    method: 'PUT',
    route: 'policies/{name}',
    summary:
      'Admins: create or replace a default policy: machines of its kinds in its scope without a schedule get ' +
      'its schedule (unless tagged compute-scheduler: off).',
    parameters: [policyName],
    requestBody: { schema: 'PolicyRequest', validatedBy: 'schedule engine' },
    responses: {
      200: { description: 'Replaced.', schema: 'Policy' },
      201: { description: 'Created.', schema: 'Policy', headers: { Location: 'The policy’s URL.' } },
    },
  },
  {
    ...admins,
    operationId: 'getPolicy',
    method: 'GET',
    route: 'policies/{name}',
    summary: 'Admins: read a default policy.',
    parameters: [policyName],
    responses: { 200: { description: 'The policy.', schema: 'Policy' } },
  },
  {
    ...admins,
    operationId: 'deletePolicy',
    method: 'DELETE',
    route: 'policies/{name}',
    summary: 'Admins: delete a default policy (schedules it gave stay with their targets).',
    parameters: [policyName],
    responses: { 204: { description: 'Deleted.' } },
  },
  {
    ...admins,
    operationId: 'applyPolicy',
    method: 'POST',
    route: 'policies/{name}/apply',
    summary:
      'Admins: give the policy to every registered target in its scope and of its kinds that has no schedule; ' +
      'says what became of each.',
    parameters: [policyName],
    responses: { 200: { description: 'What was done.', schema: 'PolicyApplyReport' } },
  },
  {
    ...warning,
    operationId: 'putWarning',
    method: 'PUT',
    route: 'targets/{id}/warning',
    summary:
      'Post a JSON message to a webhook before each scheduled stop of the target, with a link that snoozes it.',
    parameters: [targetId],
    requestBody: { schema: 'WarningRequest', validatedBy: 'schema' },
    responses: { 200: { description: 'Stored.', schema: 'Warning' } },
  },
  {
    ...warning,
    operationId: 'getWarning',
    method: 'GET',
    route: 'targets/{id}/warning',
    summary: 'The target’s warning before a stop.',
    parameters: [targetId],
    responses: { 200: { description: 'The warning.', schema: 'Warning' } },
  },
  {
    ...warning,
    operationId: 'deleteWarning',
    method: 'DELETE',
    route: 'targets/{id}/warning',
    summary: 'Stop warning before the target’s stops.',
    parameters: [targetId],
    responses: { 204: { description: 'Deleted.' } },
  },
  {
    operationId: 'snoozeStop',
    method: 'GET',
    route: 'warnings/snooze',
    summary:
      'The one-click link of a warning: keeps the target running past the stop it warned of, by the hours the ' +
      'link says. Signed; valid until that stop.',
    tag: 'Warnings',
    authLevel: 'anonymous',
    requiresPrincipal: false,
    parameters: [
      {
        name: 'token',
        in: 'query',
        required: true,
        description: 'The signed token from the warning message.',
        schema: { type: 'string', minLength: 1, maxLength: 1024 },
      },
    ],
    responses: { 200: { description: 'Snoozed.', schema: 'Snoozed' } },
  },
];
