// The one HTTP error mapper: every failure leaves as an RFC 9457 problem document. Each error declares its
// status, problem type, title and fields (src/errors.ts); anything else thrown is ours and answers 500.
// Below 500 the answer says what to fix and where; from 500 on it says only that we failed, and is logged.

import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import { ensureErrorType, SchedulerError, type FieldProblem } from '../errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: readonly FieldProblem[];
  invocationId?: string;
}

/** What the answer says of a failure that is not a SchedulerError: a bug of ours. */
class UnexpectedError extends SchedulerError {
  readonly isUserError = false;
  override readonly name = 'UnexpectedError';
}

const INTERNAL_DETAIL =
  'Something went wrong on our side. It was logged; quote the invocation id when reporting it.';

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
  const declared = error instanceof SchedulerError ? error : new UnexpectedError(error.message);
  const ours = declared.status >= 500;
  const problem: Problem = {
    type: problemType(declared.problemType),
    title: declared.title,
    status: declared.status,
    detail: declared.publicDetail ?? INTERNAL_DETAIL,
    ...(instance ? { instance } : {}),
    ...(!ours && declared.errors.length > 0 ? { errors: declared.errors } : {}),
    ...(ours && context ? { invocationId: context.invocationId } : {}),
  };
  // A 503 passes by itself (the caller is told when to try again); any other fault of ours needs fixing.
  if (declared.status === 503) context?.warn('unavailable; the same request may pass later', error);
  else if (ours) context?.error('request failed', error);
  return {
    status: problem.status,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, 'Cache-Control': 'no-store', ...declared.headers },
    body: JSON.stringify(problem),
  };
}
