// A span around every function invocation, added to the registry's handlers so Azure, the local host and the
// simulator all trace the same way; queue deliveries also report how long the message waited.

import { SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import type { Clock } from '../clock.js';
import type { FunctionDefinition } from '../functions/registry.js';
import { inSpan, instruments } from './instruments.js';

/** OpenTelemetry's `faas.trigger` values for our trigger types. */
const FAAS_TRIGGER: Record<FunctionDefinition['trigger']['type'], string> = {
  http: 'http',
  timer: 'timer',
  queue: 'pubsub',
  eventGrid: 'pubsub',
};

const SPAN_KIND: Record<FunctionDefinition['trigger']['type'], SpanKind> = {
  http: SpanKind.SERVER,
  timer: SpanKind.INTERNAL,
  queue: SpanKind.CONSUMER,
  eventGrid: SpanKind.CONSUMER,
};

interface InvocationContextLike {
  invocationId?: string;
  triggerMetadata?: Record<string, unknown>;
}

/**
 * The definition with its handler inside a span named after the function (`execute`, `listTargets`, ...).
 * @param definition one function of the registry
 * @param clock the app's clock, for a queue message's age
 */
export function tracedFunction(definition: FunctionDefinition, clock: Clock): FunctionDefinition {
  const handler = definition.handler as (input: unknown, context: InvocationContextLike) => Promise<unknown>;
  const type = definition.trigger.type;
  const traced = (input: unknown, context: InvocationContextLike): Promise<unknown> => {
    const attributes: Attributes = {
      'faas.name': definition.name,
      'faas.trigger': FAAS_TRIGGER[type],
      ...(context.invocationId ? { 'faas.invocation_id': context.invocationId } : {}),
    };
    if (type === 'http') attributes['http.route'] = `/api/${definition.trigger.route}`;
    if (type === 'queue') recordQueueAge(definition.trigger.queueName, context, clock);
    return inSpan(definition.name, { kind: SPAN_KIND[type], attributes }, async (span) => {
      const result = await handler(input, context);
      const status = (result as { status?: unknown } | undefined)?.status;
      if (type === 'http' && typeof status === 'number') {
        span.setAttribute('http.response.status_code', status);
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      }
      return result;
    });
  };
  return { ...definition, handler: traced } as FunctionDefinition;
}

/** Time from the message's insertion (the host's trigger metadata) to this delivery. */
function recordQueueAge(queueName: string, context: InvocationContextLike, clock: Clock): void {
  const inserted = context.triggerMetadata?.insertionTime;
  const insertedAt =
    inserted instanceof Date ? inserted.getTime() : typeof inserted === 'string' ? Date.parse(inserted) : NaN;
  if (!Number.isFinite(insertedAt)) return;
  instruments().queueAge.record(Math.max(0, clock.now() - insertedAt), {
    'messaging.destination.name': queueName,
  });
}
