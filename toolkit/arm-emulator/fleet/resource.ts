// What every emulated resource has, whatever its kind: identity, placement, tags, timing, the operation
// in progress; and what each kind declares about itself so the fleet can treat all kinds alike.

import type { ParsedResourceId } from '../../../src/targets/resource-id.js';
import type { ArmError } from '../arm-error.js';
import type { ComputeInstance } from './compute-instances.js';
import type { DurationsOption, TransitionDurations } from './durations.js';
import type { Operation } from './operations.js';
import type { ScaleSet } from './scale-sets.js';
import type { VirtualMachine } from './virtual-machines.js';

export const COMPUTE_PROVIDER = 'Microsoft.Compute';
export const ML_PROVIDER = 'Microsoft.MachineLearningServices';

export type Resource = VirtualMachine | ScaleSet | ComputeInstance;

/** An error Azure reports on a failed operation. */
export interface OperationError {
  code: string;
  message: string;
}

export interface Transition<S> {
  from: S;
  through: S;
  to: S;
}

export interface ResourceBase {
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
  failNext?: OperationError | 'typical';
}

/** What differs between kinds of resource outside their own actions. */
export interface ResourceKind<R extends Resource> {
  /** ARM resource type, e.g. `Microsoft.Compute/virtualMachines`: delete operations are named after it. */
  type: string;
  /** The provider resource events name. */
  provider: string;
  /** Why a second operation is refused while one runs, e.g. `the VM is starting`. */
  busy: (resource: R) => string;
  /** The error a refused action answers with. */
  conflict: (reason: string) => ArmError;
  /** What a delete shows while it runs; returns how to undo that when the delete fails. */
  showDeleting?: (resource: R) => () => void;
}

/** Options every kind takes when it is added. */
export interface ResourceOptions {
  location?: string;
  tags?: Record<string, string>;
  transitionDurationsInMs?: DurationsOption;
}
