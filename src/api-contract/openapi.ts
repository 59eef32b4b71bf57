// Generates openapi.json (OpenAPI 3.1) from the operation table and the schemas that validate requests,
// so the published contract is the enforced one.

import { MAX_PRINCIPAL_ID_LENGTH } from '../auth/principal.js';
import { MAX_BODY_BYTES, MAX_BODY_DEPTH, ROUTE_PREFIX, operations, type ApiOperation } from './operations.js';
import { ref } from './schema.js';
import { schemas } from './schemas.js';

const PROBLEMS: Record<number, string> = {
  400: `The request is invalid (bodies nest at most ${MAX_BODY_DEPTH} levels deep); \`errors\` points at each field.`,
  401: `No authenticated principal, or one whose id is longer than ${MAX_PRINCIPAL_ID_LENGTH} characters.`,
  403: 'The target belongs to someone else.',
  404: 'No such target.',
  405: 'The route does not take this method.',
  413: `The body is larger than ${MAX_BODY_BYTES / 1024} KiB.`,
  415: 'The body is not JSON.',
  500: 'The scheduler failed.',
  503: 'Storage is not answering; try again after Retry-After seconds.',
};

export function openApiDocument(version = '0.1.0'): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    const path = `/${operation.route}`;
    paths[path] = { ...paths[path], [operation.method.toLowerCase()]: describeOperation(operation) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'compute-scheduler',
      version,
      description:
        'Starts and stops Azure VMs, scale-set pools and Azure ML compute instances on a timetable. ' +
        'Schedules use Azure ML’s computeStartStop JSON. Callers are identified by App Service Authentication ' +
        '(x-ms-client-principal); the app role Scheduler.Admin may act on every target.',
    },
    servers: [{ url: ROUTE_PREFIX }],
    security: [{ functionKey: [] }, { functionKeyQuery: [] }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        functionKey: { type: 'apiKey', in: 'header', name: 'x-functions-key' },
        functionKeyQuery: { type: 'apiKey', in: 'query', name: 'code' },
      },
    },
  };
}

function describeOperation(operation: ApiOperation): Record<string, unknown> {
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    tags: [operation.tag],
    ...(operation.authLevel === 'anonymous' ? { security: [] } : {}),
    ...(operation.parameters
      ? {
          parameters: operation.parameters.map((p) => ({
            name: p.name,
            in: p.in,
            required: p.in === 'path' ? true : (p.required ?? false),
            description: p.description,
            schema: p.schema,
          })),
        }
      : {}),
    ...(operation.requestBody
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref(operation.requestBody.schema) } },
          },
        }
      : {}),
    responses: describeResponses(operation),
  };
}

/** The operation's own responses, then a problem document for every error it can answer. */
function describeResponses(operation: ApiOperation): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(operation.responses)) {
    const headers = Object.entries(response.headers ?? {}).map(([name, description]): [string, unknown] => [
      name,
      { description, schema: { type: 'string' } },
    ]);
    const mediaType = response.schema === 'Problem' ? 'application/problem+json' : 'application/json';
    responses[status] = {
      description: response.description,
      ...(response.headers ? { headers: Object.fromEntries(headers) } : {}),
      ...(response.schema ? { content: { [mediaType]: { schema: ref(response.schema) } } } : {}),
    };
  }
  for (const status of problemStatuses(operation)) {
    responses[status] ??= {
      description: PROBLEMS[status],
      ...(status === 503
        ? { headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } } }
        : {}),
      content: { 'application/problem+json': { schema: ref('Problem') } },
    };
  }
  return responses;
}

function problemStatuses(operation: ApiOperation): number[] {
  const statuses = [405, 500];
  if (operation.requiresPrincipal) statuses.push(401);
  if (operation.parameters?.some((p) => p.in !== 'path') || operation.requestBody) statuses.push(400);
  if (operation.route.includes('{id}')) statuses.push(403, 404);
  if (operation.requestBody) statuses.push(413, 415);
  // Everything under targets reads or writes storage; preview and this document do not.
  if (operation.route.startsWith('targets')) statuses.push(503);
  return statuses.sort((a, b) => a - b);
}
