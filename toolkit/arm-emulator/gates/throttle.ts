// Charges the request to ARM's and Compute's token buckets: every answer then reports what is left,
// and an empty bucket is a 429 worded as the layer that refused it words it.

import type { Clock } from '../../../src/clock.js';
import { ArmError } from '../arm-error.js';
import type { Throttle, ThrottleOutcome } from '../throttling.js';
import { learnt, type Gate } from './gate.js';

export function throttle(buckets: Throttle, clock: Clock): Gate {
  return (exchange, next) => {
    const route = learnt(exchange.route, 'route');
    const outcome = buckets.charge(
      {
        subscriptionId: route.subscriptionId,
        principalId: learnt(exchange.caller, 'authenticate').principalId,
        write: route.write,
        compute: route.compute,
      },
      clock.now(),
    );
    Object.assign(exchange.answerHeaders, outcome.headers);
    if (!outcome.allowed) {
      exchange.log.throttledBy = outcome.bucket;
      throw throttled(outcome, route.subscriptionId);
    }
    return next(exchange);
  };
}

function throttled(outcome: Extract<ThrottleOutcome, { allowed: false }>, subscriptionId: string): ArmError {
  const { bucket, limit, retryAfterInSeconds } = outcome;
  const headers = { 'retry-after': String(retryAfterInSeconds) };
  if (outcome.layer === 'arm') {
    return new ArmError(
      429,
      'SubscriptionRequestsThrottled',
      `Number of requests for subscription '${subscriptionId}' exceeded the limit of ${limit} (${bucket}). ` +
        `Please try again after '${retryAfterInSeconds}' seconds.`,
      { headers },
    );
  }
  return new ArmError(
    429,
    'OperationNotAllowed',
    'The server rejected the request because too many requests have been received for this subscription.',
    {
      headers,
      details: [
        {
          code: 'TooManyRequests',
          target: bucket,
          message: JSON.stringify({ operationGroup: bucket, allowedRequestCount: limit }),
        },
      ],
    },
  );
}
