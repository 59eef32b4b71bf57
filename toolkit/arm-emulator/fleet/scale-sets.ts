// Emulated scale sets (the scheduler's pools): what one is, how it is added, and what start, deallocate,
// power off, restart and capacity changes do to its instances, each instance on its own time.

import { createHash, randomUUID } from 'node:crypto';
import { ArmError, operationNotAllowed } from '../arm-error.js';
import { planVmAction, type VmAction, type VmPowerState } from '../power-states.js';
import { defaultFailure, failureFor, type ActionContext, type Operation } from './operations.js';
import { COMPUTE_PROVIDER, type ResourceBase, type ResourceKind, type ResourceOptions } from './resource.js';
import type { VmPowerStateOption } from './virtual-machines.js';

export interface ScaleSetInstance {
  instanceId: string;
  /** Azure's `vmId`: a new one for every instance ever created. */
  vmId: string;
  /** When the instance was created (`timeCreated`). */
  createdAt: number;
  /** `protectionPolicy.protectFromScaleIn`: a capacity decrease never picks this instance. */
  protectFromScaleIn: boolean;
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
  /** Model writes (PATCHes) so far: with the capacity and tags, what the ETag changes with. */
  writes: number;
}

export interface ScaleSetOptions extends ResourceOptions {
  capacity: number;
  /** Power state of the existing instances. Default running. */
  powerState?: VmPowerStateOption;
  vmSize?: string;
}

/** A PATCH: the new capacity and tags, each left as it is when absent. */
export interface ScaleSetUpdate {
  capacity?: number;
  tags?: Record<string, string>;
}

export const scaleSetKind: ResourceKind<ScaleSet> = {
  type: `${COMPUTE_PROVIDER}/virtualMachineScaleSets`,
  provider: COMPUTE_PROVIDER,
  busy: (pool) => `another operation (${pool.busyWith?.operationName}) is in progress`,
  conflict: operationNotAllowed,
};

function newInstance(instanceId: string, createdAt: number, power: VmPowerState): ScaleSetInstance {
  return { instanceId, vmId: randomUUID(), createdAt, protectFromScaleIn: false, power };
}

/** Refuses a capacity no scale set can have, before anything else is checked. */
export function checkCapacity(capacity: number): void {
  if (!Number.isInteger(capacity) || capacity < 0) {
    throw new RangeError(`arm-emulator: scale set capacity must be a whole number ≥ 0, not ${capacity}`);
  }
}

export function newScaleSet(base: ResourceBase, options: ScaleSetOptions): ScaleSet {
  const power = options.powerState ?? 'running';
  return {
    ...base,
    kind: 'pool',
    uniqueId: randomUUID(),
    vmSize: options.vmSize ?? 'Standard_NC4as_T4_v3',
    capacity: options.capacity,
    instances: Array.from({ length: options.capacity }, (_, index) =>
      newInstance(String(index), base.createdAt, power),
    ),
    nextInstanceId: options.capacity,
    writes: 0,
  };
}

/**
 * The scale set's ETag: it changes with every write of the model and every change of capacity or tags,
 * however made (a PATCH, a delete of instances, a failed scale rolled back), as Azure's does. Instances
 * changing power state leave it as it is.
 */
export function scaleSetEtag(pool: ScaleSet): string {
  const model = JSON.stringify([pool.uniqueId, pool.writes, pool.capacity, pool.tags]);
  return `"${createHash('sha256').update(model).digest('hex').slice(0, 16)}"`;
}

/**
 * A conditional write (`If-Match`) goes ahead only on the model it was made from: `*` matches any, an
 * absent header matches always; anything else is Azure's 412.
 */
export function checkIfMatch(pool: ScaleSet, ifMatch: string | undefined): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const current = scaleSetEtag(pool);
  if (ifMatch.split(',').some((tag) => tag.trim() === current)) return;
  throw new ArmError(
    412,
    'PreconditionFailed',
    `The precondition 'If-Match: ${ifMatch}' failed: scale set '${pool.parsed.name}' is now at ETag ${current}.`,
  );
}

/** Start, deallocate, power off or restart every instance; a restart with none running is a 409. */
export function beginScaleSetAction(pool: ScaleSet, action: VmAction, context: ActionContext): Operation {
  const now = context.clock.now();
  const duration = pool.durations[action];
  const live = liveInstances(pool);
  const changing = live.flatMap((instance) => {
    const plan = planVmAction(instance.power, action, pool.parsed.name);
    return plan.change === 'transition' ? [{ instance, plan }] : [];
  });
  if (action === 'restart' && live.length > 0 && changing.length === 0) {
    throw operationNotAllowed(
      `Operation 'restart' is not allowed on scale set '${pool.parsed.name}' since no instance is running.`,
    );
  }
  const failure = failureFor(pool, context.origin, () => defaultFailure(pool, action));
  const op = context.operations.start({
    resource: pool,
    operationName: `${scaleSetKind.type}/${action}/action`,
    category: 'action',
    durationInMs: changing.length > 0 ? duration : 0,
    origin: context.origin,
    failure,
  });
  for (const { instance, plan } of changing) {
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
export function beginScale(pool: ScaleSet, update: ScaleSetUpdate, context: ActionContext): Operation {
  const now = context.clock.now();
  const live = liveInstances(pool);
  const target = update.capacity ?? pool.capacity;
  const duration = target === live.length ? 0 : pool.durations.scale;
  const failure = failureFor(pool, context.origin, () => defaultFailure(pool, 'start'));
  const op = context.operations.start({
    resource: pool,
    operationName: `${scaleSetKind.type}/write`,
    category: 'write',
    durationInMs: duration,
    origin: context.origin,
    failure,
  });
  if (update.tags) pool.tags = { ...update.tags };
  pool.writes++;
  pool.capacityBefore = pool.capacity;
  // Protected instances stay: a decrease below them leaves the capacity at what is left.
  const kept = live.filter((i) => i.protectFromScaleIn).length;
  pool.capacity = Math.max(target, kept);
  stepCapacity(pool, live, pool.capacity - live.length, { from: now, durationInMs: duration });
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

/**
 * `POST …/delete` with `instanceIds`: removes exactly those instances (protection does not stop a delete the
 * caller asked for by id, as in Azure) and lowers the capacity by as many. Ids already being deleted are
 * left as they are; an id the scale set does not have is a 400 before anything changes.
 */
export function beginDeleteInstances(
  pool: ScaleSet,
  instanceIds: readonly string[],
  context: ActionContext,
): Operation {
  const unknown = instanceIds.filter((id) => !pool.instances.some((i) => i.instanceId === id));
  if (unknown.length > 0) {
    throw new ArmError(
      400,
      'InvalidParameter',
      `The instance ids ${unknown.map((id) => `'${id}'`).join(', ')} are not in scale set '${pool.parsed.name}'.`,
      { details: [{ code: 'InvalidParameter', target: 'instanceIds', message: 'Unknown instance id.' }] },
    );
  }
  const chosen = liveInstances(pool).filter((i) => instanceIds.includes(i.instanceId));
  const now = context.clock.now();
  const duration = chosen.length > 0 ? pool.durations.delete : 0;
  const op = context.operations.start({
    resource: pool,
    operationName: `${scaleSetKind.type}/delete/action`,
    category: 'action',
    durationInMs: duration,
    origin: context.origin,
    failure: failureFor(pool, context.origin, () => defaultFailure(pool, 'delete')),
  });
  pool.capacityBefore = pool.capacity;
  pool.capacity = Math.max(0, pool.capacity - chosen.length);
  for (const instance of chosen) instance.removalEndsAt = now + duration;
  op.finish = () => {
    finishInstances(pool);
    pool.capacityBefore = undefined;
    pool.failedWith = undefined;
  };
  op.rollBack = () => {
    rollBackInstances(pool);
    pool.capacity = pool.capacityBefore ?? pool.instances.length;
    pool.capacityBefore = undefined;
  };
  return op;
}

/** `PUT …/virtualMachines/{id}` with `protectionPolicy`: applies at once (the model of one instance). */
export function protectInstance(
  pool: ScaleSet,
  instanceId: string,
  protectFromScaleIn: boolean,
): ScaleSetInstance {
  const instance = pool.instances.find((i) => i.instanceId === instanceId);
  if (!instance) throw instanceNotFound(pool, instanceId);
  instance.protectFromScaleIn = protectFromScaleIn;
  return instance;
}

export function instanceNotFound(pool: ScaleSet, instanceId: string): ArmError {
  return new ArmError(
    404,
    'NotFound',
    `The entity was not found: instance '${instanceId}' of scale set '${pool.parsed.name}'.`,
  );
}

/** Spreads `change` instance creations (or removals, when negative) evenly across the scale's duration. */
function stepCapacity(
  pool: ScaleSet,
  live: ScaleSetInstance[],
  change: number,
  over: { from: number; durationInMs: number },
): void {
  const removable = live.filter((i) => !i.protectFromScaleIn);
  const steps = change > 0 ? change : Math.min(-change, removable.length);
  for (let step = 0; step < steps; step++) {
    const endsAt = over.from + Math.round((over.durationInMs * (step + 1)) / steps);
    if (change > 0) {
      const instance = newInstance(String(pool.nextInstanceId++), over.from, 'starting');
      instance.transition = { through: 'starting', to: 'running', endsAt };
      pool.instances.push(instance);
    } else {
      // Scale-in removes the newest instances first, like Azure's default scale-in policy, and never one
      // protected from scale-in.
      const instance = removable[removable.length - 1 - step];
      if (instance) instance.removalEndsAt = endsAt;
    }
  }
}

/** Instances that are not being removed by a scale-in. */
function liveInstances(pool: ScaleSet): ScaleSetInstance[] {
  return pool.instances.filter((i) => i.removalEndsAt === undefined);
}

/** Applies instance changes that are due; the operation itself finishes when the last one is. */
export function settleInstances(pool: ScaleSet, now: number): void {
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
