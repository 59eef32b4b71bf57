import functions from '@azure/functions';
import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  ForbiddenError,
  InvalidRequestError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  StorageError,
  StorageUnavailableError,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
} from '../../src/errors.js';
import { problemResponse } from '../../src/api-contract/problem.js';
import { ScheduleSyntaxError, ScheduleValidationError } from '../../src/schedule/index.js';
import { InvalidResourceIdError } from '../../src/targets/resource-id.js';

const { InvocationContext } = functions;

describe('the HTTP error mapper', () => {
  it.each([
    [new InvalidRequestError('bad', [{ pointer: '/a', reason: 'no' }]), 400, 'invalid-request'],
    [
      new ScheduleValidationError([{ pointer: '/computeStartStop/0', reason: 'no' }]),
      400,
      'invalid-schedule',
    ],
    [new UnauthenticatedError('who?'), 401, 'unauthenticated'],
    [new ForbiddenError('not yours'), 403, 'forbidden'],
    [new NotFoundError('none'), 404, 'not-found'],
    [new MethodNotAllowedError('PUT', ['GET']), 405, 'method-not-allowed'],
    [new ConflictError('again'), 409, 'conflict'],
    [new PreconditionFailedError('stale'), 412, 'precondition-failed'],
    [new PayloadTooLargeError('big'), 413, 'payload-too-large'],
    [new UnsupportedMediaTypeError('xml'), 415, 'unsupported-media-type'],
    [new InvalidResourceIdError('no provider'), 400, 'invalid-resource-id'],
  ])('maps %s to %i', (error, status, slug) => {
    const response = problemResponse(error, undefined, '/api/x');
    const body = JSON.parse(response.body as string) as Record<string, unknown>;
    expect(response.status).toBe(status);
    expect(response.headers).toMatchObject({ 'Content-Type': 'application/problem+json' });
    expect(body).toMatchObject({ type: `urn:compute-scheduler:problem:${slug}`, status, instance: '/api/x' });
    expect(body.title).toEqual(expect.any(String));
  });

  it('keeps the field problems of user errors', () => {
    const body = JSON.parse(
      problemResponse(new ScheduleValidationError([{ pointer: '/computeStartStop/0/action', reason: 'no' }]))
        .body as string,
    ) as { errors: unknown };
    expect(body.errors).toEqual([{ pointer: '/computeStartStop/0/action', reason: 'no' }]);
  });

  it('says nothing about system faults but the invocation id, and logs them', () => {
    const logged: unknown[] = [];
    const context = new InvocationContext({
      invocationId: 'inv-1',
      logHandler: (level, ...args) => logged.push([level, ...args]),
    });
    for (const error of [
      new StorageError('table exploded at key secret'),
      new TypeError('x is undefined'),
      'a string',
      // A user's mistake that validation should have pointed at: reaching a request is our bug.
      new ScheduleSyntaxError('secret'),
    ]) {
      const response = problemResponse(error, context);
      expect(response.status).toBe(500);
      expect(response.body).not.toContain('secret');
      expect(JSON.parse(response.body as string)).toMatchObject({ status: 500, invocationId: 'inv-1' });
    }
    expect(logged).toHaveLength(4);
  });

  it('tells 405s what is allowed and 401s how to authenticate', () => {
    expect(problemResponse(new MethodNotAllowedError('PUT', ['GET', 'POST'])).headers).toMatchObject({
      Allow: 'GET, POST',
    });
    expect(problemResponse(new UnauthenticatedError('x')).headers).toHaveProperty('WWW-Authenticate');
  });

  it('tells a 503 when to try again, in whole seconds, and nothing of what storage said', () => {
    const response = problemResponse(new StorageUnavailableError('store: secret (503 ServerBusy)', 1200));
    expect(response.status).toBe(503);
    expect(response.headers).toMatchObject({ 'Retry-After': '2' });
    expect(JSON.parse(response.body as string)).toEqual({
      type: 'urn:compute-scheduler:problem:unavailable',
      title: 'Try again shortly',
      status: 503,
      detail: 'Storage is not answering; try again in 2 s.',
    });
  });
});
