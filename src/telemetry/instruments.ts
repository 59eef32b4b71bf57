// What the scheduler reports about itself, through the OpenTelemetry API only: spans, metrics and log records go
// wherever the process registered an SDK (Application Insights in Azure, the console locally) and nowhere when
// none is registered (tests, the simulator), at almost no cost. Names are listed in docs/telemetry.md.

import {
  context,
  createContextKey,
  metrics,
  SpanStatusCode,
  trace,
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type Span,
  type SpanOptions,
} from '@opentelemetry/api';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';

/** The instrumentation scope every span, metric and log record of the app is reported under. */
export const TELEMETRY_SCOPE = 'compute-scheduler';

/** Attribute names, in one place so queries and code agree (docs/telemetry.md). */
export const ATTRIBUTES = {
  targetId: 'scheduler.target.id',
  targetKind: 'scheduler.target.kind',
  action: 'scheduler.action',
  occurrence: 'scheduler.occurrence',
  outcome: 'scheduler.outcome',
  error: 'scheduler.error',
  throttled: 'scheduler.arm.throttled_responses',
  retryInMs: 'scheduler.retry_in_ms',
} as const;

/** The app's metrics: what each counts or measures, and its unit (docs/telemetry.md). */
const METRICS = {
  actions: {
    type: 'counter',
    name: 'scheduler.actions',
    description: 'Actions the executor settled, by action, target kind and outcome',
    unit: '{action}',
  },
  delay: {
    type: 'histogram',
    name: 'scheduler.action.delay',
    description: 'From the instant an action was due to the ARM call that carried it out',
    unit: 'ms',
  },
  queueAge: {
    type: 'histogram',
    name: 'scheduler.queue.age',
    description: 'How long an action message waited in the queue before this delivery',
    unit: 'ms',
  },
  throttled: {
    type: 'counter',
    name: 'scheduler.arm.throttled',
    description: 'ARM answers 429 Too Many Requests',
    unit: '{response}',
  },
} as const;

type Instruments = {
  [K in keyof typeof METRICS]: (typeof METRICS)[K]['type'] extends 'counter' ? Counter : Histogram;
};

const instrumentsByMeter = new WeakMap<Meter, Instruments>();

function createInstruments(meter: Meter): Instruments {
  const created = Object.entries(METRICS).map(([key, { type, name, description, unit }]) => [
    key,
    type === 'counter'
      ? meter.createCounter(name, { description, unit })
      : meter.createHistogram(name, { description, unit }),
  ]);
  // Each key's instrument is of the type its row names, which a map over entries cannot tell the compiler.
  return Object.fromEntries(created) as Instruments;
}

/** The app's instruments on the meter registered now (an SDK may be registered after this module loads). */
export function instruments(): Instruments {
  const meter = metrics.getMeter(TELEMETRY_SCOPE);
  let found = instrumentsByMeter.get(meter);
  if (!found) {
    found = createInstruments(meter);
    instrumentsByMeter.set(meter, found);
  }
  return found;
}

/**
 * Runs `work` inside a new active span that ends with it: an error marks the span and is rethrown.
 * @param name the span's name
 * @param options kind and first attributes
 * @param work gets the span, to add what it learns
 */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return trace.getTracer(TELEMETRY_SCOPE).startActiveSpan(name, options, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : undefined,
      });
      span.setAttribute(ATTRIBUTES.error, errorName(error));
      throw error;
    } finally {
      span.end();
    }
  });
}

/** What an action in progress is about, for the ARM calls made on its behalf. */
export interface ActionInProgress {
  occurrence: string;
  /** 429s met so far, counted by the ARM pipeline. */
  throttledResponses: number;
}

const ACTION_KEY = createContextKey('compute-scheduler.action');

/** Runs `work` with `action` as what the ARM calls inside it are made for. */
export function withAction<T>(action: ActionInProgress, work: () => Promise<T>): Promise<T> {
  return context.with(context.active().setValue(ACTION_KEY, action), work);
}

/** The action the current ARM call is made for, if any. */
export function currentAction(): ActionInProgress | undefined {
  return context.active().getValue(ACTION_KEY) as ActionInProgress | undefined;
}

/** A structured log record: `body` for people, `attributes` for queries. */
export function logRecord(severity: 'info' | 'warn' | 'error', body: string, attributes: Attributes): void {
  const severityNumber =
    severity === 'error'
      ? SeverityNumber.ERROR
      : severity === 'warn'
        ? SeverityNumber.WARN
        : SeverityNumber.INFO;
  logs.getLogger(TELEMETRY_SCOPE).emit({
    severityNumber,
    severityText: severity.toUpperCase(),
    body,
    attributes,
    context: context.active(),
  });
}

/** An error's class name and code, the way run rows and queries name it: `ThrottledError/TooManyRequests`. */
export function errorName(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code !== '' ? `${error.name}/${code}` : error.name;
}
