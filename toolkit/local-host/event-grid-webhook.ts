// The Functions host's Event Grid endpoint, locally: `POST /runtime/webhooks/eventgrid?functionName=NAME`
// hands each delivered event to that Event Grid function, and answers Event Grid's subscription-validation
// handshake and the CloudEvents abuse-protection `OPTIONS` handshake as the host's extension does.

import functions, { type LogHandler } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import type { DefinitionOf } from '../../src/functions/registry.js';

const { InvocationContext } = functions;

export const EVENT_GRID_WEBHOOK_PATH = '/runtime/webhooks/eventgrid';

export interface WebhookRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface WebhookAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** A non-API path the local host serves, beside `/api`. */
export interface Webhook {
  path: string;
  handle(request: WebhookRequest): Promise<WebhookAnswer>;
}

const json = (status: number, body: unknown): WebhookAnswer => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
});

export function eventGridWebhook(functionsList: DefinitionOf<'eventGrid'>[], log: LogHandler): Webhook {
  return {
    path: EVENT_GRID_WEBHOOK_PATH,
    async handle(request) {
      const name = request.url.searchParams.get('functionName') ?? '';
      const definition = functionsList.find((d) => d.name.toLowerCase() === name.toLowerCase());
      if (!definition) return json(404, { error: `no Event Grid function '${name}'` });
      if (request.method === 'OPTIONS') return abuseProtection(request);
      if (request.method !== 'POST') return { status: 405, headers: { allow: 'POST, OPTIONS' } };
      let body: unknown;
      try {
        body = JSON.parse(Buffer.from(request.body).toString('utf8'));
      } catch {
        return json(400, { error: 'the body is not JSON' });
      }
      const items = Array.isArray(body) ? body : [body];
      if (request.headers['aeg-event-type']?.toLowerCase() === 'subscriptionvalidation') {
        return validation(items);
      }
      return deliver(definition, items, log);
    },
  };
}

/** CloudEvents 1.0 webhook spec: the sender asks whether it may deliver; the host says yes to any origin. */
function abuseProtection(request: WebhookRequest): WebhookAnswer {
  const origin = request.headers['webhook-request-origin'];
  if (!origin) return json(400, { error: 'WebHook-Request-Origin is missing' });
  return {
    status: 200,
    headers: { 'webhook-allowed-origin': origin, 'webhook-allowed-rate': '*', allow: 'POST' },
  };
}

/** Event Grid schema: echo `data.validationCode` back as `validationResponse`. */
function validation(items: unknown[]): WebhookAnswer {
  const first = items[0] as { data?: { validationCode?: unknown } } | undefined;
  const code = first?.data?.validationCode;
  if (typeof code !== 'string') return json(400, { error: 'no data.validationCode' });
  return json(200, { validationResponse: code });
}

/** Each event to the function in turn, as the host invokes it once per event; a failure asks for a retry. */
async function deliver(
  definition: DefinitionOf<'eventGrid'>,
  items: unknown[],
  log: LogHandler,
): Promise<WebhookAnswer> {
  for (const item of items) {
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName: definition.name,
      logHandler: log,
    });
    try {
      await definition.handler(item as Parameters<typeof definition.handler>[0], context);
    } catch (error) {
      log('error', `${definition.name} failed; Event Grid will deliver again:`, error);
      return json(500, { error: 'the function failed; deliver again later' });
    }
  }
  return { status: 202 };
}
