// Acts out the faults drawn for a request: a slow answer waits first, then a dropped connection, an
// injected 500 or an injected 429 ends the request before the route or any bucket is touched.

import { ArmError } from '../arm-error.js';
import type { FaultRequest, RequestFault } from '../faults.js';
import type { Answer, Exchange, Gate, Next } from './gate.js';

export function injectFaults(faults: { forRequest(request: FaultRequest): RequestFault[] }): Gate {
  return (exchange, next) =>
    actOut(faults.forRequest({ method: exchange.method, path: exchange.url.pathname }), exchange, next);
}

function actOut(faults: RequestFault[], exchange: Exchange, next: Next): Promise<Answer> {
  const [fault, ...later] = faults;
  if (!fault) return next(exchange);
  exchange.log.fault = fault.kind;
  switch (fault.kind) {
    case 'slow':
      return new Promise((resolve) => setTimeout(resolve, fault.delayInMs)).then(() =>
        actOut(later, exchange, next),
      );
    case 'dropConnection':
      return Promise.resolve('dropConnection');
    case 'serverError':
      throw new ArmError(
        500,
        'InternalServerError',
        'The server encountered an internal error (injected fault).',
      );
    case 'throttle':
      throw new ArmError(429, 'TooManyRequests', 'Too many requests (injected fault).', {
        headers: { 'retry-after': String(fault.retryAfterInSeconds) },
      });
  }
}
