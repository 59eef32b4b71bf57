// The port through which the engine reads and changes machines: no Azure types cross it.
// Adapters (ARM through the real SDKs) implement it; the engine depends on this file only.

import type { DesiredState } from '../schedule/types.js';
import type { TargetKind } from '../targets/resource-id.js';

export type { TargetKind };
export * from './errors.js';

/** A machine the scheduler acts on: what the gateway needs to know of a registered target. */
export interface Machine {
  /** ARM resource id; compared case-insensitively. */
  resourceId: string;
  kind: TargetKind;
  /** Pools only: the capacity a Start scales back up to (else the capacity recorded at the last Stop, else 1). */
  wakeCapacity?: number;
}

export type TargetAction = 'start' | 'stop' | 'restart';

/**
 * Power state in the scheduler's terms. `stopped` means compute no longer bills (a deallocated VM, a pool at
 * zero, a stopped ML instance); `poweredOff` is a VM or pool that is off but still allocated and billing,
 * which a Stop still has to deallocate.
 */
export type PowerState = 'running' | 'starting' | 'stopping' | 'stopped' | 'poweredOff' | 'unknown';

export interface TargetState {
  power: PowerState;
  /** Azure's own words, e.g. `PowerState/deallocated`, `Running`, or a pool's instance summary. */
  raw: string;
  /** Pools only: `sku.capacity`. */
  capacity?: number;
  /** Pools only: instances by power state code, e.g. `[{ code: 'PowerState/running', count: 2 }]`. */
  instances?: { code: string; count: number }[];
  /** Pools only: the capacity recorded on the pool when the scheduler last scaled it to zero. */
  recordedWakeCapacity?: number;
}

export interface ActResult {
  action: TargetAction;
  /**
   * `completed`: Azure reported the operation done. `accepted`: Azure took it but completion was not
   * observed (not awaited, or polling was throttled or cut short). `alreadyInState`: nothing needed doing.
   */
  outcome: 'completed' | 'accepted' | 'alreadyInState';
  /** The ARM operation used, e.g. `deallocate`, `scale`, `start`. Absent when nothing was called. */
  operation?: string;
  /** Pools scaled by this action: capacity before and after. */
  capacity?: { from: number; to: number };
  /** Why completion was not observed, for `accepted`. */
  note?: string;
}

export interface ReadStateOptions {
  abortSignal?: AbortSignal;
}

export interface ActOptions {
  abortSignal?: AbortSignal;
  /**
   * Wait until Azure reports the operation finished, or only until it accepted the call. No default: the
   * caller decides (the executor from `SCHEDULER_WAIT_FOR_COMPLETION`, see `ExecuteOptions`).
   */
  waitForCompletion: boolean;
}

export interface ComputeGateway {
  readState(target: Machine, options?: ReadStateOptions): Promise<TargetState>;
  act(target: Machine, action: TargetAction, options: ActOptions): Promise<ActResult>;
}

/** Whether a target is where a schedule wants it: Running means running; Stopped means no longer billing. */
export function isInDesiredState(state: TargetState, desired: DesiredState): boolean {
  return desired === 'Running' ? state.power === 'running' : state.power === 'stopped';
}
