// Emulated virtual machines: what one is, how it is added, and what start, deallocate, power off and
// restart do to it over time.

import { randomUUID } from 'node:crypto';
import { operationNotAllowed } from '../arm-error.js';
import { planVmAction, type VmAction, type VmPowerState } from '../power-states.js';
import { defaultFailure, type ActionContext, type Operation } from './operations.js';
import { beginPlanned } from './planned-actions.js';
import {
  COMPUTE_PROVIDER,
  type ResourceBase,
  type ResourceKind,
  type ResourceOptions,
  type Transition,
} from './resource.js';

export interface VirtualMachine extends ResourceBase {
  kind: 'vm';
  vmId: string;
  vmSize: string;
  power: VmPowerState;
  transition?: Transition<VmPowerState>;
  /** Code of the last failed operation, shown as `ProvisioningState/failed/{code}` until the next success. */
  failedWith?: string;
}

export type VmPowerStateOption = 'running' | 'stopped' | 'deallocated';

export interface VirtualMachineOptions extends ResourceOptions {
  powerState?: VmPowerStateOption;
  vmSize?: string;
}

export const virtualMachineKind: ResourceKind<VirtualMachine> = {
  type: `${COMPUTE_PROVIDER}/virtualMachines`,
  provider: COMPUTE_PROVIDER,
  busy: (vm) => `the VM is ${shownVmPower(vm)}`,
  conflict: operationNotAllowed,
};

export function newVirtualMachine(base: ResourceBase, options: VirtualMachineOptions): VirtualMachine {
  return {
    ...base,
    kind: 'vm',
    vmId: randomUUID(),
    vmSize: options.vmSize ?? 'Standard_D2s_v5',
    power: options.powerState ?? 'running',
  };
}

export function beginVmAction(vm: VirtualMachine, action: VmAction, context: ActionContext): Operation {
  const plan = planVmAction(vm.power, action, vm.parsed.name);
  return beginPlanned(
    vm,
    {
      plan,
      operationName: `${virtualMachineKind.type}/${action}/action`,
      durationInMs: vm.durations[action],
      from: vm.power,
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
      conflict: virtualMachineKind.conflict,
      defaultFailure: () => defaultFailure(vm, action),
    },
    context,
  );
}

/** The power state a VM shows right now. */
export function shownVmPower(vm: VirtualMachine): VmPowerState {
  return vm.transition?.through ?? vm.power;
}
