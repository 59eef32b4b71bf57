// What each action does to a machine in each power state: the rules Azure applies, as pure functions.
// The fleet asks for a plan, then carries it out over time; nothing here knows about clocks or HTTP.

export type VmPowerState = 'starting' | 'running' | 'stopping' | 'stopped' | 'deallocating' | 'deallocated';
export type VmAction = 'start' | 'deallocate' | 'powerOff' | 'restart';

/** Azure ML's compute instance states (`properties.properties.state`). */
export type ComputeInstanceState =
  | 'Running'
  | 'Stopped'
  | 'Starting'
  | 'Stopping'
  | 'Restarting'
  | 'JobRunning'
  | 'SettingUp'
  | 'UserSettingUp'
  | 'Creating'
  | 'Deleting'
  | 'CreateFailed'
  | 'SetupFailed'
  | 'UserSetupFailed'
  | 'Unusable'
  | 'Unknown';
export type ComputeInstanceAction = 'start' | 'stop' | 'restart';

/**
 * What an action will do: nothing (already there, Azure still answers 202), a transition shown as
 * `through` until it ends in `to`, a synchronous 409 (`refused`), or an accepted operation that ends
 * Failed with `error` (how Azure ML answers a start on a running instance).
 */
export type Plan<S> =
  | { change: 'none' }
  | { change: 'transition'; through: S; to: S }
  | { change: 'refused'; reason: string }
  | { change: 'fails'; error: { code: string; message: string } };

const VM_TRANSITIONAL: ReadonlySet<VmPowerState> = new Set(['starting', 'stopping', 'deallocating']);

export function isVmTransitional(state: VmPowerState): boolean {
  return VM_TRANSITIONAL.has(state);
}

export function planVmAction(state: VmPowerState, action: VmAction, name: string): Plan<VmPowerState> {
  if (isVmTransitional(state)) {
    return {
      change: 'refused',
      reason: `Operation '${action}' is not allowed on VM '${name}' since the VM is ${state}. Retry after the current operation completes.`,
    };
  }
  switch (action) {
    case 'start':
      return state === 'running'
        ? { change: 'none' }
        : { change: 'transition', through: 'starting', to: 'running' };
    case 'deallocate':
      return state === 'deallocated'
        ? { change: 'none' }
        : { change: 'transition', through: 'deallocating', to: 'deallocated' };
    case 'powerOff':
      // A deallocated VM is already off; powering it off changes nothing (and would not re-allocate it).
      return state === 'running'
        ? { change: 'transition', through: 'stopping', to: 'stopped' }
        : { change: 'none' };
    case 'restart':
      return state === 'running'
        ? { change: 'transition', through: 'starting', to: 'running' }
        : {
            change: 'refused',
            reason: `Operation 'restart' is not allowed on VM '${name}' since the VM is ${state}. Start the VM instead.`,
          };
  }
}

const CI_BUSY: ReadonlySet<ComputeInstanceState> = new Set([
  'Starting',
  'Stopping',
  'Restarting',
  'SettingUp',
  'UserSettingUp',
  'Creating',
  'Deleting',
]);

export function isComputeInstanceBusy(state: ComputeInstanceState): boolean {
  return CI_BUSY.has(state);
}

export function planComputeInstanceAction(
  state: ComputeInstanceState,
  action: ComputeInstanceAction,
  name: string,
): Plan<ComputeInstanceState> {
  if (isComputeInstanceBusy(state)) {
    return {
      change: 'refused',
      reason: `Compute instance '${name}' is ${state}; '${action}' is not allowed until that operation completes.`,
    };
  }
  const running = state === 'Running' || state === 'JobRunning';
  switch (action) {
    case 'start':
      // Azure ML accepts the call and fails the operation: start only works on a stopped instance.
      return state === 'Stopped'
        ? { change: 'transition', through: 'Starting', to: 'Running' }
        : {
            change: 'fails',
            error: {
              code: 'StartComputeInstanceOnlyAllowedInStoppedState',
              message: `Start Azure ML Compute Instance is only allowed when the instance ${name} is in 'stopped' state`,
            },
          };
    case 'stop':
      return running
        ? { change: 'transition', through: 'Stopping', to: 'Stopped' }
        : {
            change: 'fails',
            error: {
              code: 'StopComputeInstanceOnlyAllowedInRunningState',
              message: `Stop Azure ML Compute Instance is only allowed when the instance ${name} is in 'running' state`,
            },
          };
    case 'restart':
      return running
        ? { change: 'transition', through: 'Restarting', to: 'Running' }
        : {
            change: 'fails',
            error: {
              code: 'RestartComputeInstanceOnlyAllowedInRunningState',
              message: `Restart Azure ML Compute Instance is only allowed when the instance ${name} is in 'running' state`,
            },
          };
  }
}
