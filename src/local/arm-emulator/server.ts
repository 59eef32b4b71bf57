// The emulator's HTTPS front door and its control API for tests and the simulator. Each request goes
// through the same gates as in Azure, in order: authentication, injected faults, throttling, then the route.

import { randomUUID } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../../clock.js';
import { ArmError } from './arm-error.js';
import { createServerCertificate } from './certificate.js';
import { callerFromAuthorization, callerFromIdentity, type EmulatorIdentity } from './caller.js';
import {
  EventGridPublisher,
  resourceEvent,
  type EventGridOptions,
  type ResourceEvent,
} from './event-grid.js';
import { FaultInjector, type FaultOptions, type RequestFault } from './faults.js';
import {
  defaultTransitionDurations,
  Fleet,
  resolveDurations,
  shownInstancePower,
  shownVmPower,
  type ComputeInstanceOptions,
  type DurationsOption,
  type FleetAction,
  type OperationStatus,
  type ScaleSetOptions,
  type VirtualMachineOptions,
} from './fleet.js';
import type { ComputeInstanceState, VmPowerState } from './power-states.js';
import { provisioningState } from './representations.js';
import { ArmRoutes, type ArmResponse } from './routes.js';
import { documentedThrottlingLimits, Throttle, type ThrottlingLimits } from './throttling.js';

export interface ArmEmulatorOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1 (the certificate also names localhost and ::1). */
  host?: string;
  /** Drives power-state changes, operations and token buckets. Default: the system clock. */
  clock?: Clock;
  /**
   * Finish due operations on a real timer, so events arrive without anyone asking. Default true with the
   * system clock; with a virtual clock call `settle()` after moving it (every request settles too).
   */
  settleAutomatically?: boolean;
  /** Region of added resources and of operation URLs. Default westeurope. */
  location?: string;
  /** How long changes take; a number sets every duration (0 makes them instant). */
  transitionDurationsInMs?: DurationsOption;
  /** Token-bucket limits, default the documented ones; false turns throttling off. */
  throttling?: ThrottlingLimits | false;
  faults?: FaultOptions;
  eventGrid?: EventGridOptions;
  /** VMs per page of the subscription list before a `nextLink`. Default 50. */
  listPageSize?: number;
  /** Retry-After (seconds) on 202s and in-progress polls. Default none, so clients poll at their own pace. */
  pollRetryAfterInSeconds?: number;
}

export interface RequestLogEntry {
  /** Clock time the request arrived. */
  at: number;
  method: string;
  path: string;
  /** Query string including `?`, or ''. */
  query: string;
  /** 0 when the connection was dropped. */
  status: number;
  /** Real time spent answering. */
  durationInMs: number;
  fault?: RequestFault['kind'];
  /** The bucket that refused a 429, e.g. `VMStartRestartPowerOffPerResource`. */
  throttledBy?: string;
}

export type ResourceState =
  | {
      kind: 'vm';
      id: string;
      powerState: VmPowerState;
      provisioningState: string;
      tags: Record<string, string>;
    }
  | {
      kind: 'pool';
      id: string;
      capacity: number;
      /** Instances by the power state they show, e.g. `{ running: 2, starting: 1 }`. */
      instances: Partial<Record<VmPowerState, number>>;
      provisioningState: string;
      tags: Record<string, string>;
    }
  | { kind: 'computeInstance'; id: string; state: ComputeInstanceState; tags: Record<string, string> };

/** What a person or another tool can do to a resource behind the scheduler's back. */
export type ResourceAction = 'start' | 'stop' | 'deallocate' | 'powerOff' | 'restart' | 'delete' | 'scale';

export interface ArmEmulator {
  /** Base URL, e.g. `https://127.0.0.1:51234`: the SDK clients' `endpoint`. */
  readonly url: string;
  /** The self-signed certificate to trust: `new https.Agent({ ca: certificatePem })`. */
  readonly certificatePem: string;
  /** Every request so far, oldest first. */
  readonly requests: readonly RequestLogEntry[];
  /** Every resource event raised so far, delivered or not. */
  readonly events: readonly ResourceEvent[];
  /** Events whose webhook delivery gave up after every attempt. */
  readonly failedEventDeliveries: number;
  addVirtualMachine(id: string, options?: VirtualMachineOptions): void;
  addScaleSet(id: string, options: ScaleSetOptions): void;
  addComputeInstance(id: string, options?: ComputeInstanceOptions): void;
  /** Removes a resource at once, without an event. */
  removeResource(id: string): boolean;
  stateOf(id: string): ResourceState | undefined;
  /** Acts on a resource as someone else would (the portal, a script); throws ArmError when refused. */
  perform(
    id: string,
    action: ResourceAction,
    options?: { capacity?: number; as?: EmulatorIdentity },
  ): { operationId: string; status: OperationStatus };
  /** Makes the next operation on the resource end Failed, with Azure's usual error unless one is given. */
  failNextOperation(id: string, error?: { code: string; message: string }): void;
  /** Replaces the fault settings (and restarts their random sequence). */
  setFaults(faults: FaultOptions): void;
  setEventGridWebhook(url: string | undefined): void;
  /** Finishes operations that are due by the clock and raises their events. */
  settle(): void;
  /** Waits for event deliveries in flight. */
  flushEvents(): Promise<void>;
  clearRequests(): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export async function startArmEmulator(options: ArmEmulatorOptions = {}): Promise<ArmEmulator> {
  const certificate = await createServerCertificate();
  const emulator = new RunningArmEmulator(options, certificate.certificatePem);
  const server = https.createServer(
    { key: certificate.privateKeyPem, cert: certificate.certificatePem },
    (request, response) => void emulator.handle(request, response),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  emulator.attach(server, `https://${address.includes(':') ? `[${address}]` : address}:${port}`);
  return emulator;
}

class RunningArmEmulator implements ArmEmulator {
  readonly certificatePem: string;
  private server: https.Server | undefined;
  private baseUrl = '';
  private readonly clock: Clock;
  private readonly fleet: Fleet;
  private readonly routes: ArmRoutes;
  private readonly throttle: Throttle | undefined;
  private readonly faults: FaultInjector;
  private readonly publisher: EventGridPublisher;
  private readonly log: RequestLogEntry[] = [];
  private readonly settleAutomatically: boolean;
  private timer: NodeJS.Timeout | undefined;
  private timerAt: number | undefined;

  constructor(options: ArmEmulatorOptions, certificatePem: string) {
    this.certificatePem = certificatePem;
    this.clock = options.clock ?? systemClock;
    this.settleAutomatically = options.settleAutomatically ?? options.clock === undefined;
    this.publisher = new EventGridPublisher(options.eventGrid);
    this.faults = new FaultInjector(options.faults);
    this.throttle =
      options.throttling === false
        ? undefined
        : new Throttle(options.throttling ?? documentedThrottlingLimits);
    this.fleet = new Fleet({
      clock: this.clock,
      location: options.location ?? 'westeurope',
      durations: resolveDurations(defaultTransitionDurations, options.transitionDurationsInMs),
      onFinished: (finished) => this.publisher.publish(resourceEvent(finished)),
    });
    this.routes = new ArmRoutes({
      fleet: this.fleet,
      baseUrl: () => this.baseUrl,
      listPageSize: options.listPageSize ?? 50,
      pollRetryAfterInSeconds: options.pollRetryAfterInSeconds,
      operationFails: (request) =>
        this.faults.operationFails({ method: request.method, path: request.url.pathname }),
    });
  }

  get url(): string {
    return this.baseUrl;
  }

  get requests(): readonly RequestLogEntry[] {
    return this.log;
  }

  get events(): readonly ResourceEvent[] {
    return this.publisher.published;
  }

  get failedEventDeliveries(): number {
    return this.publisher.failedDeliveries;
  }

  attach(server: https.Server, baseUrl: string): void {
    this.server = server;
    this.baseUrl = baseUrl;
  }

  addVirtualMachine(id: string, options?: VirtualMachineOptions): void {
    this.fleet.addVirtualMachine(id, options);
  }

  addScaleSet(id: string, options: ScaleSetOptions): void {
    this.fleet.addScaleSet(id, options);
  }

  addComputeInstance(id: string, options?: ComputeInstanceOptions): void {
    this.fleet.addComputeInstance(id, options);
  }

  removeResource(id: string): boolean {
    return this.fleet.remove(id);
  }

  stateOf(id: string): ResourceState | undefined {
    const resource = this.fleet.find(id);
    if (!resource) return undefined;
    const tags = { ...resource.tags };
    switch (resource.kind) {
      case 'vm':
        return {
          kind: 'vm',
          id: resource.id,
          powerState: shownVmPower(resource),
          provisioningState: provisioningState(resource),
          tags,
        };
      case 'pool': {
        const instances: Partial<Record<VmPowerState, number>> = {};
        for (const instance of resource.instances) {
          const power = shownInstancePower(instance);
          instances[power] = (instances[power] ?? 0) + 1;
        }
        return {
          kind: 'pool',
          id: resource.id,
          capacity: resource.capacity,
          instances,
          provisioningState: provisioningState(resource),
          tags,
        };
      }
      case 'computeInstance':
        return { kind: 'computeInstance', id: resource.id, state: resource.state, tags };
    }
  }

  perform(
    id: string,
    action: ResourceAction,
    options: { capacity?: number; as?: EmulatorIdentity } = {},
  ): { operationId: string; status: OperationStatus } {
    const resource = this.fleet.find(id);
    if (!resource) throw new Error(`arm-emulator: no resource '${id}'`);
    const request = fleetAction(resource.kind, action, options.capacity);
    const op = this.fleet.perform(resource, request, {
      caller: callerFromIdentity(options.as ?? { principalId: 'portal-user', isUser: true }),
      httpMethod: action === 'delete' ? 'DELETE' : action === 'scale' ? 'PATCH' : 'POST',
      url: `${this.baseUrl}${resource.id}`,
      correlationId: randomUUID(),
      injectFailure: false,
    });
    this.fleet.settle();
    this.scheduleSettle();
    return { operationId: op.id, status: op.status };
  }

  failNextOperation(id: string, error?: { code: string; message: string }): void {
    this.fleet.failNextOperation(id, error);
  }

  setFaults(faults: FaultOptions): void {
    this.faults.configure(faults);
  }

  setEventGridWebhook(url: string | undefined): void {
    this.publisher.setWebhookUrl(url);
  }

  settle(): void {
    this.fleet.settle();
    this.scheduleSettle();
  }

  flushEvents(): Promise<void> {
    return this.publisher.flush();
  }

  clearRequests(): void {
    this.log.length = 0;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Keep-alive connections from SDK clients would otherwise hold close() open.
      server.closeAllConnections();
    });
    await this.publisher.flush();
  }

  /** One request, through authentication, faults, throttling and the route, into the request log. */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const method = (request.method ?? 'GET').toUpperCase();
    const url = new URL(request.url ?? '/', this.baseUrl);
    const entry: RequestLogEntry = {
      at: this.clock.now(),
      method,
      path: url.pathname,
      query: url.search,
      status: 0,
      durationInMs: 0,
    };
    const correlationId = headerValue(request, 'x-ms-client-request-id') ?? randomUUID();
    let rateHeaders: Record<string, string> = {};
    try {
      const text = await readBody(request);
      this.fleet.settle();
      const caller = callerFromAuthorization(headerValue(request, 'authorization'));
      if (!caller) {
        throw new ArmError(
          401,
          'AuthenticationFailed',
          "Authentication failed. The 'Authorization' header is missing.",
        );
      }
      for (const fault of this.faults.forRequest({ method, path: url.pathname })) {
        entry.fault = fault.kind;
        if (fault.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, fault.delayInMs));
        if (fault.kind === 'dropConnection') {
          request.socket.destroy();
          return;
        }
        if (fault.kind === 'serverError') {
          throw new ArmError(
            500,
            'InternalServerError',
            'The server encountered an internal error (injected fault).',
          );
        }
        if (fault.kind === 'throttle') {
          throw new ArmError(429, 'TooManyRequests', 'Too many requests (injected fault).', {
            headers: { 'retry-after': String(fault.retryAfterInSeconds) },
          });
        }
      }
      const route = this.routes.resolve(method, url);
      if (this.throttle) {
        const outcome = this.throttle.charge(
          {
            subscriptionId: route.subscriptionId,
            principalId: caller.principalId,
            write: route.write,
            compute: route.compute,
          },
          this.clock.now(),
        );
        rateHeaders = outcome.headers;
        if (!outcome.allowed) {
          entry.throttledBy = outcome.bucket;
          throw throttled(
            outcome.layer,
            outcome.bucket,
            outcome.limit,
            outcome.retryAfterInSeconds,
            route.subscriptionId,
          );
        }
      }
      const body = parseBody(text);
      this.send(
        response,
        route.handle({ method, url, body, caller, correlationId }),
        correlationId,
        rateHeaders,
      );
    } catch (error) {
      const armError =
        error instanceof ArmError
          ? error
          : new ArmError(
              500,
              'InternalServerError',
              `ARM emulator fault: ${error instanceof Error ? error.message : String(error)}`,
            );
      this.send(
        response,
        { status: armError.status, body: armError.toBody(), headers: armError.headers },
        correlationId,
        rateHeaders,
      );
    } finally {
      entry.status = response.headersSent ? response.statusCode : 0;
      entry.durationInMs = performance.now() - startedAt;
      this.log.push(entry);
      this.scheduleSettle();
    }
  }

  private send(
    response: ServerResponse,
    answer: ArmResponse,
    correlationId: string,
    rateHeaders: Record<string, string>,
  ): void {
    const payload = answer.body === undefined ? '' : JSON.stringify(answer.body);
    const headers: Record<string, string> = {
      'x-ms-request-id': randomUUID(),
      'x-ms-correlation-request-id': correlationId,
      'x-ms-client-request-id': correlationId,
      ...rateHeaders,
      ...answer.headers,
      'content-length': String(Buffer.byteLength(payload)),
    };
    if (payload) headers['content-type'] = 'application/json; charset=utf-8';
    response.writeHead(answer.status, headers);
    response.end(payload);
  }

  /** With the system clock, wake up when the next operation is due so its event goes out on time. */
  private scheduleSettle(): void {
    if (!this.settleAutomatically || !this.server) return;
    const next = this.fleet.nextCompletionAt();
    if (next === this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = next;
    if (next === undefined) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = undefined;
        this.settle();
      },
      Math.max(0, next - this.clock.now()),
    );
    this.timer.unref();
  }
}

function fleetAction(
  kind: 'vm' | 'pool' | 'computeInstance',
  action: ResourceAction,
  capacity?: number,
): FleetAction {
  if (action === 'delete') return { kind, action };
  if (
    kind === 'vm' &&
    (action === 'start' || action === 'deallocate' || action === 'powerOff' || action === 'restart')
  ) {
    return { kind, action };
  }
  if (kind === 'pool') {
    if (action === 'scale') return { kind, action: 'update', capacity };
    if (action === 'start' || action === 'deallocate' || action === 'powerOff' || action === 'restart') {
      return { kind, action };
    }
  }
  if (kind === 'computeInstance' && (action === 'start' || action === 'stop' || action === 'restart')) {
    return { kind, action };
  }
  throw new Error(`arm-emulator: a ${kind} cannot '${action}'`);
}

function throttled(
  layer: 'arm' | 'compute',
  bucket: string,
  limit: number,
  retryAfterInSeconds: number,
  subscriptionId: string,
): ArmError {
  const headers = { 'retry-after': String(retryAfterInSeconds) };
  if (layer === 'arm') {
    return new ArmError(
      429,
      'SubscriptionRequestsThrottled',
      `Number of requests for subscription '${subscriptionId}' exceeded the limit of ${limit} (${bucket}). ` +
        `Please try again after '${retryAfterInSeconds}' seconds.`,
      { headers },
    );
  }
  return new ArmError(
    429,
    'OperationNotAllowed',
    'The server rejected the request because too many requests have been received for this subscription.',
    {
      headers,
      details: [
        {
          code: 'TooManyRequests',
          target: bucket,
          message: JSON.stringify({ operationGroup: bucket, allowedRequestCount: limit }),
        },
      ],
    },
  );
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new ArmError(413, 'RequestEntityTooLarge', 'The request body is too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ArmError(400, 'InvalidRequestContent', 'The request content was not valid JSON.');
  }
}
