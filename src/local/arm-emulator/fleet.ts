// The emulated machines and the long-running operations that change them, independent of HTTP.
// Time only moves through the injected clock: `settle()` finishes every operation that is due, and
// runs before every read, so states change "lazily on read" and a virtual clock drives everything.

import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import { parseResourceId, type ParsedResourceId } from '../../targets/resource-id.js';
import { ArmError, operationNotAllowed, resourceGroupNotFound, resourceNotFound } from './arm-error.js';
import type { Caller } from './caller.js';
import type { FinishedOperation } from './event-grid.js';
import {
  planComputeInstanceAction,
  planVmAction,
  type ComputeInstanceAction,
  type ComputeInstanceState,
  type Plan,
  type VmAction,
  type VmPowerState,
} from './power-states.js';

/** How long each kind of change takes, in milliseconds of the injected clock. */
export interface TransitionDurations {
  /** VM start, scale-set start, ML start. */
  start: number;
  deallocate: number;
  powerOff: number;
  restart: number;
  /** ML compute instance stop. */
  stop: number;
  /** Scale-set capacity change: the last new instance is running (or the last removed one gone) after this. */
  scale: number;
  delete: number;
}

export const defaultTransitionDurations: TransitionDurations = {
  start: 30_000,
  deallocate: 30_000,
  powerOff: 15_000,
  restart: 30_000,
  stop: 20_000,
  scale: 30_000,
  delete: 20_000,
};

export type DurationsOption = number | Partial<TransitionDurations>;

export function resolveDurations(
  base: TransitionDurations,
  option: DurationsOption | undefined,
): TransitionDurations {
  if (option === undefined) return base;
  if (typeof option === 'number') {
    return {
      start: option,
      deallocate: option,
      powerOff: option,
      restart: option,
      stop: option,
      scale: option,
      delete: option,
    };
  }
  return { ...base, ...option };
}

interface Transition<S> {
  from: S;
  through: S;
  to: S;
}

interface ResourceBase {
  /** The id as it was added, for responses. */
  id: string;
  /** Lowercased id: every lookup uses this. */
  key: string;
  parsed: ParsedResourceId;
  location: string;
  tags: Record<string, string>;
  durations: TransitionDurations;
  createdAt: number;
  /** The operation in progress on the resource, if any: a second one is a 409. */
  busyWith?: Operation;
  deleting: boolean;
  /** How the next operation on this resource fails, set by `failNextOperation` ('typical': Azure's usual error). */
  failNext?: { code: string; message: string } | 'typical';
}

export interface VirtualMachine extends ResourceBase {
  kind: 'vm';
  vmId: string;
  vmSize: string;
  power: VmPowerState;
  transition?: Transition<VmPowerState>;
  /** Code of the last failed operation, shown as `ProvisioningState/failed/{code}` until the next success. */
  failedWith?: string;
}

export interface ScaleSetInstance {
  instanceId: string;
  power: VmPowerState;
  /** Absent `from` means the instance is being created by a scale-out. */
  transition?: { from?: VmPowerState; through: VmPowerState; to: VmPowerState; endsAt: number };
  /** Set while a scale-in deletes the instance. */
  removalEndsAt?: number;
}

export interface ScaleSet extends ResourceBase {
  kind: 'pool';
  uniqueId: string;
  vmSize: string;
  capacity: number;
  instances: ScaleSetInstance[];
  nextInstanceId: number;
  /** Capacity before a scale that is in progress, restored when it fails. */
  capacityBefore?: number;
  failedWith?: string;
}

export interface ComputeInstance extends ResourceBase {
  kind: 'computeInstance';
  vmSize: string;
  state: ComputeInstanceState;
  transition?: Transition<ComputeInstanceState>;
  lastOperation?: { name: string; at: number; status: string };
}

export type Resource = VirtualMachine | ScaleSet | ComputeInstance;

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed';

export interface Operation {
  id: string;
  resource: Resource;
  /** Permission name, e.g. `Microsoft.Compute/virtualMachines/start/action`. */
  operationName: string;
  category: FinishedOperation['category'];
  startedAt: number;
  completesAt: number;
  status: OperationStatus;
  /** Decided when the operation starts; reported when it ends. */
  failure?: { code: string; message: string };
  origin: OperationOrigin;
  /** Order of creation, so operations due at the same instant finish in the order they began. */
  sequence: number;
  finish: () => void;
  rollBack: () => void;
}

/** Who asked, and how, so the resource event can say so. */
export interface OperationOrigin {
  caller: Caller;
  httpMethod: string;
  url: string;
  correlationId: string;
  /** True when fault injection decided this operation ends Failed. */
  injectFailure: boolean;
}

export type VmPowerStateOption = 'running' | 'stopped' | 'deallocated';

export interface VirtualMachineOptions {
  powerState?: VmPowerStateOption;
  vmSize?: string;
  location?: string;
  tags?: Record<string, string>;
  transitionDurationsInMs?: DurationsOption;
}

export interface ScaleSetOptions {
  capacity: number;
  /** Power state of the existing instances. Default running. */
  powerState?: VmPowerStateOption;
  vmSize?: string;
  location?: string;
  tags?: Record<string, string>;
  transitionDurationsInMs?: DurationsOption;
}

export interface ComputeInstanceOptions {
  state?: ComputeInstanceState;
  vmSize?: string;
  location?: string;
  tags?: Record<string, string>;
  transitionDurationsInMs?: DurationsOption;
}

export type FleetAction =
  | { kind: 'vm'; action: VmAction | 'delete' }
  | {
      kind: 'pool';
      action: 'start' | 'deallocate' | 'powerOff' | 'restart' | 'delete';
    }
  | { kind: 'pool'; action: 'update'; capacity?: number; tags?: Record<string, string> }
  | { kind: 'computeInstance'; action: ComputeInstanceAction | 'delete' };

export interface FleetOptions {
  clock: Clock;
  location: string;
  durations: TransitionDurations;
  onFinished: (operation: FinishedOperation) => void;
}

const COMPUTE_PROVIDER = 'Microsoft.Compute';
const ML_PROVIDER = 'Microsoft.MachineLearningServices';

export class Fleet {
  private readonly resources = new Map<string, Resource>();
  private readonly operations = new Map<string, Operation>();
  /** Operations still running, apart from the finished ones kept for polls: settle() runs on every request. */
  private readonly inProgress = new Set<Operation>();
  /** Scale sets, whose instances settle over time: the only resources settle() has to visit. */
  private readonly pools = new Set<ScaleSet>();
  private readonly resourceGroups = new Set<string>();
  private readonly workspaces = new Set<string>();
  private sequence = 0;

  constructor(private readonly options: FleetOptions) {}

  addVirtualMachine(id: string, options: VirtualMachineOptions = {}): VirtualMachine {
    const base = this.newResource(id, 'vm', options);
    const vm: VirtualMachine = {
      ...base,
      kind: 'vm',
      vmId: randomUUID(),
      vmSize: options.vmSize ?? 'Standard_D2s_v5',
      power: options.powerState ?? 'running',
    };
    this.register(vm);
    return vm;
  }

  addScaleSet(id: string, options: ScaleSetOptions): ScaleSet {
    if (!Number.isInteger(options.capacity) || options.capacity < 0) {
      throw new RangeError(
        `arm-emulator: scale set capacity must be a whole number ≥ 0, not ${options.capacity}`,
      );
    }
    const base = this.newResource(id, 'pool', options);
    const power = options.powerState ?? 'running';
    const pool: ScaleSet = {
      ...base,
      kind: 'pool',
      uniqueId: randomUUID(),
      vmSize: options.vmSize ?? 'Standard_NC4as_T4_v3',
      capacity: options.capacity,
      instances: Array.from({ length: options.capacity }, (_, index) => ({
        instanceId: String(index),
        power,
      })),
      nextInstanceId: options.capacity,
    };
    this.register(pool);
    return pool;
  }

  addComputeInstance(id: string, options: ComputeInstanceOptions = {}): ComputeInstance {
    const base = this.newResource(id, 'computeInstance', options);
    const instance: ComputeInstance = {
      ...base,
      kind: 'computeInstance',
      vmSize: options.vmSize ?? 'STANDARD_DS3_V2',
      state: options.state ?? 'Running',
    };
    this.register(instance);
    return instance;
  }

  /** Removes a resource at once, without an operation or event (as if it never existed). */
  remove(id: string): boolean {
    const key = id.toLowerCase();
    const pending = this.resources.get(key)?.busyWith;
    if (pending) {
      // Polls of an operation on a vanished resource end Failed, as Azure's do when a resource is deleted under them.
      pending.failure = {
        code: 'ResourceNotFound',
        message: 'The resource was deleted while the operation ran.',
      };
      pending.status = 'Failed';
      this.inProgress.delete(pending);
    }
    const resource = this.resources.get(key);
    if (resource) this.unregister(resource);
    return resource !== undefined;
  }

  failNextOperation(id: string, error: { code: string; message: string } | undefined): void {
    const resource = this.resources.get(id.toLowerCase());
    if (!resource) throw new Error(`arm-emulator: no resource '${id}'`);
    resource.failNext = error ?? 'typical';
  }

  find(id: string): Resource | undefined {
    this.settle();
    return this.resources.get(id.toLowerCase());
  }

  /**
   * The resource at a path's resource part, or ARM's 404: ResourceGroupNotFound when nothing was ever added
   * to that group, ResourceNotFound otherwise. For compute instances an unknown workspace is ResourceNotFound.
   */
  require(path: {
    key: string;
    subscriptionId: string;
    resourceGroup: string;
    type: string;
    name: string;
  }): Resource {
    this.settle();
    const resource = this.resources.get(path.key);
    if (resource) return resource;
    const group = `/subscriptions/${path.subscriptionId}/resourcegroups/${path.resourceGroup}`.toLowerCase();
    if (!this.resourceGroups.has(group)) throw resourceGroupNotFound(path.resourceGroup);
    const workspaceEnd = path.key.indexOf('/computes/');
    if (workspaceEnd >= 0 && !this.workspaces.has(path.key.slice(0, workspaceEnd))) {
      const workspace = path.key.slice(0, workspaceEnd).split('/').pop() ?? '';
      throw resourceNotFound(`${ML_PROVIDER}/workspaces`, workspace, path.resourceGroup);
    }
    throw resourceNotFound(path.type, path.name, path.resourceGroup);
  }

  virtualMachinesIn(subscriptionId: string): VirtualMachine[] {
    this.settle();
    const prefix = `/subscriptions/${subscriptionId.toLowerCase()}/`;
    return [...this.resources.values()]
      .filter((r): r is VirtualMachine => r.kind === 'vm' && r.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  operation(id: string): Operation | undefined {
    this.settle();
    return this.operations.get(id.toLowerCase());
  }

  all(): Resource[] {
    this.settle();
    return [...this.resources.values()];
  }

  /** Starts an action; throws ArmError 409 when the resource's state refuses it. */
  perform(resource: Resource, request: FleetAction, origin: OperationOrigin): Operation {
    this.settle();
    if (resource.kind !== request.kind) throw new Error('arm-emulator: action for another kind of resource');
    if (resource.deleting) {
      throw operationNotAllowed(`The resource '${resource.parsed.name}' is being deleted.`);
    }
    if (resource.busyWith) {
      const what =
        resource.kind === 'vm'
          ? `the VM is ${shownVmPower(resource)}`
          : resource.kind === 'computeInstance'
            ? `the compute instance is ${resource.state}`
            : `another operation (${resource.busyWith.operationName}) is in progress`;
      const reason = `Operation '${request.action}' is not allowed on '${resource.parsed.name}' since ${what}. Retry after the current operation completes.`;
      throw resource.kind === 'computeInstance'
        ? new ArmError(409, 'Conflict', reason)
        : operationNotAllowed(reason);
    }
    if (request.action === 'delete') return this.beginDelete(resource, origin);
    switch (request.kind) {
      case 'vm':
        return this.beginVmAction(resource as VirtualMachine, request.action, origin);
      case 'pool':
        return request.action === 'update'
          ? this.beginScale(resource as ScaleSet, request.capacity, request.tags, origin)
          : this.beginScaleSetAction(resource as ScaleSet, request.action, origin);
      case 'computeInstance':
        return this.beginComputeInstanceAction(resource as ComputeInstance, request.action, origin);
    }
  }

  /** Finishes every operation due by now, in the order they fall due, then due scale-set instances. */
  settle(): void {
    const now = this.options.clock.now();
    const due: Operation[] = [];
    for (const op of this.inProgress) if (op.completesAt <= now) due.push(op);
    due.sort((a, b) => a.completesAt - b.completesAt || a.sequence - b.sequence);
    for (const op of due) this.complete(op);
    for (const pool of this.pools) settleInstances(pool, now);
  }

  /** When the next in-progress operation falls due, for hosts that settle on a real timer. */
  nextCompletionAt(): number | undefined {
    let next: number | undefined;
    for (const op of this.inProgress) {
      if (next === undefined || op.completesAt < next) next = op.completesAt;
    }
    return next;
  }

  private complete(op: Operation): void {
    this.inProgress.delete(op);
    const failure = op.failure;
    if (failure) {
      op.rollBack();
      op.status = 'Failed';
    } else {
      op.finish();
      op.status = 'Succeeded';
    }
    if (op.resource.busyWith === op) op.resource.busyWith = undefined;
    this.options.onFinished({
      resourceId: op.resource.id,
      subscriptionId: op.resource.parsed.subscriptionId,
      resourceProvider: op.resource.kind === 'computeInstance' ? ML_PROVIDER : COMPUTE_PROVIDER,
      operationName: op.operationName,
      category: op.category,
      succeeded: !failure,
      finishedAt: op.completesAt,
      caller: op.origin.caller,
      correlationId: op.origin.correlationId,
      httpMethod: op.origin.httpMethod,
      url: op.origin.url,
    });
    this.forgetOldOperations();
  }

  /** Keeps memory bounded on long local runs: finished operations beyond the newest 10,000 are dropped. */
  private forgetOldOperations(): void {
    if (this.operations.size <= 10_000) return;
    for (const [id, op] of this.operations) {
      if (op.status !== 'InProgress') this.operations.delete(id);
      if (this.operations.size <= 9_000) return;
    }
  }

  private beginVmAction(vm: VirtualMachine, action: VmAction, origin: OperationOrigin): Operation {
    const plan = planVmAction(vm.power, action, vm.parsed.name);
    const name = `${COMPUTE_PROVIDER}/virtualMachines/${action}/action`;
    return this.beginPlanned(vm, plan, name, vm.durations[action], origin, {
      show: (transition) => (vm.transition = transition),
      finish: (transition) => {
        vm.power = transition?.to ?? vm.power;
        vm.transition = undefined;
        vm.failedWith = undefined;
      },
      rollBack: (code) => {
        vm.transition = undefined;
        vm.failedWith = code;
      },
      conflict: (reason) => operationNotAllowed(reason),
      defaultFailure: () => defaultFailure(vm, action),
    });
  }

  private beginComputeInstanceAction(
    instance: ComputeInstance,
    action: ComputeInstanceAction,
    origin: OperationOrigin,
  ): Operation {
    const plan = planComputeInstanceAction(instance.state, action, instance.parsed.name);
    const label = action.charAt(0).toUpperCase() + action.slice(1);
    const name = `${ML_PROVIDER}/workspaces/computes/${action}/action`;
    const at = this.options.clock.now();
    const op = this.beginPlanned(instance, plan, name, instance.durations[action], origin, {
      show: (transition) => {
        instance.transition = transition;
        instance.state = transition.through;
      },
      finish: (transition) => {
        if (transition) instance.state = transition.to;
        instance.transition = undefined;
        instance.lastOperation = { name: label, at, status: 'Succeeded' };
      },
      rollBack: () => {
        if (instance.transition) instance.state = instance.transition.from;
        instance.transition = undefined;
        instance.lastOperation = { name: label, at, status: `${label}Failed` };
      },
      // Azure ML answers a busy instance with a bare 409 Conflict.
      conflict: (reason) => new ArmError(409, 'Conflict', reason),
      defaultFailure: () => defaultFailure(instance, action),
    });
    if (op.status === 'InProgress') instance.lastOperation = { name: label, at, status: 'InProgress' };
    return op;
  }

  /** Shared path for single-machine actions: refuse, fail, do nothing, or show a transition until it ends. */
  private beginPlanned<S>(
    resource: VirtualMachine | ComputeInstance,
    plan: Plan<S>,
    operationName: string,
    durationInMs: number,
    origin: OperationOrigin,
    effects: {
      show: (transition: Transition<S>) => void;
      finish: (transition: Transition<S> | undefined) => void;
      rollBack: (code: string) => void;
      conflict: (reason: string) => ArmError;
      defaultFailure: () => { code: string; message: string };
    },
  ): Operation {
    if (plan.change === 'refused') throw effects.conflict(plan.reason);
    let transition: Transition<S> | undefined;
    let duration = 0;
    let failure: { code: string; message: string } | undefined;
    if (plan.change === 'fails') failure = plan.error;
    if (plan.change === 'transition') {
      const from = (resource.kind === 'vm' ? resource.power : resource.state) as S;
      transition = { from, through: plan.through, to: plan.to };
      duration = durationInMs;
    }
    failure ??= this.takeFailure(resource, origin, effects.defaultFailure);
    const op = this.newOperation(resource, operationName, 'action', duration, origin, failure);
    op.finish = () => effects.finish(transition);
    op.rollBack = () => effects.rollBack(failure?.code ?? 'Failed');
    if (transition) effects.show(transition);
    return op;
  }

  private beginScaleSetAction(
    pool: ScaleSet,
    action: 'start' | 'deallocate' | 'powerOff' | 'restart',
    origin: OperationOrigin,
  ): Operation {
    const now = this.options.clock.now();
    const duration = pool.durations[action];
    const live = pool.instances.filter((i) => i.removalEndsAt === undefined);
    const plans = live.map((instance) => ({
      instance,
      plan: planVmAction(instance.power, action, pool.parsed.name),
    }));
    const changing = plans.filter((p) => p.plan.change === 'transition');
    if (action === 'restart' && live.length > 0 && changing.length === 0) {
      throw operationNotAllowed(
        `Operation 'restart' is not allowed on scale set '${pool.parsed.name}' since no instance is running.`,
      );
    }
    const failure = this.takeFailure(pool, origin, () => defaultFailure(pool, action));
    const op = this.newOperation(
      pool,
      `${COMPUTE_PROVIDER}/virtualMachineScaleSets/${action}/action`,
      'action',
      changing.length > 0 ? duration : 0,
      origin,
      failure,
    );
    for (const { instance, plan } of changing) {
      if (plan.change !== 'transition') continue;
      instance.transition = {
        from: instance.power,
        through: plan.through,
        to: plan.to,
        endsAt: now + duration,
      };
    }
    op.finish = () => {
      finishInstances(pool);
      pool.failedWith = undefined;
    };
    op.rollBack = () => {
      rollBackInstances(pool);
      pool.failedWith = failure?.code;
    };
    return op;
  }

  /** PATCH: capacity changes one instance at a time across the scale duration; tags replace the old ones. */
  private beginScale(
    pool: ScaleSet,
    capacity: number | undefined,
    tags: Record<string, string> | undefined,
    origin: OperationOrigin,
  ): Operation {
    const now = this.options.clock.now();
    const live = pool.instances.filter((i) => i.removalEndsAt === undefined);
    const target = capacity ?? pool.capacity;
    const change = target - live.length;
    const duration = change === 0 ? 0 : pool.durations.scale;
    const failure = this.takeFailure(pool, origin, () => defaultFailure(pool, 'start'));
    const op = this.newOperation(
      pool,
      `${COMPUTE_PROVIDER}/virtualMachineScaleSets/write`,
      'write',
      duration,
      origin,
      failure,
    );
    if (tags) pool.tags = { ...tags };
    pool.capacityBefore = pool.capacity;
    pool.capacity = target;
    const steps = Math.abs(change);
    for (let step = 0; step < steps; step++) {
      const endsAt = now + Math.round((duration * (step + 1)) / steps);
      if (change > 0) {
        pool.instances.push({
          instanceId: String(pool.nextInstanceId++),
          power: 'starting',
          transition: { through: 'starting', to: 'running', endsAt },
        });
      } else {
        // Scale-in removes the newest instances first, like Azure's default scale-in policy.
        const instance = live[live.length - 1 - step];
        if (instance) instance.removalEndsAt = endsAt;
      }
    }
    op.finish = () => {
      finishInstances(pool);
      pool.capacityBefore = undefined;
      pool.failedWith = undefined;
    };
    op.rollBack = () => {
      rollBackInstances(pool);
      pool.capacity = pool.instances.length;
      pool.capacityBefore = undefined;
      pool.failedWith = failure?.code;
    };
    return op;
  }

  private beginDelete(resource: Resource, origin: OperationOrigin): Operation {
    const type =
      resource.kind === 'vm'
        ? `${COMPUTE_PROVIDER}/virtualMachines`
        : resource.kind === 'pool'
          ? `${COMPUTE_PROVIDER}/virtualMachineScaleSets`
          : `${ML_PROVIDER}/workspaces/computes`;
    const failure = this.takeFailure(resource, origin, () => defaultFailure(resource, 'delete'));
    const op = this.newOperation(
      resource,
      `${type}/delete`,
      'delete',
      resource.durations.delete,
      origin,
      failure,
    );
    const stateBefore = resource.kind === 'computeInstance' ? resource.state : undefined;
    resource.deleting = true;
    if (resource.kind === 'computeInstance') resource.state = 'Deleting';
    op.finish = () => this.unregister(resource);
    op.rollBack = () => {
      resource.deleting = false;
      if (resource.kind === 'computeInstance' && stateBefore) resource.state = stateBefore;
    };
    return op;
  }

  private takeFailure(
    resource: Resource,
    origin: OperationOrigin,
    fallback: () => { code: string; message: string },
  ): { code: string; message: string } | undefined {
    if (resource.failNext) {
      const failure = resource.failNext;
      resource.failNext = undefined;
      return failure === 'typical' ? fallback() : failure;
    }
    return origin.injectFailure ? fallback() : undefined;
  }

  private newOperation(
    resource: Resource,
    operationName: string,
    category: Operation['category'],
    durationInMs: number,
    origin: OperationOrigin,
    failure: { code: string; message: string } | undefined,
  ): Operation {
    const now = this.options.clock.now();
    const op: Operation = {
      id: randomUUID(),
      resource,
      operationName,
      category,
      startedAt: now,
      completesAt: now + Math.max(0, durationInMs),
      status: 'InProgress',
      failure,
      origin,
      sequence: this.sequence++,
      finish: () => undefined,
      rollBack: () => undefined,
    };
    this.operations.set(op.id, op);
    this.inProgress.add(op);
    resource.busyWith = op;
    return op;
  }

  private newResource(
    id: string,
    kind: Resource['kind'],
    options: { location?: string; tags?: Record<string, string>; transitionDurationsInMs?: DurationsOption },
  ): ResourceBase {
    const parsed = parseResourceId(id);
    if (parsed.kind !== kind) {
      throw new Error(`arm-emulator: '${id}' is a ${parsed.kind} id, not a ${kind} id`);
    }
    if (this.resources.has(parsed.normalizedId)) throw new Error(`arm-emulator: '${id}' already exists`);
    return {
      id,
      key: parsed.normalizedId,
      parsed,
      location: options.location ?? this.options.location,
      tags: { ...options.tags },
      durations: resolveDurations(this.options.durations, options.transitionDurationsInMs),
      createdAt: this.options.clock.now(),
      deleting: false,
    };
  }

  private unregister(resource: Resource): void {
    this.resources.delete(resource.key);
    if (resource.kind === 'pool') this.pools.delete(resource);
  }

  private register(resource: Resource): void {
    const { subscriptionId, resourceGroup, workspace } = resource.parsed;
    this.resources.set(resource.key, resource);
    if (resource.kind === 'pool') this.pools.add(resource);
    this.resourceGroups.add(`/subscriptions/${subscriptionId}/resourcegroups/${resourceGroup}`.toLowerCase());
    if (workspace) {
      this.workspaces.add(
        `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroup}/providers/${ML_PROVIDER}/workspaces/${workspace}`.toLowerCase(),
      );
    }
  }
}

/** What Azure typically says when such an operation fails for reasons of its own. */
function defaultFailure(resource: Resource, action: string): { code: string; message: string } {
  if (action === 'start' && resource.kind !== 'computeInstance') {
    return {
      code: 'AllocationFailed',
      message:
        'Allocation failed. We do not have sufficient capacity for the requested VM size in this region. ' +
        'Read more about improving likelihood of allocation success at http://aka.ms/allocation-guidance',
    };
  }
  return {
    code: 'InternalExecutionError',
    message: 'An internal execution error occurred. Please retry later.',
  };
}

/** Applies instance changes that are due; the operation itself finishes when the last one is. */
function settleInstances(pool: ScaleSet, now: number): void {
  pool.instances = pool.instances.filter((i) => i.removalEndsAt === undefined || i.removalEndsAt > now);
  for (const instance of pool.instances) {
    if (instance.transition && instance.transition.endsAt <= now) {
      instance.power = instance.transition.to;
      instance.transition = undefined;
    }
  }
}

function finishInstances(pool: ScaleSet): void {
  settleInstances(pool, Number.POSITIVE_INFINITY);
}

function rollBackInstances(pool: ScaleSet): void {
  // Instances still being created vanish, removals are called off, others go back to where they were.
  pool.instances = pool.instances.filter((i) => !(i.transition && i.transition.from === undefined));
  for (const instance of pool.instances) {
    instance.removalEndsAt = undefined;
    if (instance.transition?.from !== undefined) instance.power = instance.transition.from;
    instance.transition = undefined;
  }
}

/** The power state a scale-set instance shows right now. */
export function shownInstancePower(instance: ScaleSetInstance): VmPowerState {
  return instance.transition?.through ?? instance.power;
}

/** The power state a VM shows right now. */
export function shownVmPower(vm: VirtualMachine): VmPowerState {
  return vm.transition?.through ?? vm.power;
}
