// Telemetry on a developer's console, in the same words as in Application Insights but one short line each: by
// default only the ARM calls that change a machine (what was asked of which one, how it ended) and failures, so
// `npm start` stays readable; `verbose` adds every span, the log records and a metrics summary a minute.

import { context, metrics, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  LoggerProvider,
  SimpleLogRecordProcessor,
  type LogRecordExporter,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTRIBUTES } from './instruments.js';
import type { RunningTelemetry } from './setup.js';

export interface ConsoleTelemetryOptions {
  /** Every span, the log records and a metrics summary, not only ARM calls and failures. @default false */
  verbose?: boolean;
  /** Where lines go. @default console.log */
  write?: (line: string) => void;
}

/** One line for a span, or undefined when the quiet mode leaves it out. */
export function spanLine(span: ReadableSpan, verbose: boolean): string | undefined {
  const failed = span.status.code === SpanStatusCode.ERROR;
  const attributes = span.attributes;
  const ms = Math.round(span.duration[0] * 1000 + span.duration[1] / 1e6);
  const target = attributes[ATTRIBUTES.targetId];
  // Quiet: the calls that change a machine, and whatever failed (once, not again for each HTTP attempt).
  const changesMachine = span.name.startsWith('ARM ') && attributes[ATTRIBUTES.action] !== undefined;
  if (!verbose && !changesMachine && !(failed && span.kind !== SpanKind.CLIENT)) return undefined;
  const name = typeof target === 'string' ? `${span.name} ${target.split('/').pop() ?? ''}` : span.name;
  const outcome = failed
    ? `failed: ${String(attributes[ATTRIBUTES.error] ?? span.status.message ?? 'error')}`
    : String(attributes[ATTRIBUTES.outcome] ?? attributes['http.response.status_code'] ?? 'ok');
  const throttled = Number(attributes[ATTRIBUTES.throttled] ?? 0);
  return `  ${name}: ${outcome} in ${ms} ms${throttled > 0 ? ` (${throttled}× 429)` : ''}`;
}

class LineSpanExporter implements SpanExporter {
  constructor(
    private readonly write: (line: string) => void,
    private readonly verbose: boolean,
  ) {}
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) {
      const line = spanLine(span, this.verbose);
      if (line) this.write(line);
    }
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

class LineLogExporter implements LogRecordExporter {
  constructor(private readonly write: (line: string) => void) {}
  export(records: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    for (const record of records) {
      const body = typeof record.body === 'string' ? record.body : JSON.stringify(record.body);
      this.write(`  [${record.severityText ?? 'INFO'}] ${body}`);
    }
    done({ code: ExportResultCode.SUCCESS });
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** A one-line summary of the counters and histograms collected in the last minute. */
class LineMetricExporter implements PushMetricExporter {
  constructor(private readonly write: (line: string) => void) {}
  export(resourceMetrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    const parts: string[] = [];
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        for (const point of metric.dataPoints) {
          const labels = Object.values(point.attributes).join(' ');
          const value = point.value as number | { count: number; sum?: number };
          const shown =
            typeof value === 'number'
              ? String(value)
              : `${value.count}× avg ${Math.round((value.sum ?? 0) / Math.max(1, value.count))}`;
          parts.push(`${metric.descriptor.name}${labels ? `{${labels}}` : ''}=${shown}`);
        }
      }
    }
    if (parts.length > 0) this.write(`  metrics: ${parts.join(', ')}`);
    done({ code: ExportResultCode.SUCCESS });
  }
  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.DELTA;
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Registers OpenTelemetry SDK providers that print to the console.
 * @param options quiet (default) or verbose, and where lines go
 * @returns what to shut down on exit
 */
export function startConsoleTelemetry(options: ConsoleTelemetryOptions = {}): RunningTelemetry {
  const write = options.write ?? ((line: string) => console.log(line));
  const verbose = options.verbose ?? false;
  const tracerProvider = new NodeTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new LineSpanExporter(write, verbose))],
  });
  tracerProvider.register();
  const providers: { shutdown(): Promise<void> }[] = [tracerProvider];
  if (verbose) {
    const loggerProvider = new LoggerProvider({
      processors: [new SimpleLogRecordProcessor(new LineLogExporter(write))],
    });
    logs.setGlobalLoggerProvider(loggerProvider);
    const meterProvider = new MeterProvider({
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new LineMetricExporter(write),
          exportIntervalMillis: 60_000,
        }),
      ],
    });
    metrics.setGlobalMeterProvider(meterProvider);
    providers.push(loggerProvider, meterProvider);
  }
  return {
    destination: 'console',
    async shutdown() {
      await Promise.all(providers.map((p) => p.shutdown()));
      trace.disable();
      context.disable();
      if (verbose) {
        logs.disable();
        metrics.disable();
      }
    },
  };
}
