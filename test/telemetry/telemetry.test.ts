// Telemetry through real function invocations, collected by the OpenTelemetry SDK's own in-memory exporters: a
// person asks for a start over HTTP, the executor takes the message from the real queue on Azurite and starts
// the VM through the real SDK clients on the ARM emulator, which throttles the first attempt. Spans, metrics and
// log records must tell that story with the target, the occurrence, the outcome and the 429.

import https from 'node:https';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { context, metrics, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmComputeGateway } from '../../src/compute/arm-gateway.js';
import { createDependencies } from '../../src/functions/dependencies.js';
import { createFunctionRegistry, hasTrigger, type DefinitionOf } from '../../src/functions/registry.js';
import { spanLine } from '../../src/telemetry/console.js';
import { emulatorCredential, startArmEmulator, type ArmEmulator } from '../../toolkit/arm-emulator/index.js';
import { QueuePoller } from '../../toolkit/local-host/queue-poller.js';
import { testApi, vmId } from '../support/api.js';

/** A reader the test collects from when it wants, as the SDK's periodic reader would each minute. */
class OnDemandReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const spans = new InMemorySpanExporter();
const logRecords = new InMemoryLogRecordExporter();
const reader = new OnDemandReader({
  aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE,
});
let tracerProvider: NodeTracerProvider;
let meterProvider: MeterProvider;
let loggerProvider: LoggerProvider;
let emulator: ArmEmulator;

beforeAll(async () => {
  tracerProvider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  tracerProvider.register();
  meterProvider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);
  loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor(logRecords)] });
  logs.setGlobalLoggerProvider(loggerProvider);
  emulator = await startArmEmulator({ transitionDurationsInMs: 0 });
});
afterAll(async () => {
  await emulator.close();
  await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
  // The API keeps providers on globalThis: leave none behind for whatever runs next in this worker.
  trace.disable();
  context.disable();
  metrics.disable();
  logs.disable();
  // Unused, but proves the exporter type the docs name exists in this SDK version.
  expect(new InMemoryMetricExporter(AggregationTemporality.DELTA)).toBeDefined();
});

async function metricPoints(name: string): Promise<DataPoint<unknown>[]> {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === name)
    .flatMap((metric) => metric.dataPoints as DataPoint<unknown>[]);
}

const named = (name: string) => spans.getFinishedSpans().filter((s) => s.name === name);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('telemetry of a manual start, end to end', () => {
  let resourceId: string;
  let occurrence: string;

  beforeAll(async () => {
    const api = await testApi();
    resourceId = vmId('vm-telemetry');
    emulator.addVirtualMachine(resourceId, { powerState: 'deallocated' });
    const created = await api.call('POST', '/api/targets', { body: { resourceId } });
    expect(created.status).toBe(201);
    const id = (created.json as { id: string }).id;
    const accepted = await api.call('POST', `/api/targets/${id}/actions/start`);
    expect(accepted.status).toBe(202);
    // The run's instant (runId): the request's, made unique among the target's runs.
    occurrence = new Date(Number((accepted.json as { runId: string }).runId)).toISOString();

    // Azure throttles the first attempt to start, with a Retry-After short enough to wait out in the call.
    let posts = 0;
    emulator.setFaults({
      throttleRate: 1,
      throttleRetryAfterInSeconds: 0,
      appliesTo: (request) => request.method === 'POST' && posts++ === 0,
    });
    const gateway = new ArmComputeGateway({
      endpoint: emulator.url,
      credential: emulatorCredential({ principalId: 'compute-scheduler' }),
      agent: new https.Agent({ ca: emulator.certificatePem }),
      pollIntervalInMs: 1,
      retryDelayInMs: 1,
    });
    const deps = createDependencies(api.config, { clock: api.clock, store: api.store, gateway });
    const execute = createFunctionRegistry(deps).find(
      (d): d is DefinitionOf<'queue'> => hasTrigger(d, 'queue') && d.name === 'execute',
    );
    if (!execute) throw new Error('no execute function');
    // The executor runs 90 seconds after the occurrence: the due-to-call delay.
    api.clock.set(Date.parse(occurrence) + 90_000);
    const poller = new QueuePoller({
      service: api.clients.queueService,
      definition: execute,
      log: () => undefined,
    });
    while ((await poller.pollOnce()) > 0);
    emulator.setFaults({});
  });

  it('gives the HTTP request a server span with its status', () => {
    const [request] = named('requestAction');
    expect(request).toBeDefined();
    expect(request?.kind).toBe(SpanKind.SERVER);
    expect(request?.attributes).toMatchObject({
      'faas.trigger': 'http',
      'http.route': expect.stringContaining('/api/targets/') as string,
      'http.response.status_code': 202,
    });
  });

  it('gives the queue delivery a span with the target, the occurrence and the outcome', () => {
    const [delivery] = named('execute');
    expect(delivery?.kind).toBe(SpanKind.CONSUMER);
    expect(delivery?.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(delivery?.attributes).toMatchObject({
      'faas.name': 'execute',
      'faas.trigger': 'pubsub',
      'scheduler.target.id': resourceId,
      'scheduler.target.kind': 'vm',
      'scheduler.action': 'start',
      'scheduler.occurrence': occurrence,
      'scheduler.outcome': 'accepted',
    });
  });

  it('gives the ARM call a span inside the delivery, with the occurrence, the outcome and the 429', () => {
    const [delivery] = named('execute');
    const [call] = named('ARM start vm');
    expect(parentOf(call!)).toBe(delivery?.spanContext().spanId);
    expect(call?.attributes).toMatchObject({
      'scheduler.target.id': resourceId,
      'scheduler.occurrence': occurrence,
      'scheduler.outcome': 'accepted',
      'scheduler.arm.throttled_responses': 1,
    });
    // Each HTTP attempt is a client span beneath it: the throttled one, then the one Azure accepted.
    const attempts = named('POST virtualMachines/start').filter(
      (s) => parentOf(s) === call?.spanContext().spanId,
    );
    expect(attempts.map((s) => s.attributes['http.response.status_code'])).toEqual([429, 202]);
    expect(attempts.every((s) => s.kind === SpanKind.CLIENT)).toBe(true);
    expect(attempts[0]?.events.map((e) => e.name)).toEqual(['throttled']);
  });

  it('counts the action by outcome, its delay, the queue wait and the 429', async () => {
    const actions = await metricPoints('scheduler.actions');
    expect(actions).toEqual([
      expect.objectContaining({
        attributes: {
          'scheduler.action': 'start',
          'scheduler.target.kind': 'vm',
          'scheduler.outcome': 'accepted',
        },
        value: 1,
      }),
    ]);
    const [delay] = await metricPoints('scheduler.action.delay');
    expect((delay?.value as Histogram).count).toBe(1);
    expect((delay?.value as Histogram).sum).toBe(90_000);
    const [age] = await metricPoints('scheduler.queue.age');
    expect((age?.value as Histogram).count).toBe(1);
    const [throttled] = await metricPoints('scheduler.arm.throttled');
    expect(throttled?.value).toBe(1);
  });

  it('logs the settled action as a structured record', () => {
    const records = logRecords.getFinishedLogRecords();
    expect(records).toHaveLength(1);
    expect(records[0]?.severityText).toBe('INFO');
    expect(records[0]?.body).toBe(`Start ${resourceId} @ ${occurrence}: accepted`);
    expect(records[0]?.attributes).toMatchObject({
      'scheduler.target.id': resourceId,
      'scheduler.occurrence': occurrence,
      'scheduler.outcome': 'accepted',
      'scheduler.operation': 'start',
    });
    // Correlated with the delivery's span, as Application Insights shows them together.
    expect(records[0]?.spanContext?.spanId).toBe(named('execute')[0]?.spanContext().spanId);
  });

  it('prints the ARM call as one quiet console line, and leaves the rest out unless verbose', () => {
    const [call] = named('ARM start vm');
    expect(spanLine(call!, false)).toMatch(/^ {2}ARM start vm vm-telemetry: accepted in \d+ ms \(1× 429\)$/);
    expect(spanLine(named('execute')[0]!, false)).toBeUndefined();
    // Reading a machine's state changes nothing: not worth a line unless verbose.
    expect(named('ARM readState vm').map((s) => spanLine(s, false))).toEqual([undefined]);
    expect(spanLine(named('execute')[0]!, true)).toMatch(/^ {2}execute vm-telemetry: accepted in \d+ ms$/);
  });
});
