// The project's error family: every error says whether the caller (a user fault) or we (a system
// fault) must act. The HTTP layer maps these to statuses in one place; nothing else inspects error types.

export interface FieldProblem {
  /** RFC 6901 JSON pointer into the request body ('' is the body itself). */
  pointer?: string;
  /** A query or route parameter, when the problem is not in the body. */
  parameter?: string;
  /** A request header, when the problem is in a header. */
  header?: string;
  reason: string;
}

export abstract class SchedulerError extends Error {
  /** True when the request was wrong (4xx), false when we failed (5xx). */
  abstract readonly isUserError: boolean;
}

/** The request is malformed or breaks a rule; `errors` points at each offending field. */
export class InvalidRequestError extends SchedulerError {
  readonly isUserError = true;
  readonly errors: FieldProblem[];

  constructor(detail: string, errors: FieldProblem[] = []) {
    super(detail);
    this.name = 'InvalidRequestError';
    this.errors = errors;
  }
}

/** No credible caller: the platform did not authenticate the request. */
export class UnauthenticatedError extends SchedulerError {
  readonly isUserError = true;
  override readonly name = 'UnauthenticatedError';
  /** The principal headers we could not believe, when that is why. */
  readonly errors: FieldProblem[];

  constructor(detail: string, errors: FieldProblem[] = []) {
    super(detail);
    this.errors = errors;
  }
}

/** The caller is known but may not act on this target or field. */
export class ForbiddenError extends SchedulerError {
  readonly isUserError = true;
  override readonly name = 'ForbiddenError';
}

export class NotFoundError extends SchedulerError {
  readonly isUserError = true;
  override readonly name = 'NotFoundError';
}

/** The caller's `If-Match` no longer matches: someone changed the resource since they read it. */
export class PreconditionFailedError extends SchedulerError {
  readonly isUserError = true;
  override readonly name = 'PreconditionFailedError';
}

/** A write lost a race with another writer and could not be completed after retrying. */
export class ConflictError extends SchedulerError {
  readonly isUserError = true;
  override readonly name = 'ConflictError';
}

export class PayloadTooLargeError extends SchedulerError {
  readonly isUserError = true;
  override readonly name = 'PayloadTooLargeError';
}

export class UnsupportedMediaTypeError extends SchedulerError {
  readonly isUserError = true;
  override readonly name = 'UnsupportedMediaTypeError';
}

export class MethodNotAllowedError extends SchedulerError {
  readonly isUserError = true;
  override readonly name = 'MethodNotAllowedError';
  readonly allow: string[];

  constructor(method: string, allow: string[]) {
    super(`${method} is not allowed here; use ${allow.join(', ')}`);
    this.allow = allow;
  }
}

/** Settings are missing or invalid; raised at start-up, before any request is served. */
export class ConfigurationError extends SchedulerError {
  readonly isUserError = false;
  override readonly name = 'ConfigurationError';
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`configuration: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** Table or queue storage failed in a way the caller cannot fix. */
export class StorageError extends SchedulerError {
  readonly isUserError = false;
  override readonly name = 'StorageError';
}

/**
 * Storage did not answer (refused, reset, timed out) or answered that it is busy or failing: nothing is
 * wrong with the request, and the same request may well succeed shortly. HTTP callers get 503.
 */
export class StorageUnavailableError extends SchedulerError {
  readonly isUserError = false;
  override readonly name = 'StorageUnavailableError';
  /** When to try again. */
  readonly retryAfterInMs: number;

  constructor(message: string, retryAfterInMs: number) {
    super(message);
    this.retryAfterInMs = retryAfterInMs;
  }
}

/** Turns anything thrown into an Error, so edges can log and map it uniformly. */
export function ensureErrorType(error: unknown): Error {
  if (error instanceof Error) return error;
  let message: string;
  try {
    message = typeof error === 'string' ? error : JSON.stringify(error);
  } catch {
    message = String(error);
  }
  return new Error(`non-error thrown: ${message}`);
}
