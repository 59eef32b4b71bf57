import { describe, expect, it } from 'vitest';
import type { FaultRequest, RequestFault } from '../../../../toolkit/arm-emulator/faults.js';
import { FaultInjector } from '../../../../toolkit/arm-emulator/faults.js';
import { injectFaults } from '../../../../toolkit/arm-emulator/gates/inject-faults.js';
import { exchangeOf, OK, pass, recordingNext } from './exchange.js';

/** An injector that draws exactly these faults, and remembers what it was asked about. */
function drawing(faults: RequestFault[]): {
  forRequest(request: FaultRequest): RequestFault[];
  asked: FaultRequest[];
} {
  const asked: FaultRequest[] = [];
  return {
    asked,
    forRequest: (request) => {
      asked.push(request);
      return faults;
    },
  };
}

const START = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-1/start';

describe('the inject-faults gate', () => {
  it('draws for the method and the path without its query, and passes on a request with no fault', async () => {
    const injector = drawing([]);
    const exchange = exchangeOf({ method: 'POST', path: `${START}?api-version=2026-03-01` });
    const next = recordingNext();
    expect(await pass(injectFaults(injector), exchange, next)).toEqual(OK);
    expect(injector.asked).toEqual([{ method: 'POST', path: START }]);
    expect(next.calls).toBe(1);
    expect(exchange.log.fault).toBeUndefined();
  });

  it('answers an injected server error with 500 InternalServerError, before the route', async () => {
    const exchange = exchangeOf();
    const next = recordingNext();
    await expect(
      pass(injectFaults(drawing([{ kind: 'serverError' }])), exchange, next),
    ).rejects.toMatchObject({
      status: 500,
      code: 'InternalServerError',
      message: 'The server encountered an internal error (injected fault).',
    });
    expect(exchange.log.fault).toBe('serverError');
    expect(next.calls).toBe(0);
  });

  it('answers an injected throttle with 429 TooManyRequests and its Retry-After', async () => {
    const exchange = exchangeOf();
    const gate = injectFaults(drawing([{ kind: 'throttle', retryAfterInSeconds: 30 }]));
    await expect(pass(gate, exchange, recordingNext())).rejects.toMatchObject({
      status: 429,
      code: 'TooManyRequests',
      headers: { 'retry-after': '30' },
    });
    expect(exchange.log.fault).toBe('throttle');
  });

  it('drops the connection: no answer at all', async () => {
    const exchange = exchangeOf();
    const next = recordingNext();
    expect(await pass(injectFaults(drawing([{ kind: 'dropConnection' }])), exchange, next)).toBe(
      'dropConnection',
    );
    expect(exchange.log.fault).toBe('dropConnection');
    expect(next.calls).toBe(0);
  });

  it('a slow answer waits, then the request goes on', async () => {
    const exchange = exchangeOf();
    const next = recordingNext();
    const started = performance.now();
    expect(await pass(injectFaults(drawing([{ kind: 'slow', delayInMs: 30 }])), exchange, next)).toEqual(OK);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(exchange.log.fault).toBe('slow');
    expect(next.calls).toBe(1);
  });

  it('a slow answer that ends in a dropped connection is logged as the drop, after the wait', async () => {
    const exchange = exchangeOf();
    const gate = injectFaults(drawing([{ kind: 'slow', delayInMs: 10 }, { kind: 'dropConnection' }]));
    const started = performance.now();
    expect(await pass(gate, exchange, recordingNext())).toBe('dropConnection');
    expect(performance.now() - started).toBeGreaterThanOrEqual(5);
    expect(exchange.log.fault).toBe('dropConnection');
  });

  it('with the real injector, a seed replays the same faults for the same requests', async () => {
    const answers = async (): Promise<(string | number)[]> => {
      const gate = injectFaults(new FaultInjector({ seed: 7, serverErrorRate: 0.5 }));
      const seen: (string | number)[] = [];
      for (let i = 0; i < 8; i++) {
        const answer = await pass(gate, exchangeOf({ method: 'POST', path: START }), recordingNext()).catch(
          (error: { status: number }) => ({ status: error.status }),
        );
        seen.push(answer === 'dropConnection' ? answer : answer.status);
      }
      return seen;
    };
    const first = await answers();
    expect(first).toContain(500);
    expect(first).toContain(200);
    expect(await answers()).toEqual(first);
  });
});
