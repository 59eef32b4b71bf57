// How acting on a machine can fail, in terms the engine decides on: wait and retry (throttled, conflict,
// transient), record and stop (not found, access denied), or report Azure's own failure. They happen in
// the queue, never in a request: the HTTP status is the root's default, and runs record the code.

import { SchedulerError } from '../errors.js';
import type { TargetState } from './gateway.js';

interface ComputeErrorDetails {
  resourceId: string;
  /** HTTP status Azure answered with, when there was an answer. */
  statusCode?: number;
  /** Azure's error code, e.g. `OperationNotAllowed`, `AllocationFailed`, `ECONNRESET`. */
  code?: string;
  cause?: unknown;
}

export abstract class ComputeError extends SchedulerError {
  readonly resourceId: string;
  readonly statusCode: number | undefined;
  readonly code: string | undefined;
  /** True when the same call may succeed later; the queue retries these with a delay. */
  abstract readonly retryable: boolean;

  constructor(message: string, details: ComputeErrorDetails) {
    super(message, [], details.cause);
    this.resourceId = details.resourceId;
    this.statusCode = details.statusCode;
    this.code = details.code;
  }
}

/** 429: wait `retryAfterInMs` (Azure's Retry-After) before calling again. */
export class ThrottledError extends ComputeError {
  readonly isUserError = false;
  readonly retryable = true;
  override readonly name = 'ThrottledError';
  readonly retryAfterInMs: number;

  constructor(message: string, details: ComputeErrorDetails & { retryAfterInMs: number }) {
    super(message, details);
    this.retryAfterInMs = details.retryAfterInMs;
  }
}

/** 409: the machine is in a state that refuses the action now (usually mid-transition); try again later. */
export class TargetConflictError extends ComputeError {
  readonly isUserError = false;
  readonly retryable = true;
  override readonly name = 'TargetConflictError';
  /** The state read right after the refusal, when that read worked. */
  readonly state: TargetState | undefined;

  constructor(message: string, details: ComputeErrorDetails & { state?: TargetState }) {
    super(message, details);
    this.state = details.state;
  }
}

/** 404: the machine, its resource group or its workspace does not exist. Retrying will not help. */
export class TargetNotFoundError extends ComputeError {
  readonly isUserError = true;
  readonly retryable = false;
  override readonly name = 'TargetNotFoundError';
}

/** 401/403: the scheduler's identity may not do this; an operator must grant the role. */
export class AccessDeniedError extends ComputeError {
  readonly isUserError = false;
  readonly retryable = false;
  override readonly name = 'AccessDeniedError';
}

/** 5xx, timeouts and dropped connections that outlasted the quick retries inside the call. */
export class TransientError extends ComputeError {
  readonly isUserError = false;
  readonly retryable = true;
  override readonly name = 'TransientError';
  /** Azure's hint for when to retry (a 503's Retry-After), when it gave one. */
  readonly retryAfterInMs: number | undefined;

  constructor(message: string, details: ComputeErrorDetails & { retryAfterInMs?: number }) {
    super(message, details);
    this.retryAfterInMs = details.retryAfterInMs;
  }
}

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
