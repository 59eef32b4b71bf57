// Spans for the ARM side of an action: one for each gateway call (what was asked of which target, for which
// occurrence, and how it ended) and, beneath it, one for each HTTP request the SDK sends, where 429s are counted.
// The gateway is wrapped rather than edited, so every method that takes a target is traced, present or future.

import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { SpanKind, SpanStatusCode, context, createContextKey } from '@opentelemetry/api';
import type { Clock } from '../clock.js';
import { ATTRIBUTES, currentAction, inSpan, instruments } from './instruments.js';

/** 429s met by one gateway call, counted by the pipeline policy below. */
interface ArmCall {
  throttledResponses: number;
}

const ARM_CALL_KEY = createContextKey('compute-scheduler.arm-call');

interface TargetLike {
  resourceId: string;
  kind: string;
}

function isTarget(value: unknown): value is TargetLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as TargetLike).resourceId === 'string' &&
    typeof (value as TargetLike).kind === 'string'
  );
}

/**
 * The gateway with a span around each call that names a target (`readState`, `act`, ...): its attributes say the
 * target, the action, the occurrence it is for, the outcome and the 429s met; `act` also records how late the
 * call is against the occurrence (`scheduler.action.delay`).
 * @param gateway any object whose methods take the target first and return promises
 * @param clock the app's clock, for the delay
 */
export function tracedGateway<G extends object>(gateway: G, clock: Clock): G {
  return new Proxy(gateway, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        const [machine, action] = args;
        if (!isTarget(machine)) return method.apply(target, args);
        return traceCall(property, machine, typeof action === 'string' ? action : undefined, clock, () =>
          Promise.resolve(method.apply(target, args)),
        );
      };
    },
  });
}

function traceCall(
  method: string,
  machine: TargetLike,
  action: string | undefined,
  clock: Clock,
  call: () => Promise<unknown>,
): Promise<unknown> {
  const forAction = currentAction();
  const attributes = {
    [ATTRIBUTES.targetId]: machine.resourceId,
    [ATTRIBUTES.targetKind]: machine.kind,
    ...(action ? { [ATTRIBUTES.action]: action } : {}),
    ...(forAction ? { [ATTRIBUTES.occurrence]: forAction.occurrence } : {}),
  };
  if (method === 'act' && forAction) {
    const delay = clock.now() - Date.parse(forAction.occurrence);
    instruments().delay.record(Math.max(0, delay), {
      [ATTRIBUTES.action]: action ?? method,
      [ATTRIBUTES.targetKind]: machine.kind,
    });
  }
  const record: ArmCall = { throttledResponses: 0 };
  const name = `ARM ${action ?? method} ${machine.kind}`;
  return inSpan(name, { kind: SpanKind.INTERNAL, attributes }, (span) =>
    context
      .with(context.active().setValue(ARM_CALL_KEY, record), call)
      .then((result) => {
        const outcome = (result as { outcome?: unknown } | undefined)?.outcome;
        span.setAttribute(ATTRIBUTES.outcome, typeof outcome === 'string' ? outcome : 'read');
        return result;
      })
      .finally(() => {
        span.setAttribute(ATTRIBUTES.throttled, record.throttledResponses);
        if (forAction) forAction.throttledResponses += record.throttledResponses;
      }),
  );
}

/** `…/virtualMachines/vm1/start` → `virtualMachines/start`: the request's shape without names or ids. */
export function armOperationName(path: string): string {
  const segments = path.split('/').filter(Boolean);
  const providers = segments.map((s) => s.toLowerCase()).lastIndexOf('providers');
  if (providers < 0) return path;
  const rest = segments.slice(providers + 2);
  return rest.filter((_, index) => index % 2 === 0).join('/');
}

/**
 * A pipeline policy for the ARM clients: a CLIENT span per HTTP request (every attempt, so it sits after the
 * retry policy), with its status; a 429 is counted (`scheduler.arm.throttled`) and noted with its Retry-After.
 */
export function armTelemetryPolicy(): PipelinePolicy {
  return {
    name: 'computeSchedulerTelemetryPolicy',
    sendRequest(request, next) {
      const url = new URL(request.url);
      const operation = armOperationName(url.pathname);
      const attributes = {
        'http.request.method': request.method,
        'server.address': url.hostname,
        'url.path': url.pathname,
      };
      return inSpan(`${request.method} ${operation}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
        const response = await next(request);
        span.setAttribute('http.response.status_code', response.status);
        if (response.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
        if (response.status === 429) {
          const retryAfter = response.headers.get('retry-after') ?? '';
          span.addEvent('throttled', { 'http.response.header.retry-after': retryAfter });
          instruments().throttled.add(1, {
            'http.request.method': request.method,
            'arm.operation': operation,
          });
          const call = context.active().getValue(ARM_CALL_KEY) as ArmCall | undefined;
          if (call) call.throttledResponses++;
        }
        return response;
      });
    },
  };
}
