// ARM's first check: a request without a bearer token is a 401. The token is not verified (the emulator
// trusts every caller); it only says who is calling, for throttling and resource events.

import { ArmError } from '../arm-error.js';
import { callerFromAuthorization } from '../caller.js';
import { headerValue, type Gate } from './gate.js';

export const authenticate: Gate = (exchange, next) => {
  const caller = callerFromAuthorization(headerValue(exchange.headers, 'authorization'));
  if (!caller) {
    throw new ArmError(
      401,
      'AuthenticationFailed',
      "Authentication failed. The 'Authorization' header is missing.",
    );
  }
  exchange.caller = caller;
  return next(exchange);
};
