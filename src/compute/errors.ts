// How acting on a machine can fail, in terms the engine decides on: wait and retry (throttled, conflict,
// transient), record and stop (not found, access denied), or report Azure's own failure. They happen in
// the queue, never in a request: the HTTP status is the root's default, and runs record the code.

import { SchedulerError } from '../errors.js';
import type { PoolModel, TargetState } from './gateway.js';

interface ComputeErrorDetails {
  resourceId: string;
  /** HTTP status Azure answered with, when there was an answer. */
  statusCode?: number;
  /** Azure's error code, e.g. `OperationNotAllowed`, `AllocationFailed`, `ECONNRESET`. */
  code?: string;
  /** When to call again: a 429's or 503's Retry-After, when Azure gave one. */
  retryAfterInMs?: number;
  /** The state read right after a 409, when that read worked. */
  state?: TargetState;
  /** The call failed on a read, before any write reached Azure. */
  beforeWrite?: boolean;
  /** A pool's write failed: what it was made from, ETag included, so the next attempt can send it again. */
  lastRead?: PoolModel;
  cause?: unknown;
}

export abstract class ComputeError extends SchedulerError {
  readonly resourceId: string;
  readonly statusCode: number | undefined;
  readonly code: string | undefined;
  /** Azure's hint for when to call again, when it gave one (always on a ThrottledError). */
  readonly retryAfterInMs: number | undefined;
  /** The state read right after a 409 refusal, when that read worked. */
  readonly state: TargetState | undefined;
  /**
   * The call failed on a read before any write reached Azure: nothing was changed, so a retry does not spend
   * the run's budget of failed attempts (as with throttling, its age bounds it).
   */
  readonly beforeWrite: boolean;
  /**
   * A pool's write was throttled or failed: the pool as read for it (capacity, tags, ETag). The next attempt
   * may send the same write without reading again, because the ETag makes it conditional (If-Match): if the
   * pool changed meanwhile, Azure refuses it (TargetChangedError) and that attempt reads afresh.
   */
  readonly lastRead: PoolModel | undefined;
  /** True when the same call may succeed later; the queue retries these with a delay. */
  abstract readonly retryable: boolean;

  constructor(message: string, details: ComputeErrorDetails) {
    super(message, [], details.cause);
    this.resourceId = details.resourceId;
    this.statusCode = details.statusCode;
    this.code = details.code;
    this.retryAfterInMs = details.retryAfterInMs;
    this.state = details.state;
    this.beforeWrite = details.beforeWrite ?? false;
    this.lastRead = details.lastRead;
  }
}

/**
 * The base of a compute error whose kind fixes whether it is retried and whether the user can fix it; the
 * kinds below differ only in that, so each is declared in one line. Its `name` is the declaring class's.
 */
function computeFault(retryable: boolean, isUserError = false) {
  return class ComputeFault extends ComputeError {
    readonly isUserError = isUserError;
    readonly retryable = retryable;
    override readonly name: string = this.constructor.name;
  };
}

/** 429: wait `retryAfterInMs` (Azure's Retry-After) before calling again. */
export class ThrottledError extends computeFault(true) {
  declare readonly retryAfterInMs: number;

  constructor(message: string, details: ComputeErrorDetails & { retryAfterInMs: number }) {
    super(message, details);
  }
}

/** 409: the machine is in a state that refuses the action now (usually mid-transition); try again later. */
export class TargetConflictError extends computeFault(true) {}

/** 412: a conditional write lost: the machine changed since it was read. Read it again and decide anew. */
export class TargetChangedError extends computeFault(true) {}

/** 404: the machine, its resource group or its workspace does not exist. Retrying will not help. */
export class TargetNotFoundError extends computeFault(false, true) {}

/** 401/403: the scheduler's identity may not do this; an operator must grant the role. */
export class AccessDeniedError extends computeFault(false) {}

/** 5xx, timeouts and dropped connections that outlasted the quick retries inside the call. */
export class TransientError extends computeFault(true) {}

/**
 * Azure accepted the request and the operation ended Failed (e.g. `AllocationFailed`), or refused it for a
 * reason other than state, throttling or access (a 400). Allocation failures often pass, so it is retryable.
 */
export class OperationFailedError extends ComputeError {
  readonly isUserError = false;
  override readonly name = 'OperationFailedError';
  readonly retryable: boolean;

  constructor(message: string, details: ComputeErrorDetails & { retryable: boolean }) {
    super(message, details);
    this.retryable = details.retryable;
  }
}
