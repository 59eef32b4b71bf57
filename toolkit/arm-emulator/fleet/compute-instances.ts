// Emulated Azure ML compute instances: what one is, how it is added, and what start, stop and restart do
// to it over time, with the `lastOperation` Azure ML reports.

import { ArmError } from '../arm-error.js';
import {
  planComputeInstanceAction,
  type ComputeInstanceAction,
  type ComputeInstanceState,
} from '../power-states.js';
import { defaultFailure, type ActionContext, type Operation } from './operations.js';
import { beginPlanned } from './planned-actions.js';
import {
  ML_PROVIDER,
  type ResourceBase,
  type ResourceKind,
  type ResourceOptions,
  type Transition,
} from './resource.js';

export interface ComputeInstance extends ResourceBase {
  kind: 'computeInstance';
  vmSize: string;
  state: ComputeInstanceState;
  transition?: Transition<ComputeInstanceState>;
  lastOperation?: { name: string; at: number; status: string };
}

export interface ComputeInstanceOptions extends ResourceOptions {
  state?: ComputeInstanceState;
  vmSize?: string;
}

export const computeInstanceKind: ResourceKind<ComputeInstance> = {
  type: `${ML_PROVIDER}/workspaces/computes`,
  provider: ML_PROVIDER,
  busy: (instance) => `the compute instance is ${instance.state}`,
  // Azure ML answers a busy instance with a bare 409 Conflict.
  conflict: (reason) => new ArmError(409, 'Conflict', reason),
  showDeleting: (instance) => {
    const before = instance.state;
    instance.state = 'Deleting';
    return () => (instance.state = before);
  },
};

export function newComputeInstance(base: ResourceBase, options: ComputeInstanceOptions): ComputeInstance {
  return {
    ...base,
    kind: 'computeInstance',
    vmSize: options.vmSize ?? 'STANDARD_DS3_V2',
    state: options.state ?? 'Running',
  };
}

export function beginComputeInstanceAction(
  instance: ComputeInstance,
  action: ComputeInstanceAction,
  context: ActionContext,
): Operation {
  const plan = planComputeInstanceAction(instance.state, action, instance.parsed.name);
  const label = action.charAt(0).toUpperCase() + action.slice(1);
  const at = context.clock.now();
  const op = beginPlanned(
    instance,
    {
      plan,
      operationName: `${computeInstanceKind.type}/${action}/action`,
      durationInMs: instance.durations[action],
      from: instance.state,
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
      conflict: computeInstanceKind.conflict,
      defaultFailure: () => defaultFailure(instance, action),
    },
    context,
  );
  if (op.status === 'InProgress') instance.lastOperation = { name: label, at, status: 'InProgress' };
  return op;
}
