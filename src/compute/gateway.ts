// The port through which the engine reads and changes machines: no Azure types cross it.
// Adapters (ARM through the real SDKs) implement it; the engine depends on this file only.

import type { DesiredState } from '../schedule/types.js';
import type { TargetKind } from '../targets/resource-id.js';
import type { PoolGateway } from './pool-gateway.js';

export type { TargetKind };
export * from './errors.js';
export type * from './pool-gateway.js';

/** A machine the scheduler acts on: what the gateway needs to know of a registered target. */
export interface Machine {
  /** ARM resource id; compared case-insensitively. */
  resourceId: string;
  kind: TargetKind;
  /** Pools only: the capacity a Start scales back up to (else the capacity recorded at the last Stop, else 1). */
  wakeCapacity?: number;
}

/**
 * What to do to a machine. `stop` means "stop billing for compute": deallocate a VM (never a plain
 * power-off), scale a pool to zero, stop an ML compute instance.
 */
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
  /** Pools only: the scale set's tags as read (a Stop keeps them when it records the wake capacity). */
  tags?: Record<string, string>;
  /** Pools only: the scale set's ETag as read; a write made from this state is conditional on it (If-Match). */
  etag?: string;
}

/**
 * A pool's model as the scale set's GET gives it: what a Start or Stop is written from, and the ETag that
 * makes that write conditional (If-Match).
 */
export interface PoolModel {
  capacity: number;
  tags: Record<string, string>;
  etag?: string;
}

/**
 * A pool as its model alone tells it, when its instances could not be read: at capacity 0 it is stopped or
 * on its way there, which is all a Stop needs to know; above 0 the instances' power is unknown.
 */
export function poolModelState(model: PoolModel): TargetState {
  const { capacity, tags, etag } = model;
  return {
    power: capacity === 0 ? 'stopping' : 'unknown',
    raw: capacity === 0 ? 'capacity 0' : `capacity ${capacity}, instances not read`,
    capacity,
    tags: { ...tags },
    ...(etag ? { etag } : {}),
  };
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

/** Options of {@link ComputeGateway.readState}. */
export interface ReadStateOptions {
  /** Abandons the call; it then rejects with the abort error, not a ComputeError. */
  abortSignal?: AbortSignal;
}

/** Options of {@link ComputeGateway.act}. */
export interface ActOptions {
  /** Abandons the call; it then rejects with the abort error, not a ComputeError. */
  abortSignal?: AbortSignal;
  /**
   * Wait until Azure reports the operation finished, or only until it accepted the call. No default: the
   * caller decides (the executor from `SCHEDULER_WAIT_FOR_COMPLETION`, see `ExecuteOptions`).
   */
  waitForCompletion: boolean;
  /**
   * The state the caller has just read with readState: the gateway then acts without reading the machine
   * again (a pool's Start or Stop is one PATCH instead of a GET and a PATCH), which keeps an action within
   * its retry budget when reads are throttled. Absent: the gateway reads what it needs.
   */
  knownState?: TargetState;
}

/**
 * Reads and changes machines in the scheduler's terms, pools' instances included ({@link PoolGateway}).
 * Implementations map every failure onto the ComputeError family (`./errors.ts`), whose `retryable` flag and
 * class tell the executor whether to retry through the queue, fail the run or give up; they never sleep long
 * inside a call.
 */
export interface ComputeGateway extends PoolGateway {
  /**
   * The machine's power state now.
   * @returns the state; `stopped` only when compute no longer bills
   * @throws TargetNotFoundError when the machine (or its resource group or workspace) does not exist
   * @throws AccessDeniedError when the scheduler's identity may not read it
   * @throws ThrottledError with Azure's Retry-After, on a 429
   * @throws TransientError on 5xx, timeouts and dropped connections
   */
  readState(target: Machine, options?: ReadStateOptions): Promise<TargetState>;
  /**
   * Starts, stops or restarts the machine. A start or stop that finds it already there reports
   * `alreadyInState` rather than failing.
   * @param options `waitForCompletion` (required) decides whether the call returns once Azure accepted the
   *   operation (`accepted`) or once it finished (`completed`)
   * @returns what was done: the ARM operation, and for pools the capacity before and after
   * @throws TargetConflictError on a 409 (usually mid-transition), with the state read right after it when
   *   that read worked
   * @throws OperationFailedError when Azure refused the request or the operation ended Failed
   * @throws TargetNotFoundError, AccessDeniedError, ThrottledError, TransientError as for {@link ComputeGateway.readState}
   */
  act(target: Machine, action: TargetAction, options: ActOptions): Promise<ActResult>;
  /**
   * The machine's ARM tags (names as Azure returns them), e.g. to honour `compute-scheduler: off`.
   * @returns the tags; an empty object when it has none
   * @throws TargetNotFoundError, AccessDeniedError, ThrottledError, TransientError as for {@link ComputeGateway.readState}
   */
  readTags(target: Machine, options?: ReadStateOptions): Promise<Record<string, string>>;
}

/** The tag that keeps a machine out of every default policy, when its value is `off` (any case). */
export const OPT_OUT_TAG = 'compute-scheduler';

/** Whether the tags say `compute-scheduler: off`; ARM tag names are case-insensitive. */
export function isOptedOut(tags: Record<string, string>): boolean {
  return Object.entries(tags).some(
    ([name, value]) => name.toLowerCase() === OPT_OUT_TAG && value.trim().toLowerCase() === 'off',
  );
}

/** The state an action leaves a target in: a stop, stopped; a start or a restart, running. */
export function stateAfter(action: TargetAction | 'Start' | 'Stop' | 'Restart'): DesiredState {
  return action === 'stop' || action === 'Stop' ? 'Stopped' : 'Running';
}

/** Whether a target is where a schedule wants it: Running means running; Stopped means no longer billing. */
export function isInDesiredState(state: TargetState, desired: DesiredState): boolean {
  return desired === 'Running' ? state.power === 'running' : state.power === 'stopped';
}
