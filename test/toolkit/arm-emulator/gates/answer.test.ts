import { describe, expect, it } from 'vitest';
import { callerFromAuthorization } from '../../../../toolkit/arm-emulator/caller.js';
import { answer } from '../../../../toolkit/arm-emulator/gates/answer.js';
import type { Exchange } from '../../../../toolkit/arm-emulator/gates/gate.js';
import type { ArmRequest } from '../../../../toolkit/arm-emulator/routes.js';
import { exchangeOf } from './exchange.js';

/** A request that has passed every gate, whose route remembers what it was handed. */
function passed(text: string): { exchange: Exchange; handed: ArmRequest[] } {
  const handed: ArmRequest[] = [];
  const exchange = exchangeOf({ method: 'PATCH', path: '/pool?api-version=2026-03-01' });
  exchange.text = text;
  exchange.caller = callerFromAuthorization('Bearer scheduler-identity');
  exchange.route = {
    subscriptionId: 's',
    write: true,
    handle: (request) => {
      handed.push(request);
      return { status: 200, body: { name: 'pool' } };
    },
  };
  return { exchange, handed };
}

describe('the answer step', () => {
  it('parses the JSON body and hands the route the request with the caller and correlation id', async () => {
    const { exchange, handed } = passed('{"sku":{"capacity":3}}');
    expect(await answer(exchange)).toEqual({ status: 200, body: { name: 'pool' } });
    expect(handed).toEqual([
      {
        method: 'PATCH',
        url: exchange.url,
        body: { sku: { capacity: 3 } },
        caller: exchange.caller,
        correlationId: 'c0ffee00-0000-4000-8000-000000000001',
      },
    ]);
  });

  it('hands an empty or blank body on as no body', async () => {
    const { exchange, handed } = passed(' \n');
    await answer(exchange);
    expect(handed[0]?.body).toBeUndefined();
  });

  it('refuses a body that is not JSON with 400 InvalidRequestContent, without calling the route', async () => {
    const { exchange, handed } = passed('{"sku":');
    await expect(Promise.resolve().then(() => answer(exchange))).rejects.toMatchObject({
      status: 400,
      code: 'InvalidRequestContent',
    });
    expect(handed).toEqual([]);
  });
});
