import { describe, expect, it } from 'vitest';
import { chain, learnt, type Gate } from '../../../../toolkit/arm-emulator/gates/gate.js';
import { exchangeOf, OK, recordingNext } from './exchange.js';

const noting =
  (name: string, seen: string[]): Gate =>
  (exchange, next) => {
    seen.push(name);
    return next(exchange);
  };

describe('the gates as one chain', () => {
  it('runs the gates in their order, then the last step', async () => {
    const seen: string[] = [];
    const pass = chain([noting('first', seen), noting('second', seen)], (_exchange) => {
      seen.push('last');
      return Promise.resolve(OK);
    });
    expect(await pass(exchangeOf())).toEqual(OK);
    expect(seen).toEqual(['first', 'second', 'last']);
  });

  it('a gate that answers itself stops the request: later gates and the last step never run', async () => {
    const seen: string[] = [];
    const last = recordingNext();
    const refuse: Gate = () => Promise.resolve({ status: 409 });
    const pass = chain([noting('first', seen), refuse, noting('after', seen)], last);
    expect(await pass(exchangeOf())).toEqual({ status: 409 });
    expect(seen).toEqual(['first']);
    expect(last.calls).toBe(0);
  });

  it('gates that do not wait pass a request to the last step synchronously, before another request moves', () => {
    const last = recordingNext();
    const pass = chain([noting('a', []), noting('b', [])], last);
    void pass(exchangeOf());
    expect(last.calls).toBe(1);
  });

  it('an empty chain is the last step', async () => {
    const last = recordingNext();
    expect(await chain([], last)(exchangeOf())).toEqual(OK);
    expect(last.calls).toBe(1);
  });

  it('a gate reading what an earlier gate did not set names that gate: the order is wrong', () => {
    expect(learnt('caller', 'authenticate')).toBe('caller');
    expect(() => learnt(undefined, 'authenticate')).toThrow(
      'arm-emulator: the authenticate gate has not run',
    );
  });
});
