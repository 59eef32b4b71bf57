// The one HTTP error mapper: every failure leaves as an RFC 9457 problem document. User faults say what
// to fix and where; system faults say only that we failed, and are logged with the invocation id.

import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import { ScheduleValidationError } from '../schedule/index.js';
import { InvalidResourceIdError } from '../targets/resource-id.js';
import {
  ConflictError,
  ForbiddenError,
  InvalidRequestError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  StorageUnavailableError,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
  ensureErrorType,
  type FieldProblem,
} from '../errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldProblem[];
  invocationId?: string;
}

interface Mapping {
  status: number;
  slug: string;
  title: string;
}

const mappings: [new (...args: never[]) => Error, Mapping][] = [
  [InvalidRequestError, { status: 400, slug: 'invalid-request', title: 'The request is invalid' }],
  [ScheduleValidationError, { status: 400, slug: 'invalid-schedule', title: 'The schedule is invalid' }],
  [InvalidResourceIdError, { status: 400, slug: 'invalid-resource-id', title: 'The resource id is invalid' }],
  [UnauthenticatedError, { status: 401, slug: 'unauthenticated', title: 'Sign-in required' }],
  [ForbiddenError, { status: 403, slug: 'forbidden', title: 'Not yours' }],
  [NotFoundError, { status: 404, slug: 'not-found', title: 'Not found' }],
  [MethodNotAllowedError, { status: 405, slug: 'method-not-allowed', title: 'Method not allowed' }],
  [ConflictError, { status: 409, slug: 'conflict', title: 'Conflict' }],
  [PreconditionFailedError, { status: 412, slug: 'precondition-failed', title: 'The resource changed' }],
  [PayloadTooLargeError, { status: 413, slug: 'payload-too-large', title: 'The body is too large' }],
  [
    UnsupportedMediaTypeError,
    { status: 415, slug: 'unsupported-media-type', title: 'The body must be JSON' },
  ],
];

const INTERNAL: Mapping = { status: 500, slug: 'internal', title: 'The scheduler failed' };
const UNAVAILABLE: Mapping = { status: 503, slug: 'unavailable', title: 'Try again shortly' };

export function problemType(slug: string): string {
  return `urn:compute-scheduler:problem:${slug}`;
}

/** Maps anything thrown while serving a request to its problem response; logs what is ours to fix. */
export function problemResponse(
  thrown: unknown,
  context?: InvocationContext,
  instance?: string,
): HttpResponseInit {
  const error = ensureErrorType(thrown);
  if (error instanceof StorageUnavailableError) return unavailableResponse(error, context, instance);
  const mapping = mappings.find(([type]) => error instanceof type)?.[1];
  const problem: Problem = mapping
    ? {
        type: problemType(mapping.slug),
        title: mapping.title,
        status: mapping.status,
        detail: error.message,
        ...(instance ? { instance } : {}),
        ...fieldProblems(error),
      }
    : {
        type: problemType(INTERNAL.slug),
        title: INTERNAL.title,
        status: INTERNAL.status,
        detail: 'Something went wrong on our side. It was logged; quote the invocation id when reporting it.',
        ...(instance ? { instance } : {}),
        ...(context ? { invocationId: context.invocationId } : {}),
      };
  if (!mapping) context?.error('request failed', error);
  const headers: Record<string, string> = {
    'Content-Type': PROBLEM_CONTENT_TYPE,
    'Cache-Control': 'no-store',
  };
  if (error instanceof MethodNotAllowedError) headers.Allow = error.allow.join(', ');
  if (error instanceof UnauthenticatedError) headers['WWW-Authenticate'] = 'Bearer realm="compute-scheduler"';
  return { status: problem.status, headers, body: JSON.stringify(problem) };
}

/** Ours, but passing: nothing was wrong with the request, and the same request may succeed after Retry-After. */
function unavailableResponse(
  error: StorageUnavailableError,
  context: InvocationContext | undefined,
  instance: string | undefined,
): HttpResponseInit {
  const retryAfterInSeconds = Math.max(1, Math.ceil(error.retryAfterInMs / 1000));
  const problem: Problem = {
    type: problemType(UNAVAILABLE.slug),
    title: UNAVAILABLE.title,
    status: UNAVAILABLE.status,
    detail: `Storage is not answering; try again in ${retryAfterInSeconds} s.`,
    ...(instance ? { instance } : {}),
    ...(context ? { invocationId: context.invocationId } : {}),
  };
  context?.warn('storage unavailable', error);
  return {
    status: problem.status,
    headers: {
      'Content-Type': PROBLEM_CONTENT_TYPE,
      'Cache-Control': 'no-store',
      'Retry-After': String(retryAfterInSeconds),
    },
    body: JSON.stringify(problem),
  };
}

function fieldProblems(error: Error): { errors?: FieldProblem[] } {
  if (
    (error instanceof InvalidRequestError || error instanceof UnauthenticatedError) &&
    error.errors.length > 0
  )
    return { errors: error.errors };
  if (error instanceof ScheduleValidationError) {
    return { errors: error.errors.map(({ pointer, reason }) => ({ pointer, reason })) };
  }
  if (error instanceof InvalidResourceIdError)
    return { errors: [{ pointer: '/resourceId', reason: error.reason }] };
  return {};
}
