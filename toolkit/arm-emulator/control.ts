// The control API's view of the fleet, for tests and the simulator: a resource's state in a few plain
// fields, and the actions a person or another tool takes behind the scheduler's back.

import type { FleetAction } from './fleet/fleet.js';
import type { Resource } from './fleet/resource.js';
import { shownInstancePower } from './fleet/scale-sets.js';
import { shownVmPower } from './fleet/virtual-machines.js';
import type { ComputeInstanceState, VmPowerState } from './power-states.js';
import { provisioningState } from './representations.js';

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
      /** Each instance, oldest first. */
      members: PoolMember[];
      provisioningState: string;
      tags: Record<string, string>;
    }
  | { kind: 'computeInstance'; id: string; state: ComputeInstanceState; tags: Record<string, string> };

/** One scale-set instance as the control API shows it. */
export interface PoolMember {
  instanceId: string;
  power: VmPowerState;
  protectFromScaleIn: boolean;
  /** A scale-in or a delete by id is removing it. */
  deleting: boolean;
  createdAt: number;
}

/** What a person or another tool can do to a resource behind the scheduler's back. */
export type ResourceAction = 'start' | 'stop' | 'deallocate' | 'powerOff' | 'restart' | 'delete' | 'scale';

/** A resource's state as the control API shows it, transitions included. */
export function resourceState(resource: Resource): ResourceState {
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
        members: resource.instances.map((instance) => ({
          instanceId: instance.instanceId,
          power: shownInstancePower(instance),
          protectFromScaleIn: instance.protectFromScaleIn,
          deleting: instance.removalEndsAt !== undefined,
          createdAt: instance.createdAt,
        })),
        provisioningState: provisioningState(resource),
        tags,
      };
    }
    case 'computeInstance':
      return { kind: 'computeInstance', id: resource.id, state: resource.state, tags };
  }
}

/** The fleet's action for a control-API action on a resource of this kind; throws when it has none. */
export function fleetAction(kind: Resource['kind'], action: ResourceAction, capacity?: number): FleetAction {
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
