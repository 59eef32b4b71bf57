// The JSON Azure returns for each emulated resource, its instance view and operation status, in the
// shapes the SDKs deserialize (Compute api-version 2026-03-01, Machine Learning 2022-10-01).

import type { ComputeInstance } from './fleet/compute-instances.js';
import type { Operation } from './fleet/operations.js';
import {
  scaleSetEtag,
  shownInstancePower,
  type ScaleSet,
  type ScaleSetInstance,
} from './fleet/scale-sets.js';
import { shownVmPower, type VirtualMachine } from './fleet/virtual-machines.js';
import type { VmPowerState } from './power-states.js';

interface InstanceViewStatus {
  code: string;
  level: 'Info' | 'Error';
  displayStatus: string;
  time?: string;
  message?: string;
}

const POWER_DISPLAY: Record<VmPowerState, string> = {
  starting: 'VM starting',
  running: 'VM running',
  stopping: 'VM stopping',
  stopped: 'VM stopped',
  deallocating: 'VM deallocating',
  deallocated: 'VM deallocated',
};

function iso(instant: number): string {
  return new Date(instant).toISOString();
}

/** `properties.provisioningState`: Updating while an operation runs, Failed after one failed. */
export function provisioningState(resource: VirtualMachine | ScaleSet): string {
  if (resource.deleting) return 'Deleting';
  if (resource.busyWith) return 'Updating';
  return resource.failedWith ? 'Failed' : 'Succeeded';
}

function provisioningStatus(resource: VirtualMachine | ScaleSet): InstanceViewStatus {
  const state = provisioningState(resource);
  const time = iso(resource.busyWith?.startedAt ?? resource.createdAt);
  if (state === 'Failed') {
    return {
      code: `ProvisioningState/failed/${resource.failedWith ?? 'InternalExecutionError'}`,
      level: 'Error',
      displayStatus: 'Provisioning failed',
      time,
    };
  }
  return {
    code: `ProvisioningState/${state.toLowerCase()}`,
    level: 'Info',
    displayStatus: state === 'Succeeded' ? 'Provisioning succeeded' : state,
    time,
  };
}

export function virtualMachineInstanceView(vm: VirtualMachine): Record<string, unknown> {
  const power = shownVmPower(vm);
  return {
    computerName: vm.parsed.name,
    osName: 'ubuntu',
    osVersion: '22.04',
    statuses: [
      provisioningStatus(vm),
      { code: `PowerState/${power}`, level: 'Info', displayStatus: POWER_DISPLAY[power] },
    ],
  };
}

export function virtualMachine(
  vm: VirtualMachine,
  options: { instanceView: boolean },
): Record<string, unknown> {
  return {
    id: vm.id,
    name: vm.parsed.name,
    type: 'Microsoft.Compute/virtualMachines',
    location: vm.location,
    tags: vm.tags,
    properties: {
      vmId: vm.vmId,
      hardwareProfile: { vmSize: vm.vmSize },
      provisioningState: provisioningState(vm),
      timeCreated: iso(vm.createdAt),
      ...(options.instanceView ? { instanceView: virtualMachineInstanceView(vm) } : {}),
    },
  };
}

export function scaleSet(pool: ScaleSet): Record<string, unknown> {
  return {
    id: pool.id,
    name: pool.parsed.name,
    type: 'Microsoft.Compute/virtualMachineScaleSets',
    etag: scaleSetEtag(pool),
    location: pool.location,
    tags: pool.tags,
    sku: { name: pool.vmSize, tier: 'Standard', capacity: pool.capacity },
    properties: {
      uniqueId: pool.uniqueId,
      provisioningState: provisioningState(pool),
      orchestrationMode: 'Uniform',
      upgradePolicy: { mode: 'Manual' },
      overprovision: false,
      singlePlacementGroup: true,
      timeCreated: iso(pool.createdAt),
    },
  };
}

/** `virtualMachine.statusesSummary` counts instances by the power state they show, in a stable order. */
export function scaleSetInstanceView(pool: ScaleSet): Record<string, unknown> {
  const counts = new Map<string, number>();
  for (const instance of pool.instances) {
    const code = `PowerState/${shownInstancePower(instance)}`;
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  const statusesSummary = [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([code, count]) => ({ code, count }));
  return {
    virtualMachine: { statusesSummary },
    extensions: [],
    statuses: [provisioningStatus(pool)],
  };
}

/** An instance's `provisioningState`: Creating while a scale-out adds it, Deleting while it is removed. */
export function instanceProvisioningState(instance: ScaleSetInstance): string {
  if (instance.removalEndsAt !== undefined) return 'Deleting';
  if (instance.transition && instance.transition.from === undefined) return 'Creating';
  return 'Succeeded';
}

/** The name Azure gives a Uniform scale set's instance, also its `VMName` in Azure Monitor. */
export function scaleSetInstanceName(pool: ScaleSet, instanceId: string): string {
  return `${pool.parsed.name}_${instanceId}`;
}

/** One scale-set instance as `…/virtualMachines` lists it; with `instanceView` when asked for. */
export function scaleSetVm(
  pool: ScaleSet,
  instance: ScaleSetInstance,
  options: { instanceView: boolean },
): Record<string, unknown> {
  const provisioning = instanceProvisioningState(instance);
  const power = shownInstancePower(instance);
  const name = scaleSetInstanceName(pool, instance.instanceId);
  return {
    id: `${pool.id}/virtualMachines/${instance.instanceId}`,
    name,
    type: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines',
    location: pool.location,
    instanceId: instance.instanceId,
    sku: { name: pool.vmSize, tier: 'Standard' },
    properties: {
      latestModelApplied: true,
      vmId: instance.vmId,
      provisioningState: provisioning,
      timeCreated: iso(instance.createdAt),
      hardwareProfile: { vmSize: pool.vmSize },
      protectionPolicy: {
        protectFromScaleIn: instance.protectFromScaleIn,
        protectFromScaleSetActions: false,
      },
      ...(options.instanceView
        ? {
            instanceView: {
              platformUpdateDomain: 0,
              platformFaultDomain: 0,
              computerName: name,
              statuses: [
                {
                  code: `ProvisioningState/${provisioning.toLowerCase()}`,
                  level: 'Info',
                  displayStatus: provisioning === 'Succeeded' ? 'Provisioning succeeded' : provisioning,
                  time: iso(instance.createdAt),
                },
                { code: `PowerState/${power}`, level: 'Info', displayStatus: POWER_DISPLAY[power] },
              ],
            },
          }
        : {}),
    },
  };
}

export function computeInstance(instance: ComputeInstance): Record<string, unknown> {
  return {
    id: instance.id,
    name: instance.parsed.name,
    type: 'Microsoft.MachineLearningServices/workspaces/computes',
    location: instance.location,
    tags: instance.tags,
    properties: {
      computeType: 'ComputeInstance',
      computeLocation: instance.location,
      provisioningState: instance.deleting ? 'Deleting' : 'Succeeded',
      createdOn: iso(instance.createdAt),
      modifiedOn: iso(instance.lastOperation?.at ?? instance.createdAt),
      isAttachedCompute: false,
      disableLocalAuth: true,
      properties: {
        vmSize: instance.vmSize,
        state: instance.state,
        applicationSharingPolicy: 'Personal',
        computeInstanceAuthorizationType: 'personal',
        schedules: { computeStartStop: [] },
        ...(instance.lastOperation
          ? {
              lastOperation: {
                operationName: instance.lastOperation.name,
                operationTime: iso(instance.lastOperation.at),
                operationStatus: instance.lastOperation.status,
                operationTrigger: 'User',
              },
            }
          : {}),
      },
    },
  };
}

/** The body of an `Azure-AsyncOperation` poll. */
export function operationStatus(op: Operation): Record<string, unknown> {
  return {
    name: op.id,
    status: op.status,
    startTime: iso(op.startedAt),
    ...(op.status !== 'InProgress' ? { endTime: iso(op.completesAt) } : {}),
    ...(op.status === 'Failed' && op.failure
      ? { error: { code: op.failure.code, message: op.failure.message } }
      : {}),
  };
}
