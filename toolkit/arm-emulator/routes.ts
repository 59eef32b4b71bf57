// Maps ARM request paths to the fleet: which resource, which action, which throttling policy pays for it,
// and how the answer looks (200 with a body, 202 with operation URLs, or ARM's error).

import { ArmError } from './arm-error.js';
import { authorizationRoute } from './authorization-routes.js';
import type { Caller } from './caller.js';
import type { Fleet, FleetAction } from './fleet/fleet.js';
import type { Operation } from './fleet/operations.js';
import type { Resource } from './fleet/resource.js';
import { checkIfMatch, instanceNotFound, protectInstance, type ScaleSet } from './fleet/scale-sets.js';
import { answerMetrics, METRICS_PATH } from './metrics.js';
import * as json from './representations.js';
import type { RoleAssignments } from './role-assignments.js';
import type { ComputePolicy } from './throttling.js';

export interface ArmRequest {
  method: string;
  url: URL;
  body: unknown;
  caller: Caller;
  correlationId: string;
  /** The `If-Match` header: a write conditional on the resource's ETag. */
  ifMatch?: string;
}

export interface ArmResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A request the emulator understands, with what it costs, before it is carried out. */
export interface ResolvedRoute {
  subscriptionId: string;
  write: boolean;
  compute?: { policy: ComputePolicy; resourceKey?: string };
  handle: (request: ArmRequest) => ArmResponse;
}

export interface RouteOptions {
  fleet: Fleet;
  baseUrl: () => string;
  listPageSize: number;
  /** Retry-After on 202s and in-progress polls; Azure sends one, tests want none. */
  pollRetryAfterInSeconds: number | undefined;
  /** Fault injection's say on whether an operation this request starts ends Failed. */
  operationFails: (request: ArmRequest) => boolean;
  /** What a principal may do on a resource: ARM's permissions API. */
  permissions: RoleAssignments;
}

const COMPUTE_API_VERSION = '2026-03-01';
const ML_API_VERSION = '2022-10-01';

const GROUP = '^/subscriptions/(?<sub>[^/]+)/resourceGroups/(?<rg>[^/]+)/providers/';
const VM_PATH = new RegExp(
  `${GROUP}(?<type>Microsoft\\.Compute/virtualMachines)/(?<name>[^/]+)(?:/(?<child>[^/]+))?$`,
  'i',
);
const POOL_PATH = new RegExp(
  `${GROUP}(?<type>Microsoft\\.Compute/virtualMachineScaleSets)/(?<name>[^/]+)(?:/(?<child>[^/]+)(?:/(?<instance>[^/]+))?)?$`,
  'i',
);
const COMPUTE_INSTANCE_PATH = new RegExp(
  `${GROUP}Microsoft\\.MachineLearningServices/workspaces/(?<ws>[^/]+)/computes/(?<name>[^/]+)(?:/(?<child>[^/]+))?$`,
  'i',
);
const PERMISSIONS_PATH =
  /^(?<resource>\/subscriptions\/(?<sub>[^/]+)\/.+)\/providers\/Microsoft\.Authorization\/permissions$/i;
const VM_LIST_PATH = /^\/subscriptions\/(?<sub>[^/]+)\/providers\/Microsoft\.Compute\/virtualMachines$/i;
const COMPUTE_OPERATION_PATH =
  /^\/subscriptions\/(?<sub>[^/]+)\/providers\/Microsoft\.Compute\/locations\/(?<loc>[^/]+)\/operations\/(?<id>[^/]+)$/i;
const ML_OPERATION_PATH =
  /^\/subscriptions\/(?<sub>[^/]+)\/providers\/Microsoft\.MachineLearningServices\/locations\/(?<loc>[^/]+)\/(?<which>mfeOperationsStatus|mfeOperationResults)\/(?<id>[^/]+)$/i;

const VM_ACTIONS: Record<string, 'start' | 'deallocate' | 'powerOff' | 'restart'> = {
  start: 'start',
  deallocate: 'deallocate',
  poweroff: 'powerOff',
  restart: 'restart',
};
const COMPUTE_INSTANCE_ACTIONS: Record<string, 'start' | 'stop' | 'restart'> = {
  start: 'start',
  stop: 'stop',
  restart: 'restart',
};

export class ArmRoutes {
  constructor(private readonly options: RouteOptions) {}

  /** The route for a request, or an ArmError (404 for unknown paths, 405 for unknown methods). */
  resolve(method: string, url: URL): ResolvedRoute {
    const path = url.pathname.replace(/\/+$/, '');
    let match: RegExpExecArray | null;
    if ((match = PERMISSIONS_PATH.exec(path))) return this.permissionsRoute(method, url, groups(match));
    const authorization = authorizationRoute(method, url, path, {
      permissions: this.options.permissions,
      exists: (resourceId) => this.options.fleet.find(resourceId) !== undefined,
      baseUrl: this.options.baseUrl,
      listPageSize: this.options.listPageSize,
    });
    if (authorization) return authorization;
    if ((match = METRICS_PATH.exec(path))) {
      if (method !== 'GET') throw methodNotAllowed(method, url.pathname);
      const g = groups(match);
      const fleet = this.options.fleet;
      return {
        subscriptionId: g['sub']!,
        write: false,
        handle: () => answerMetrics(fleet, g['resource']!, url, fleet.now()),
      };
    }
    if ((match = VM_PATH.exec(path))) return this.virtualMachineRoute(method, url, groups(match));
    if ((match = POOL_PATH.exec(path))) {
      const g = groups(match);
      const child = g['child']?.toLowerCase();
      if (child === 'virtualmachines' || child === 'delete')
        return this.scaleSetInstancesRoute(method, url, g);
      if (g['instance'] === undefined) return this.scaleSetRoute(method, g);
    }
    if ((match = COMPUTE_INSTANCE_PATH.exec(path))) return this.computeInstanceRoute(method, groups(match));
    if ((match = VM_LIST_PATH.exec(path))) return this.virtualMachineListRoute(method, url, groups(match));
    if ((match = COMPUTE_OPERATION_PATH.exec(path)))
      return this.operationRoute(method, url, groups(match), 'compute');
    if ((match = ML_OPERATION_PATH.exec(path))) return this.operationRoute(method, url, groups(match), 'ml');
    throw new ArmError(
      404,
      'InvalidResourceType',
      `The resource type for '${path}' is not served by the ARM emulator.`,
    );
  }

  private virtualMachineRoute(method: string, url: URL, g: Record<string, string>): ResolvedRoute {
    const child = g['child']?.toLowerCase();
    const key = resourceKey(g);
    const base = { subscriptionId: g['sub']!, write: method !== 'GET' };
    if (method === 'GET' && (child === undefined || child === 'instanceview')) {
      return {
        ...base,
        compute: { policy: 'vmReads', resourceKey: key },
        handle: () => {
          const vm = this.lookup(g, 'vm');
          const expand = url.searchParams.get('$expand')?.toLowerCase() === 'instanceview';
          return {
            status: 200,
            body:
              child === undefined
                ? json.virtualMachine(vm, { instanceView: expand })
                : json.virtualMachineInstanceView(vm),
          };
        },
      };
    }
    if (method === 'POST' && child !== undefined && VM_ACTIONS[child]) {
      const action = VM_ACTIONS[child];
      return {
        ...base,
        compute: { policy: action === 'deallocate' ? 'vmDeallocate' : 'vmActions', resourceKey: key },
        handle: (request) => this.accepted(request, this.lookup(g, 'vm'), { kind: 'vm', action }),
      };
    }
    if (method === 'DELETE' && child === undefined) {
      return {
        ...base,
        handle: (request) => this.accepted(request, this.lookup(g, 'vm'), { kind: 'vm', action: 'delete' }),
      };
    }
    throw methodNotAllowed(method, url.pathname);
  }

  /**
   * A scale set's instances: `GET …/virtualMachines` (paged, `$expand=instanceView` or `$select=instanceView`),
   * `GET|PUT …/virtualMachines/{id}` (the PUT honours `protectionPolicy`), `POST …/delete` with `instanceIds`.
   */
  private scaleSetInstancesRoute(method: string, url: URL, g: Record<string, string>): ResolvedRoute {
    const base = { subscriptionId: g['sub']!, write: method !== 'GET' };
    const instanceId = g['instance'] === undefined ? undefined : decode(g['instance']);
    const withView = ['$expand', '$select'].some((name) =>
      (url.searchParams.get(name) ?? '').toLowerCase().includes('instanceview'),
    );
    if (g['child']!.toLowerCase() === 'delete') {
      if (method !== 'POST' || instanceId !== undefined) throw methodNotAllowed(method, url.pathname);
      return {
        ...base,
        compute: { policy: 'scaleSetUpdates', resourceKey: resourceKey(g) },
        handle: (request) =>
          this.accepted(request, this.lookup(g, 'pool'), {
            kind: 'pool',
            action: 'deleteInstances',
            instanceIds: instanceIdsOf(request.body),
          }),
      };
    }
    if (method === 'GET' && instanceId === undefined) {
      return { ...base, handle: () => this.instancePage(this.lookup(g, 'pool'), url, withView) };
    }
    if ((method === 'GET' || method === 'PUT') && instanceId !== undefined) {
      return {
        ...base,
        handle: (request) => {
          const pool = this.lookup(g, 'pool');
          const instance =
            method === 'PUT'
              ? protectInstance(pool, instanceId, protectionOf(request.body))
              : pool.instances.find((i) => i.instanceId === instanceId);
          if (!instance) throw instanceNotFound(pool, instanceId);
          return { status: 200, body: json.scaleSetVm(pool, instance, { instanceView: withView }) };
        },
      };
    }
    throw methodNotAllowed(method, url.pathname);
  }

  /** One page of a scale set's instances, with a `nextLink` when more follow. */
  private instancePage(pool: ScaleSet, url: URL, withView: boolean): ArmResponse {
    const skip = Number.parseInt(url.searchParams.get('$skiptoken') ?? '0', 10) || 0;
    const page = pool.instances.slice(skip, skip + this.options.listPageSize);
    const body: Record<string, unknown> = {
      value: page.map((instance) => json.scaleSetVm(pool, instance, { instanceView: withView })),
    };
    if (skip + page.length < pool.instances.length) body['nextLink'] = this.nextLink(url, skip + page.length);
    return { status: 200, body };
  }

  private nextLink(url: URL, skip: number): string {
    const next = new URL(url.toString(), this.options.baseUrl());
    next.searchParams.set('$skiptoken', String(skip));
    return `${this.options.baseUrl()}${next.pathname}${next.search}`;
  }

  private scaleSetRoute(method: string, g: Record<string, string>): ResolvedRoute {
    const child = g['child']?.toLowerCase();
    const key = resourceKey(g);
    const base = { subscriptionId: g['sub']!, write: method !== 'GET' };
    if (method === 'GET' && child === undefined) {
      return { ...base, handle: () => ({ status: 200, body: json.scaleSet(this.lookup(g, 'pool')) }) };
    }
    if (method === 'GET' && child === 'instanceview') {
      return {
        ...base,
        handle: () => ({ status: 200, body: json.scaleSetInstanceView(this.lookup(g, 'pool')) }),
      };
    }
    if (method === 'PATCH' && child === undefined) {
      return {
        ...base,
        compute: { policy: 'scaleSetUpdates', resourceKey: key },
        handle: (request) => {
          const update = scaleSetUpdate(request.body);
          const pool = this.lookup(g, 'pool');
          checkIfMatch(pool, request.ifMatch);
          const op = this.start(request, pool, { kind: 'pool', action: 'update', ...update });
          // Azure answers a scale-set PATCH with 200, the model as updated, and an operation to poll.
          return {
            status: 200,
            body: json.scaleSet(pool),
            headers: { 'azure-asyncoperation': this.pollUrls(op).status },
          };
        },
      };
    }
    const actions = {
      start: 'start',
      restart: 'restart',
      deallocate: 'deallocate',
      poweroff: 'powerOff',
    } as const;
    if (method === 'POST' && child !== undefined && child in actions) {
      const action = actions[child as keyof typeof actions];
      const policy =
        action === 'deallocate' || action === 'powerOff' ? 'scaleSetDeallocations' : 'scaleSetUpdates';
      return {
        ...base,
        compute: { policy, resourceKey: key },
        handle: (request) => this.accepted(request, this.lookup(g, 'pool'), { kind: 'pool', action }),
      };
    }
    if (method === 'DELETE' && child === undefined) {
      return {
        ...base,
        handle: (request) =>
          this.accepted(request, this.lookup(g, 'pool'), { kind: 'pool', action: 'delete' }),
      };
    }
    throw methodNotAllowed(method, g['type'] ?? '');
  }

  private computeInstanceRoute(method: string, g: Record<string, string>): ResolvedRoute {
    const child = g['child']?.toLowerCase();
    const base = { subscriptionId: g['sub']!, write: method !== 'GET' };
    if (method === 'GET' && child === undefined) {
      return {
        ...base,
        handle: () => ({ status: 200, body: json.computeInstance(this.lookup(g, 'computeInstance')) }),
      };
    }
    if (method === 'POST' && child !== undefined && COMPUTE_INSTANCE_ACTIONS[child]) {
      const action = COMPUTE_INSTANCE_ACTIONS[child];
      return {
        ...base,
        handle: (request) =>
          this.accepted(request, this.lookup(g, 'computeInstance'), { kind: 'computeInstance', action }),
      };
    }
    if (method === 'DELETE' && child === undefined) {
      return {
        ...base,
        handle: (request) =>
          this.accepted(request, this.lookup(g, 'computeInstance'), {
            kind: 'computeInstance',
            action: 'delete',
          }),
      };
    }
    throw methodNotAllowed(method, 'Microsoft.MachineLearningServices/workspaces/computes');
  }

  /**
   * `GET {resourceId}/providers/Microsoft.Authorization/permissions`: the caller's permission blocks on a
   * resource that exists (404 otherwise, as ARM answers for a resource it does not know).
   */
  private permissionsRoute(method: string, url: URL, g: Record<string, string>): ResolvedRoute {
    if (method !== 'GET') throw methodNotAllowed(method, url.pathname);
    const resourceId = decode(g['resource']!);
    return {
      subscriptionId: g['sub']!,
      write: false,
      handle: (request) => {
        if (!this.options.fleet.find(resourceId)) {
          throw new ArmError(404, 'ResourceNotFound', `The Resource '${resourceId}' was not found.`);
        }
        return {
          status: 200,
          body: { value: this.options.permissions.permissionsOf(request.caller.principalId, resourceId) },
        };
      },
    };
  }

  /** `GET /subscriptions/{s}/providers/Microsoft.Compute/virtualMachines`, paged with `$skiptoken`. */
  private virtualMachineListRoute(method: string, url: URL, g: Record<string, string>): ResolvedRoute {
    if (method !== 'GET') throw methodNotAllowed(method, url.pathname);
    return {
      subscriptionId: g['sub']!,
      write: false,
      compute: { policy: 'vmList' },
      handle: () => {
        const statusOnly = url.searchParams.get('statusOnly')?.toLowerCase() === 'true';
        const skip = Number.parseInt(url.searchParams.get('$skiptoken') ?? '0', 10) || 0;
        const all = this.options.fleet.virtualMachinesIn(g['sub']!);
        const page = all.slice(skip, skip + this.options.listPageSize);
        const body: Record<string, unknown> = {
          value: page.map((vm) => json.virtualMachine(vm, { instanceView: statusOnly })),
        };
        if (skip + page.length < all.length) body['nextLink'] = this.nextLink(url, skip + page.length);
        return { status: 200, body };
      },
    };
  }

  /**
   * Operation polls. `Azure-AsyncOperation` answers 200 with `{status}`; `Location` (Compute's `monitor=true`,
   * ML's results URL) answers 202 while running and 200 when done, as the SDKs' final GET expects.
   */
  private operationRoute(
    method: string,
    url: URL,
    g: Record<string, string>,
    provider: 'compute' | 'ml',
  ): ResolvedRoute {
    if (method !== 'GET') throw methodNotAllowed(method, url.pathname);
    const op = this.options.fleet.operation(g['id']!);
    const found =
      op && op.resource.parsed.subscriptionId.toLowerCase() === g['sub']!.toLowerCase() ? op : undefined;
    const isLocation =
      provider === 'compute'
        ? url.searchParams.get('monitor')?.toLowerCase() === 'true'
        : g['which']!.toLowerCase() === 'mfeoperationresults';
    return {
      subscriptionId: g['sub']!,
      write: false,
      ...(provider === 'compute'
        ? { compute: { policy: 'operationPolls' as const, resourceKey: found?.resource.key } }
        : {}),
      handle: () => {
        if (!found) throw new ArmError(404, 'ResourceNotFound', `Operation '${g['id']}' was not found.`);
        const retryAfter = this.retryAfterHeader();
        if (!isLocation) {
          return {
            status: 200,
            body: json.operationStatus(found),
            headers: found.status === 'InProgress' ? retryAfter : {},
          };
        }
        if (found.status === 'InProgress') {
          return { status: 202, headers: { location: this.pollUrls(found).result, ...retryAfter } };
        }
        if (found.status === 'Failed') {
          const failure = found.failure ?? {
            code: 'InternalExecutionError',
            message: 'The operation failed.',
          };
          throw new ArmError(500, failure.code, failure.message);
        }
        return { status: 200 };
      },
    };
  }

  private lookup<K extends Resource['kind']>(
    g: Record<string, string>,
    kind: K,
  ): Extract<Resource, { kind: K }> {
    const resource = this.options.fleet.require({
      key: resourceKey(g),
      subscriptionId: g['sub']!,
      resourceGroup: decode(g['rg']!),
      type:
        kind === 'computeInstance'
          ? 'Microsoft.MachineLearningServices/workspaces/computes'
          : decode(g['type']!),
      name: decode(g['name']!),
    });
    return resource as Extract<Resource, { kind: K }>;
  }

  private start(request: ArmRequest, resource: Resource, action: FleetAction): Operation {
    return this.options.fleet.perform(resource, action, {
      caller: request.caller,
      httpMethod: request.method,
      url: request.url.toString(),
      correlationId: request.correlationId,
      injectFailure: this.options.operationFails(request),
    });
  }

  /** 202 Accepted with absolute `Azure-AsyncOperation` and `Location` URLs back to this emulator. */
  private accepted(request: ArmRequest, resource: Resource, action: FleetAction): ArmResponse {
    const op = this.start(request, resource, action);
    const urls = this.pollUrls(op);
    return {
      status: 202,
      headers: { 'azure-asyncoperation': urls.status, location: urls.result, ...this.retryAfterHeader() },
    };
  }

  private pollUrls(op: Operation): { status: string; result: string } {
    const base = this.options.baseUrl();
    const { subscriptionId } = op.resource.parsed;
    const location = encodeURIComponent(op.resource.location);
    if (op.resource.kind === 'computeInstance') {
      const prefix = `${base}/subscriptions/${subscriptionId}/providers/Microsoft.MachineLearningServices/locations/${location}`;
      return {
        status: `${prefix}/mfeOperationsStatus/${op.id}?api-version=${ML_API_VERSION}&type=async`,
        result: `${prefix}/mfeOperationResults/${op.id}?api-version=${ML_API_VERSION}&type=location`,
      };
    }
    const prefix = `${base}/subscriptions/${subscriptionId}/providers/Microsoft.Compute/locations/${location}/operations/${op.id}`;
    return {
      status: `${prefix}?p=${op.resource.parsed.name}&api-version=${COMPUTE_API_VERSION}`,
      result: `${prefix}?p=${op.resource.parsed.name}&monitor=true&api-version=${COMPUTE_API_VERSION}`,
    };
  }

  private retryAfterHeader(): Record<string, string> {
    const seconds = this.options.pollRetryAfterInSeconds;
    return seconds === undefined ? {} : { 'retry-after': String(seconds) };
  }
}

function groups(match: RegExpExecArray): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(match.groups ?? {})) {
    if (value !== undefined) result[name] = value;
  }
  return result;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The lowercased resource id a path names, the same string `parseResourceId` gives as `normalizedId`. */
function resourceKey(g: Record<string, string>): string {
  const group = `/subscriptions/${decode(g['sub']!)}/resourceGroups/${decode(g['rg']!)}/providers`;
  const id =
    g['ws'] !== undefined
      ? `${group}/Microsoft.MachineLearningServices/workspaces/${decode(g['ws'])}/computes/${decode(g['name']!)}`
      : `${group}/${g['type']!}/${decode(g['name']!)}`;
  return id.toLowerCase();
}

function methodNotAllowed(method: string, what: string): ArmError {
  return new ArmError(405, 'MethodNotAllowed', `The HTTP method '${method}' is not supported for '${what}'.`);
}

/** The part of a scale-set PATCH the emulator honours: `sku.capacity` and `tags`. */
function scaleSetUpdate(body: unknown): { capacity?: number; tags?: Record<string, string> } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ArmError(
      400,
      'InvalidRequestContent',
      'The request content was invalid: expected a JSON object.',
    );
  }
  const update: { capacity?: number; tags?: Record<string, string> } = {};
  const sku = (body as { sku?: unknown }).sku;
  if (typeof sku === 'object' && sku !== null && 'capacity' in sku) {
    const capacity: unknown = sku.capacity;
    if (capacity !== undefined) {
      if (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 0 || capacity > 1000) {
        throw new ArmError(400, 'InvalidParameter', 'The value of parameter sku.capacity is invalid.', {
          details: [
            {
              code: 'InvalidParameter',
              target: 'sku.capacity',
              message: 'Expected a whole number from 0 to 1000.',
            },
          ],
        });
      }
      update.capacity = capacity;
    }
  }
  const tags = (body as { tags?: unknown }).tags;
  if (tags !== undefined) {
    if (typeof tags !== 'object' || tags === null || Object.values(tags).some((v) => typeof v !== 'string')) {
      throw new ArmError(400, 'InvalidParameter', 'The value of parameter tags is invalid.');
    }
    update.tags = tags as Record<string, string>;
  }
  return update;
}

/** `{"instanceIds": ["1", "3"]}`: the body of a scale set's `POST …/delete`. */
function instanceIdsOf(body: unknown): string[] {
  const ids = (body as { instanceIds?: unknown } | null)?.instanceIds;
  if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string')) {
    throw new ArmError(400, 'InvalidParameter', 'The value of parameter instanceIds is invalid.', {
      details: [
        {
          code: 'InvalidParameter',
          target: 'instanceIds',
          message: 'Expected a non-empty list of instance ids.',
        },
      ],
    });
  }
  return ids as string[];
}

/** `properties.protectionPolicy.protectFromScaleIn` of an instance PUT; absent means not protected. */
function protectionOf(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ArmError(
      400,
      'InvalidRequestContent',
      'The request content was invalid: expected a JSON object.',
    );
  }
  const policy = (body as { properties?: { protectionPolicy?: { protectFromScaleIn?: unknown } } }).properties
    ?.protectionPolicy;
  const value = policy?.protectFromScaleIn;
  if (value !== undefined && typeof value !== 'boolean') {
    throw new ArmError(
      400,
      'InvalidParameter',
      'The value of parameter protectionPolicy.protectFromScaleIn is invalid.',
    );
  }
  return value === true;
}
