// Turns what Azure reports for each kind of machine into the scheduler's power states. Pure, so the
// rules (a powered-off VM still bills, a pool at zero is stopped) are pinned by small tests.

import type { PowerState, TargetState } from './gateway.js';

const VM_POWER: Record<string, PowerState> = {
  'powerstate/running': 'running',
  'powerstate/starting': 'starting',
  'powerstate/stopping': 'stopping',
  'powerstate/deallocating': 'stopping',
  'powerstate/deallocated': 'stopped',
  // Powered off but still allocated: it bills, so for the scheduler it is not stopped.
  'powerstate/stopped': 'poweredOff',
};

/** A VM from its instance-view status codes; without a PowerState (e.g. while provisioning) it is unknown. */
export function virtualMachineState(statusCodes: readonly (string | undefined)[]): TargetState {
  const power = statusCodes.find((code) => code?.toLowerCase().startsWith('powerstate/'));
  return {
    power: (power === undefined ? undefined : VM_POWER[power.toLowerCase()]) ?? 'unknown',
    raw: power ?? 'PowerState/unknown',
  };
}

const COMPUTE_INSTANCE_STATE: Record<string, PowerState> = {
  running: 'running',
  jobrunning: 'running',
  stopped: 'stopped',
  starting: 'starting',
  restarting: 'starting',
  creating: 'starting',
  settingup: 'starting',
  usersettingup: 'starting',
  stopping: 'stopping',
  deleting: 'stopping',
};

/** An Azure ML compute instance from `properties.properties.state`; failed and unusable states are unknown. */
export function computeInstanceState(state: string | undefined): TargetState {
  return {
    power: (state === undefined ? undefined : COMPUTE_INSTANCE_STATE[state.toLowerCase()]) ?? 'unknown',
    raw: state ?? 'Unknown',
  };
}

/**
 * A pool from `sku.capacity` and the instance view's `statusesSummary`. Capacity 0 is stopped once the last
 * instance is gone; otherwise any instance in transition, or fewer instances than capacity, decides.
 */
export function poolState(
  capacity: number,
  instances: readonly { code: string; count: number }[],
  recordedWakeCapacity: number | undefined,
): TargetState {
  const count = (code: string): number =>
    instances
      .filter((i) => i.code.toLowerCase() === `powerstate/${code}`)
      .reduce((sum, i) => sum + i.count, 0);
  const total = instances.reduce((sum, i) => sum + i.count, 0);
  const summary = instances.map((i) => `${i.code}×${i.count}`).join(', ');
  const raw = `capacity ${capacity}${summary ? `: ${summary}` : ''}`;
  const base = { raw, capacity, instances: [...instances], recordedWakeCapacity };

  let power: PowerState;
  if (capacity === 0) power = total === 0 ? 'stopped' : 'stopping';
  else if (count('starting') > 0) power = 'starting';
  else if (count('stopping') + count('deallocating') > 0) power = 'stopping';
  else if (count('running') > 0) power = total < capacity ? 'starting' : 'running';
  else if (total === 0) power = 'starting';
  else if (count('deallocated') === total) power = 'stopped';
  else if (count('stopped') > 0) power = 'poweredOff';
  else power = 'unknown';
  return { power, ...base };
}
