import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/clock.js';
import { callerFromAuthorization } from '../../../../toolkit/arm-emulator/caller.js';
import { throttle } from '../../../../toolkit/arm-emulator/gates/throttle.js';
import type { ResolvedRoute } from '../../../../toolkit/arm-emulator/routes.js';
import {
  documentedThrottlingLimits,
  Throttle,
  type ThrottlingLimits,
} from '../../../../toolkit/arm-emulator/throttling.js';
import type { Exchange } from '../../../../toolkit/arm-emulator/gates/gate.js';
import { exchangeOf, OK, pass, recordingNext } from './exchange.js';

const SUBSCRIPTION = '6f1c1e2a-3b4d-4c5e-8f90-1a2b3c4d5e6f';

/** The documented limits, but ARM lets two writes through and a VM takes three starts. */
const limits: ThrottlingLimits = {
  ...documentedThrottlingLimits,
  armWrites: { capacity: 2, refillPerMinute: 60 },
  compute: {
    ...documentedThrottlingLimits.compute,
    vmActions: {
      name: 'VMStartRestartPowerOff',
      perResource: { capacity: 3, refillPerMinute: 4 },
      perSubscription: { capacity: 1500, refillPerMinute: 500 },
    },
  },
};

const routeFor = (compute?: ResolvedRoute['compute']): ResolvedRoute => ({
  subscriptionId: SUBSCRIPTION,
  write: true,
  compute,
  handle: () => ({ status: 200 }),
});

function authenticated(route: ResolvedRoute, principalId = 'scheduler-identity'): Exchange {
  const exchange = exchangeOf({ method: 'POST' });
  exchange.route = route;
  exchange.caller = callerFromAuthorization(`Bearer ${principalId}`);
  return exchange;
}

describe('the throttle gate', () => {
  it('charges the request and adds what is left to every answer from here on', async () => {
    const gate = throttle(new Throttle(limits), new ManualClock('2026-03-02T08:00:00Z'));
    const exchange = authenticated(routeFor({ policy: 'vmActions', resourceKey: 'vm-1' }));
    const next = recordingNext();
    expect(await pass(gate, exchange, next)).toEqual(OK);
    expect(next.calls).toBe(1);
    expect(exchange.answerHeaders).toEqual({
      'x-ms-ratelimit-remaining-subscription-writes': '1',
      'x-ms-ratelimit-remaining-resource':
        'Microsoft.Compute/VMStartRestartPowerOffPerResource;2,Microsoft.Compute/VMStartRestartPowerOffPerSubscription;1499',
    });
    expect(exchange.log.throttledBy).toBeUndefined();
  });

  it("refuses once ARM's bucket is empty: 429 SubscriptionRequestsThrottled, Retry-After, the bucket noted", async () => {
    const gate = throttle(new Throttle(limits), new ManualClock('2026-03-02T08:00:00Z'));
    await pass(gate, authenticated(routeFor()), recordingNext());
    await pass(gate, authenticated(routeFor()), recordingNext());
    const third = authenticated(routeFor());
    const next = recordingNext();
    await expect(pass(gate, third, next)).rejects.toMatchObject({
      status: 429,
      code: 'SubscriptionRequestsThrottled',
      message:
        `Number of requests for subscription '${SUBSCRIPTION}' exceeded the limit of 2 (SubscriptionWrites). ` +
        "Please try again after '1' seconds.",
      headers: { 'retry-after': '1' },
    });
    expect(next.calls).toBe(0);
    expect(third.log.throttledBy).toBe('SubscriptionWrites');
    expect(third.answerHeaders).toEqual({ 'x-ms-ratelimit-remaining-subscription-writes': '0' });
  });

  it("ARM's buckets are per principal: another caller still gets through", async () => {
    const gate = throttle(new Throttle(limits), new ManualClock('2026-03-02T08:00:00Z'));
    await pass(gate, authenticated(routeFor()), recordingNext());
    await pass(gate, authenticated(routeFor()), recordingNext());
    expect(await pass(gate, authenticated(routeFor(), 'portal-user'), recordingNext())).toEqual(OK);
  });

  it("refuses once a Compute policy's bucket is empty: 429 OperationNotAllowed naming the policy", async () => {
    const clock = new ManualClock('2026-03-02T08:00:00Z');
    const gate = throttle(new Throttle(limits), clock);
    const start = routeFor({ policy: 'vmActions', resourceKey: 'vm-1' });
    for (let i = 0; i < 3; i++) {
      await pass(gate, authenticated(start, `caller-${i}`), recordingNext());
    }
    const fourth = authenticated(start, 'caller-3');
    await expect(pass(gate, fourth, recordingNext())).rejects.toMatchObject({
      status: 429,
      code: 'OperationNotAllowed',
      headers: { 'retry-after': '15' },
      details: [
        {
          code: 'TooManyRequests',
          target: 'VMStartRestartPowerOffPerResource',
          message: '{"operationGroup":"VMStartRestartPowerOffPerResource","allowedRequestCount":3}',
        },
      ],
    });
    expect(fourth.log.throttledBy).toBe('VMStartRestartPowerOffPerResource');
  });

  it('needs the route and the caller: run before them, it says which gate is missing', async () => {
    const gate = throttle(new Throttle(limits), new ManualClock('2026-03-02T08:00:00Z'));
    await expect(pass(gate, exchangeOf(), recordingNext())).rejects.toThrow(
      'arm-emulator: the route gate has not run',
    );
  });
});
