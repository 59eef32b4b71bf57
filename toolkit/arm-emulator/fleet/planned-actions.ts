// Actions on one machine (a VM, a compute instance) as power-states.ts plans them: refused with a 409,
// failed, accepted with nothing to do, or shown as a transition until the operation ends.

import type { ArmError } from '../arm-error.js';
import type { Plan } from '../power-states.js';
import type { ComputeInstance } from './compute-instances.js';
import { failureFor, type ActionContext, type Operation } from './operations.js';
import type { OperationError, Transition } from './resource.js';
import type { VirtualMachine } from './virtual-machines.js';

/** One planned action and what carrying it out does to the machine. */
export interface PlannedAction<S> {
  plan: Plan<S>;
  operationName: string;
  durationInMs: number;
  /** The state the machine is in before the action. */
  from: S;
  show: (transition: Transition<S>) => void;
  finish: (transition: Transition<S> | undefined) => void;
  rollBack: (code: string) => void;
  conflict: (reason: string) => ArmError;
  defaultFailure: () => OperationError;
}

/** Starts the operation for a planned action; throws the action's conflict when the plan refuses it. */
export function beginPlanned<S>(
  machine: VirtualMachine | ComputeInstance,
  action: PlannedAction<S>,
  context: ActionContext,
): Operation {
  const { plan } = action;
  if (plan.change === 'refused') throw action.conflict(plan.reason);
  let transition: Transition<S> | undefined;
  let duration = 0;
  let failure: OperationError | undefined;
  if (plan.change === 'fails') failure = plan.error;
  if (plan.change === 'transition') {
    transition = { from: action.from, through: plan.through, to: plan.to };
    duration = action.durationInMs;
  }
  failure ??= failureFor(machine, context.origin, action.defaultFailure);
  const op = context.operations.start({
    resource: machine,
    operationName: action.operationName,
    category: 'action',
    durationInMs: duration,
    origin: context.origin,
    failure,
  });
  op.finish = () => action.finish(transition);
  op.rollBack = () => action.rollBack(failure?.code ?? 'Failed');
  if (transition) action.show(transition);
  return op;
}
