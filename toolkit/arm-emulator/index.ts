// A local Azure Resource Manager for compute: VMs, scale sets and Azure ML compute instances over HTTPS,
// with long-running operations, documented throttling, resource events and injected faults.

export { startArmEmulator } from './server.js';
export type { ArmEmulator, ArmEmulatorOptions, RequestLogEntry } from './server.js';
export type { ResourceAction, ResourceState } from './control.js';
export { ArmError } from './arm-error.js';
export type { DenyAssignment, PermissionOptions, RoleAssignment } from './role-assignments.js';
export { emulatorCredential, type EmulatorIdentity } from './caller.js';
export type { EventGridOptions, ResourceEvent, ResourceEventType } from './event-grid.js';
export { keyedUnit, seededRandom, type FaultOptions, type FaultRequest } from './faults.js';
export {
  defaultTransitionDurations,
  type DurationsOption,
  type TransitionDurations,
} from './fleet/durations.js';
export type { ComputeInstanceOptions } from './fleet/compute-instances.js';
export type { ScaleSetOptions } from './fleet/scale-sets.js';
export {
  CPU_PERCENT_PER_SESSION,
  IDLE_CPU_PERCENT,
  type DemandStep,
  type WorkloadReport,
} from './fleet/workload.js';
export type { PoolMember } from './control.js';
export type { VirtualMachineOptions } from './fleet/virtual-machines.js';
export type { ComputeInstanceState, VmPowerState } from './power-states.js';
export {
  documentedThrottlingLimits,
  type BucketLimit,
  type ComputePolicy,
  type ThrottlingLimits,
} from './throttling.js';
