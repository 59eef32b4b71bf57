// The emulator's HTTPS front door and its control API for tests and the simulator. Each request passes
// the same gates as in Azure, in order (see `gatesInOrder`), then the route answers it.

import { randomUUID } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../../src/clock.js';
import { createServerCertificate } from './certificate.js';
import { callerFromIdentity, type EmulatorIdentity } from './caller.js';
import { fleetAction, resourceState, type ResourceAction, type ResourceState } from './control.js';
import {
  EventGridPublisher,
  resourceEvent,
  type EventGridOptions,
  type ResourceEvent,
} from './event-grid.js';
import { FaultInjector, type FaultOptions } from './faults.js';
import type { ComputeInstanceOptions } from './fleet/compute-instances.js';
import { defaultTransitionDurations, resolveDurations, type DurationsOption } from './fleet/durations.js';
import { Fleet } from './fleet/fleet.js';
import type { DemandStep, WorkloadReport } from './fleet/workload.js';
import { answerJupyterHub, jupyterHubPath, JUPYTERHUB_PREFIX } from './jupyterhub.js';
import type { OperationStatus } from './fleet/operations.js';
import type { ScaleSetOptions } from './fleet/scale-sets.js';
import type { VirtualMachineOptions } from './fleet/virtual-machines.js';
import { answer } from './gates/answer.js';
import { answerErrors } from './gates/answer-errors.js';
import { authenticate } from './gates/authenticate.js';
import { chain, headerValue, type Exchange, type Gate, type GateNotes, type Next } from './gates/gate.js';
import { injectFaults } from './gates/inject-faults.js';
import { readBody } from './gates/read-body.js';
import { route } from './gates/route.js';
import { settleFirst } from './gates/settle.js';
import { throttle } from './gates/throttle.js';
import { RoleAssignments, type PermissionOptions, type RoleAssignment } from './role-assignments.js';
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
  /** Role assignments behind the permissions API; by default every caller may do everything. */
  permissions?: PermissionOptions;
}

export interface RequestLogEntry extends GateNotes {
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
}

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
  /** Creates a VM as someone would in the portal: it appears and its ResourceWriteSuccess event goes out. */
  createVirtualMachine(id: string, options?: VirtualMachineOptions & { as?: EmulatorIdentity }): void;
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
  /**
   * Sets how many sessions people want on a machine from now on: they take free seats on running instances
   * (a pool seats `seatsPerInstance` per instance, kept until changed; a single machine any number), wait
   * when none is free, and are interrupted (then wait again) when their machine is deleted or stops.
   */
  setSessionDemand(id: string, sessions: number, options?: { seatsPerInstance?: number }): void;
  /** Demand over time: each step applies when the clock reaches it (replaces any plan, and `setSessionDemand`'s). */
  planSessionDemand(id: string, steps: readonly DemandStep[], options?: { seatsPerInstance?: number }): void;
  /** Sessions per instance, waiting, interrupted, and node-minutes billed so far. */
  workloadOf(id: string): WorkloadReport | undefined;
  /** Base URL of the fake JupyterHub on a pool instance (or a single machine): append `hub/api/users`. */
  jupyterHubUrl(id: string, instanceId?: string): string;
  /** Makes the next operation on the resource end Failed, with Azure's usual error unless one is given. */
  failNextOperation(id: string, error?: { code: string; message: string }): void;
  /** Replaces the fault settings (and restarts their random sequence). */
  setFaults(faults: FaultOptions): void;
  setEventGridWebhook(url: string | undefined): void;
  /** Replaces the permission settings (`grantEveryone`, and the assignments when given). */
  setPermissions(options: PermissionOptions): void;
  /** Adds a role assignment. */
  assignRole(assignment: RoleAssignment): void;
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
  private readonly faults: FaultInjector;
  /** Every gate a request passes, and the route's answer after them: built once. */
  private readonly passGates: Next;
  private readonly publisher: EventGridPublisher;
  private readonly log: RequestLogEntry[] = [];
  private readonly settleAutomatically: boolean;
  private readonly permissions: RoleAssignments;
  private timer: NodeJS.Timeout | undefined;
  private timerAt: number | undefined;

  constructor(options: ArmEmulatorOptions, certificatePem: string) {
    this.certificatePem = certificatePem;
    this.clock = options.clock ?? systemClock;
    this.settleAutomatically = options.settleAutomatically ?? options.clock === undefined;
    this.publisher = new EventGridPublisher(options.eventGrid);
    this.faults = new FaultInjector(options.faults);
    this.permissions = new RoleAssignments(options.permissions);
    this.fleet = new Fleet({
      clock: this.clock,
      location: options.location ?? 'westeurope',
      durations: resolveDurations(defaultTransitionDurations, options.transitionDurationsInMs),
      onFinished: (finished) => this.publisher.publish(resourceEvent(finished)),
    });
    const routes = new ArmRoutes({
      fleet: this.fleet,
      baseUrl: () => this.baseUrl,
      listPageSize: options.listPageSize ?? 50,
      pollRetryAfterInSeconds: options.pollRetryAfterInSeconds,
      operationFails: (request) =>
        this.faults.operationFails({ method: request.method, path: request.url.pathname }),
      permissions: this.permissions,
    });
    this.passGates = chain(this.gatesInOrder(options, routes), answer);
  }

  /**
   * ARM's order: the body is read (413) and time catches up first; then 401 comes before any injected fault,
   * faults before the route is known (404, 405), and the route before its buckets are charged (429).
   */
  private gatesInOrder(options: ArmEmulatorOptions, routes: ArmRoutes): Gate[] {
    const throttling = options.throttling ?? documentedThrottlingLimits;
    return [
      answerErrors,
      readBody(MAX_BODY_BYTES),
      settleFirst(this.fleet),
      authenticate,
      injectFaults(this.faults),
      route(routes),
      ...(throttling === false ? [] : [throttle(new Throttle(throttling), this.clock)]),
    ];
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

  createVirtualMachine(id: string, options: VirtualMachineOptions & { as?: EmulatorIdentity } = {}): void {
    const { as, ...vm } = options;
    this.fleet.addVirtualMachine(id, vm);
    const correlationId = randomUUID();
    this.publisher.publish(
      resourceEvent({
        resourceId: id,
        subscriptionId: /^\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? '',
        resourceProvider: 'Microsoft.Compute',
        operationName: 'Microsoft.Compute/virtualMachines/write',
        category: 'write',
        succeeded: true,
        finishedAt: this.clock.now(),
        caller: callerFromIdentity(as ?? { principalId: 'portal-user', isUser: true }),
        correlationId,
        httpMethod: 'PUT',
        url: `${this.baseUrl}${id}`,
      }),
    );
  }

  addComputeInstance(id: string, options?: ComputeInstanceOptions): void {
    this.fleet.addComputeInstance(id, options);
  }

  removeResource(id: string): boolean {
    return this.fleet.remove(id);
  }

  stateOf(id: string): ResourceState | undefined {
    const resource = this.fleet.find(id);
    return resource && resourceState(resource);
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

  setSessionDemand(id: string, sessions: number, options: { seatsPerInstance?: number } = {}): void {
    checkSessions(sessions, options.seatsPerInstance);
    this.fleet.setSessionDemand(id, sessions, options.seatsPerInstance);
  }

  planSessionDemand(
    id: string,
    steps: readonly DemandStep[],
    options: { seatsPerInstance?: number } = {},
  ): void {
    for (const step of steps) checkSessions(step.sessions, options.seatsPerInstance);
    this.fleet.planSessionDemand(id, steps, options.seatsPerInstance);
  }

  workloadOf(id: string): WorkloadReport | undefined {
    return this.fleet.workloadOf(id);
  }

  jupyterHubUrl(id: string, instanceId?: string): string {
    return `${this.baseUrl}${jupyterHubPath(id, instanceId)}`;
  }

  setFaults(faults: FaultOptions): void {
    this.faults.configure(faults);
  }

  setEventGridWebhook(url: string | undefined): void {
    this.publisher.setWebhookUrl(url);
  }

  setPermissions(options: PermissionOptions): void {
    this.permissions.configure(options);
  }

  assignRole(assignment: RoleAssignment): void {
    this.permissions.assign(assignment);
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

  /** One request, through the gates, answered (or dropped) and written to the request log. */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const exchange = this.exchangeFor(request);
    if (exchange.url.pathname.startsWith(`${JUPYTERHUB_PREFIX}/`)) {
      // A machine's own hub, not ARM: no ARM gates, not in ARM's request log.
      const hub = answerJupyterHub(
        this.fleet,
        exchange.method,
        exchange.url,
        headerValue(request.headers, 'authorization'),
      );
      send(response, { status: hub.status, body: hub.body }, exchange);
      return;
    }
    try {
      const answer = await this.passGates(exchange);
      if (answer === 'dropConnection') request.socket.destroy();
      else send(response, answer, exchange);
    } finally {
      const entry = exchange.log;
      entry.status = response.headersSent ? response.statusCode : 0;
      entry.durationInMs = performance.now() - startedAt;
      this.log.push(entry);
      this.scheduleSettle();
    }
  }

  private exchangeFor(request: IncomingMessage): Exchange & { log: RequestLogEntry } {
    const method = (request.method ?? 'GET').toUpperCase();
    const url = new URL(request.url ?? '/', this.baseUrl);
    const log: RequestLogEntry = {
      at: this.clock.now(),
      method,
      path: url.pathname,
      query: url.search,
      status: 0,
      durationInMs: 0,
    };
    return {
      method,
      url,
      headers: request.headers,
      body: request as AsyncIterable<Buffer>,
      correlationId: headerValue(request.headers, 'x-ms-client-request-id') ?? randomUUID(),
      answerHeaders: {},
      log,
    };
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

/** Writes an answer with ARM's request ids and the headers the gates added for every answer. */
function send(response: ServerResponse, answer: ArmResponse, exchange: Exchange): void {
  const payload = answer.body === undefined ? '' : JSON.stringify(answer.body);
  const headers: Record<string, string> = {
    'x-ms-request-id': randomUUID(),
    'x-ms-correlation-request-id': exchange.correlationId,
    'x-ms-client-request-id': exchange.correlationId,
    ...exchange.answerHeaders,
    ...answer.headers,
    'content-length': String(Buffer.byteLength(payload)),
  };
  if (payload) headers['content-type'] = 'application/json; charset=utf-8';
  response.writeHead(answer.status, headers);
  response.end(payload);
}

function checkSessions(sessions: number, seatsPerInstance: number | undefined): void {
  if (!Number.isInteger(sessions) || sessions < 0) {
    throw new RangeError(`arm-emulator: sessions must be a whole number ≥ 0, not ${sessions}`);
  }
  if (seatsPerInstance !== undefined && (!Number.isInteger(seatsPerInstance) || seatsPerInstance < 1)) {
    throw new RangeError(
      `arm-emulator: seatsPerInstance must be a whole number ≥ 1, not ${seatsPerInstance}`,
    );
  }
}
