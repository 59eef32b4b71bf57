// The project's one error family, dependency-free so that every module (the schedule engine too) raises
// its errors from this root. Each error says whether the user can fix it and how the API answers it; the
// edges (src/api-contract/problem.ts for HTTP, toolkit/cli/main.ts) read that instead of a table of classes.

export interface FieldProblem {
  /** RFC 6901 JSON pointer into the request body ('' is the body itself). */
  pointer?: string;
  /** A query or route parameter, when the problem is not in the body. */
  parameter?: string;
  /** A request header, when the problem is in a header. */
  header?: string;
  reason: string;
}

/**
 * The root of every error the scheduler raises. Each class declares what its edges need: whether the user
 * can fix it, and the HTTP status, problem type and title the API answers with.
 */
export abstract class SchedulerError extends Error {
  /**
   * True when whoever sent the input (a request, a schedule, a command line) can fix it: the CLI exits 2.
   * False when we or an operator must act: the CLI exits 1.
   */
  abstract readonly isUserError: boolean;
  /**
   * The HTTP status of the API's answer. From 500 on, the answer tells only that we failed (the message may
   * hold what storage or Azure said) and the error is logged.
   * @default 500: an error no request should meet, so reaching one is ours to fix
   */
  readonly status: number = 500;
  /**
   * The problem type's last part: the API answers `urn:compute-scheduler:problem:<problemType>`.
   * @default 'internal'
   */
  readonly problemType: string = 'internal';
  /** @default 'The scheduler failed' */
  readonly title: string = 'The scheduler failed';
  /** The fields at fault, each by where it was sent; the API lists them under `errors`. */
  readonly errors: readonly FieldProblem[];

  constructor(message: string, errors: readonly FieldProblem[] = [], cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.errors = errors;
  }

  /** What the API may tell the caller: the message below 500, nothing of ours from 500 on. */
  get publicDetail(): string | undefined {
    return this.status < 500 ? this.message : undefined;
  }

  /** Headers the API's answer needs besides the problem document: what is allowed, when to retry. */
  get headers(): Readonly<Record<string, string>> {
    return {};
  }
}

/**
 * The base of an error its caller can fix, answered with `status`, `problemType` and `title`. Most user
 * errors differ only in these facts, so each declares them in one line: `class X extends userFault(…) {}`.
 * Its `name` is the declaring class's.
 */
export function userFault(status: number, problemType: string, title: string) {
  return class UserFault extends SchedulerError {
    readonly isUserError = true;
    override readonly name: string = this.constructor.name;
    override readonly status: number = status;
    override readonly problemType: string = problemType;
    override readonly title: string = title;
  };
}

/** The request is malformed or breaks a rule; `errors` points at each offending field. */
export class InvalidRequestError extends userFault(400, 'invalid-request', 'The request is invalid') {}

/**
 * No credible caller: the platform did not authenticate the request. `errors` names the principal headers
 * we could not believe, when that is why.
 */
export class UnauthenticatedError extends userFault(401, 'unauthenticated', 'Sign-in required') {
  override get headers(): Readonly<Record<string, string>> {
    return { 'WWW-Authenticate': 'Bearer realm="compute-scheduler"' };
  }
}

/** The caller is known but may not act on this target or field. */
export class ForbiddenError extends userFault(403, 'forbidden', 'Not yours') {}

/** The target (or its schedule, or a registration's history) does not exist, or not for this caller. */
export class NotFoundError extends userFault(404, 'not-found', 'Not found') {}

/** The caller's `If-Match` no longer matches: someone changed the resource since they read it. */
export class PreconditionFailedError extends userFault(412, 'precondition-failed', 'The resource changed') {}

/** A write lost a race with another writer and could not be completed after retrying. */
export class ConflictError extends userFault(409, 'conflict', 'Conflict') {}

/** A conditional write lost to another writer (stale ETag, or the row exists): what that writer left stands. */
export function isWriteRace(error: unknown): boolean {
  return error instanceof PreconditionFailedError || error instanceof ConflictError;
}

/** The body is larger than the API takes. */
export class PayloadTooLargeError extends userFault(413, 'payload-too-large', 'The body is too large') {}

/** The body is not declared as JSON. */
export class UnsupportedMediaTypeError extends userFault(
  415,
  'unsupported-media-type',
  'The body must be JSON',
) {}

/** The route exists but does not serve this method; the answer's `Allow` names those it does. */
export class MethodNotAllowedError extends userFault(405, 'method-not-allowed', 'Method not allowed') {
  readonly allow: string[];

  constructor(method: string, allow: string[]) {
    super(`${method} is not allowed here; use ${allow.join(', ')}`);
    this.allow = allow;
  }

  override get headers(): Readonly<Record<string, string>> {
    return { Allow: this.allow.join(', ') };
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
 * wrong with the request, and the same request may well succeed shortly. HTTP callers get 503 and
 * `Retry-After`.
 */
export class StorageUnavailableError extends SchedulerError {
  readonly isUserError = false;
  override readonly name = 'StorageUnavailableError';
  override readonly status = 503;
  override readonly problemType = 'unavailable';
  override readonly title = 'Try again shortly';
  /** When to try again. */
  readonly retryAfterInMs: number;

  constructor(message: string, retryAfterInMs: number) {
    super(message);
    this.retryAfterInMs = retryAfterInMs;
  }

  /** Whole seconds, at least one: what `Retry-After` can say. */
  private get retryAfterInSeconds(): number {
    return Math.max(1, Math.ceil(this.retryAfterInMs / 1000));
  }

  /** Says only that storage is not answering: what it said is ours to read in the log, not the caller's. */
  override get publicDetail(): string {
    return `Storage is not answering; try again in ${this.retryAfterInSeconds} s.`;
  }

  override get headers(): Readonly<Record<string, string>> {
    return { 'Retry-After': String(this.retryAfterInSeconds) };
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
