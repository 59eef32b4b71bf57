// The emulated machines and the long-running operations that change them, independent of HTTP.
// Time only moves through the injected clock: `settle()` finishes every operation that is due, and
// runs before every read, so states change "lazily on read" and a virtual clock drives everything.
// A settle costs what fell due, not the fleet: machines nothing happened to are not visited.

import type { Clock } from '../../../src/clock.js';
import { operationNotAllowed } from '../arm-error.js';
import type { FinishedOperation } from '../event-grid.js';
import type { ComputeInstanceAction, VmAction } from '../power-states.js';
import {
  beginComputeInstanceAction,
  computeInstanceKind,
  newComputeInstance,
  type ComputeInstance,
  type ComputeInstanceOptions,
} from './compute-instances.js';
import { DueQueue } from './due-queue.js';
import { resolveDurations, type TransitionDurations } from './durations.js';
import { Workloads, type DemandStep, type WorkloadReport } from './workload.js';
import {
  defaultFailure,
  failureFor,
  Operations,
  type ActionContext,
  type Operation,
  type OperationOrigin,
} from './operations.js';
import { ResourceRegistry, type ResourcePath } from './registry.js';
import type { Resource, ResourceBase, ResourceKind, ResourceOptions } from './resource.js';
import {
  beginDeleteInstances,
  beginScale,
  beginScaleSetAction,
  checkCapacity,
  newScaleSet,
  scaleSetKind,
  settleInstances,
  type ScaleSet,
  type ScaleSetOptions,
} from './scale-sets.js';
import {
  beginVmAction,
  newVirtualMachine,
  virtualMachineKind,
  type VirtualMachine,
  type VirtualMachineOptions,
} from './virtual-machines.js';

export type FleetAction =
  | { kind: 'vm'; action: VmAction | 'delete' }
  | {
      kind: 'pool';
      action: 'start' | 'deallocate' | 'powerOff' | 'restart' | 'delete';
    }
  | { kind: 'pool'; action: 'update'; capacity?: number; tags?: Record<string, string> }
  | { kind: 'pool'; action: 'deleteInstances'; instanceIds: string[] }
  | { kind: 'computeInstance'; action: ComputeInstanceAction | 'delete' };

export interface FleetOptions {
  clock: Clock;
  location: string;
  durations: TransitionDurations;
  onFinished: (operation: FinishedOperation) => void;
}

/** A machine with something of its own due at `at`: a pool instance done booting or removed, a demand step. */
interface Wake {
  at: number;
  resource: Resource;
}

/** Each kind's rules, by the kind's name. */
const KINDS: { [K in Resource['kind']]: ResourceKind<Extract<Resource, { kind: K }>> } = {
  vm: virtualMachineKind,
  pool: scaleSetKind,
  computeInstance: computeInstanceKind,
};

function kindOf<R extends Resource>(resource: R): ResourceKind<R> {
  return KINDS[resource.kind] as ResourceKind<R>;
}

export class Fleet {
  private readonly registry = new ResourceRegistry();
  private readonly operations: Operations;
  /** Sessions, their load and billed time; see `workload.ts`. */
  private readonly workloads = new Workloads();
  /** Machines' own next changes, the earliest first; a machine may be woken for nothing, never too late. */
  private readonly wakes = new DueQueue<Wake>((a, b) => a.at < b.at);
  /** The instant each machine is to be woken next, so a machine is queued once for each instant. */
  private readonly wakeAt = new Map<Resource, number>();

  constructor(private readonly options: FleetOptions) {
    this.operations = new Operations(options.clock, (op) => options.onFinished(finishedOperation(op)));
  }

  /** Sets a machine's session demand from now on (a pool's seats per instance too). */
  setSessionDemand(id: string, sessions: number, seatsPerInstance?: number): void {
    this.settle();
    const resource = this.requireById(id);
    this.workloads.setDemand(resource, sessions, seatsPerInstance);
    this.moveSessions(resource, this.now());
  }

  /** Session demand over time: each step applies as the clock reaches it. */
  planSessionDemand(id: string, steps: readonly DemandStep[], seatsPerInstance?: number): void {
    this.settle();
    const resource = this.requireById(id);
    this.workloads.planDemand(resource, steps, seatsPerInstance);
    this.moveSessions(resource, this.now());
  }

  now(): number {
    return this.options.clock.now();
  }

  /** Sessions, waiting, interrupted and node-minutes billed up to now. */
  workloadOf(id: string): WorkloadReport | undefined {
    const resource = this.find(id);
    if (!resource) return undefined;
    this.workloads.accrue(resource, this.now());
    return this.workloads.report(resource);
  }

  /** The machine's `Percentage CPU` per whole minute from `from` to `to`, per instance; see `Workloads`. */
  cpuByMinute(resource: Resource, from: number, to: number): ReturnType<Workloads['cpuByMinute']> {
    this.settle();
    return this.workloads.cpuByMinute(resource, { from, to, now: this.now() });
  }

  private requireById(id: string): Resource {
    const resource = this.registry.get(id);
    if (!resource) throw new Error(`arm-emulator: no resource '${id}'`);
    return resource;
  }

  addVirtualMachine(id: string, options: VirtualMachineOptions = {}): VirtualMachine {
    return this.add(newVirtualMachine(this.newResource(id, 'vm', options), options));
  }

  addScaleSet(id: string, options: ScaleSetOptions): ScaleSet {
    checkCapacity(options.capacity);
    return this.add(newScaleSet(this.newResource(id, 'pool', options), options));
  }

  addComputeInstance(id: string, options: ComputeInstanceOptions = {}): ComputeInstance {
    return this.add(newComputeInstance(this.newResource(id, 'computeInstance', options), options));
  }

  /** Removes a resource at once, without an operation or event (as if it never existed). */
  remove(id: string): boolean {
    const resource = this.registry.get(id);
    if (resource?.busyWith) {
      // Polls of an operation on a vanished resource end Failed, as Azure's do when a resource is deleted under them.
      this.operations.abandon(resource.busyWith, {
        code: 'ResourceNotFound',
        message: 'The resource was deleted while the operation ran.',
      });
    }
    if (resource) this.registry.delete(resource);
    return resource !== undefined;
  }

  failNextOperation(id: string, error: { code: string; message: string } | undefined): void {
    const resource = this.registry.get(id);
    if (!resource) throw new Error(`arm-emulator: no resource '${id}'`);
    resource.failNext = error ?? 'typical';
  }

  find(id: string): Resource | undefined {
    this.settle();
    return this.registry.get(id);
  }

  /** The resource at a path's resource part, or ARM's 404 (see `ResourceRegistry.require`). */
  require(path: ResourcePath): Resource {
    this.settle();
    return this.registry.require(path);
  }

  virtualMachinesIn(subscriptionId: string): VirtualMachine[] {
    this.settle();
    return this.registry.virtualMachinesIn(subscriptionId);
  }

  operation(id: string): Operation | undefined {
    this.settle();
    return this.operations.find(id);
  }

  all(): Resource[] {
    this.settle();
    return this.registry.all();
  }

  /** Starts an action; throws ArmError 409 when the resource's state refuses it. */
  perform(resource: Resource, request: FleetAction, origin: OperationOrigin): Operation {
    this.settle();
    if (resource.kind !== request.kind) throw new Error('arm-emulator: action for another kind of resource');
    if (resource.deleting) {
      throw operationNotAllowed(`The resource '${resource.parsed.name}' is being deleted.`);
    }
    const kind = kindOf(resource);
    if (resource.busyWith) {
      throw kind.conflict(
        `Operation '${request.action}' is not allowed on '${resource.parsed.name}' since ${kind.busy(resource)}. Retry after the current operation completes.`,
      );
    }
    const context: ActionContext = { clock: this.options.clock, origin, operations: this.operations };
    const now = this.now();
    this.workloads.accrue(resource, now);
    const op = this.begin(resource, request, context);
    // Sessions on a machine that stops serving now are interrupted now, and its load changes now.
    this.moveSessions(resource, now);
    return op;
  }

  private begin(resource: Resource, request: FleetAction, context: ActionContext): Operation {
    if (request.action === 'delete') return this.beginDelete(resource, context);
    switch (request.kind) {
      case 'vm':
        return beginVmAction(resource as VirtualMachine, request.action, context);
      case 'pool':
        if (request.action === 'update') return beginScale(resource as ScaleSet, request, context);
        if (request.action === 'deleteInstances') {
          return beginDeleteInstances(resource as ScaleSet, request.instanceIds, context);
        }
        return beginScaleSetAction(resource as ScaleSet, request.action, context);
      case 'computeInstance':
        return beginComputeInstanceAction(resource as ComputeInstance, request.action, context);
    }
  }

  /**
   * Finishes every operation due by now, in the order they fall due, then applies what else fell due for a
   * machine (pool instances done booting or removed, demand steps); each machine's billed time is added up
   * before it changes, its sessions moved after. Costs what fell due, not the fleet.
   */
  settle(): void {
    const now = this.now();
    const changed = new Set<Resource>();
    this.operations.finishDue(now, (op) => {
      this.workloads.accrue(op.resource, now);
      changed.add(op.resource);
    });
    for (let wake = this.wakes.peek(); wake && wake.at <= now; wake = this.wakes.peek()) {
      this.wakes.pop();
      if (this.wakeAt.get(wake.resource) === wake.at) this.wakeAt.delete(wake.resource);
      changed.add(wake.resource);
    }
    for (const resource of changed) {
      // A machine deleted by its operation is gone: nothing of it moves any more.
      if (this.registry.get(resource.key) !== resource) continue;
      this.workloads.accrue(resource, now);
      if (resource.kind === 'pool') settleInstances(resource, now);
      this.moveSessions(resource, now);
    }
  }

  /** Moves the machine's sessions to what it serves now, and wakes it when its next change falls due. */
  private moveSessions(resource: Resource, now: number): void {
    this.workloads.serve(resource, now);
    const next = nextChangeAt(resource, this.workloads.nextDemandAt(resource));
    if (next === undefined) return;
    const queued = this.wakeAt.get(resource);
    // An earlier wake still to come will look again; one already past (or none) must not be relied on.
    if (queued !== undefined && queued > now && queued <= next) return;
    this.wakeAt.set(resource, next);
    this.wakes.push({ at: next, resource });
  }

  /** When the next in-progress operation falls due, for hosts that settle on a real timer. */
  nextCompletionAt(): number | undefined {
    return this.operations.nextCompletionAt();
  }

  private beginDelete(resource: Resource, context: ActionContext): Operation {
    const kind = kindOf(resource);
    const failure = failureFor(resource, context.origin, () => defaultFailure(resource, 'delete'));
    const op = this.operations.start({
      resource,
      operationName: `${kind.type}/delete`,
      category: 'delete',
      durationInMs: resource.durations.delete,
      origin: context.origin,
      failure,
    });
    const undoShown = kind.showDeleting?.(resource);
    resource.deleting = true;
    op.finish = () => this.registry.delete(resource);
    op.rollBack = () => {
      resource.deleting = false;
      undoShown?.();
    };
    return op;
  }

  private add<R extends Resource>(resource: R): R {
    this.registry.add(resource);
    this.workloads.added(resource);
    return resource;
  }

  private newResource(id: string, kind: Resource['kind'], options: ResourceOptions): ResourceBase {
    const parsed = this.registry.claim(id, kind);
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
}

/** When the next of a machine's own changes falls due after the present: a pool instance's, a demand step. */
function nextChangeAt(resource: Resource, nextDemandAt: number | undefined): number | undefined {
  let next = nextDemandAt;
  if (resource.kind !== 'pool') return next;
  for (const instance of resource.instances) {
    for (const at of [instance.transition?.endsAt, instance.removalEndsAt]) {
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
  }
  return next;
}

/** What the resource event says about a finished operation. */
function finishedOperation(op: Operation): FinishedOperation {
  return {
    resourceId: op.resource.id,
    subscriptionId: op.resource.parsed.subscriptionId,
    resourceProvider: kindOf(op.resource).provider,
    operationName: op.operationName,
    category: op.category,
    succeeded: op.status === 'Succeeded',
    finishedAt: op.completesAt,
    caller: op.origin.caller,
    correlationId: op.origin.correlationId,
    httpMethod: op.origin.httpMethod,
    url: op.origin.url,
  };
}
