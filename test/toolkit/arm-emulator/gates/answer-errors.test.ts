import { describe, expect, it } from 'vitest';
import { ArmError } from '../../../../toolkit/arm-emulator/arm-error.js';
import { answerErrors } from '../../../../toolkit/arm-emulator/gates/answer-errors.js';
import { exchangeOf, OK, recordingNext } from './exchange.js';

describe('the answer-errors gate', () => {
  it('passes an answer through untouched', async () => {
    expect(await answerErrors(exchangeOf(), recordingNext())).toEqual(OK);
  });

  it("turns an ArmError thrown by a later gate into ARM's error answer with its status and headers", async () => {
    const answer = await answerErrors(exchangeOf(), () => {
      throw new ArmError(429, 'TooManyRequests', 'Too many requests (injected fault).', {
        headers: { 'retry-after': '30' },
      });
    });
    expect(answer).toEqual({
      status: 429,
      body: { error: { code: 'TooManyRequests', message: 'Too many requests (injected fault).' } },
      headers: { 'retry-after': '30' },
    });
  });

  it('keeps the details of a refusal', async () => {
    const details = [
      { code: 'InvalidParameter', target: 'sku.capacity', message: 'Expected a whole number.' },
    ];
    const answer = await answerErrors(exchangeOf(), () =>
      Promise.reject(new ArmError(400, 'InvalidParameter', 'The value is invalid.', { details })),
    );
    expect(answer).toEqual({
      status: 400,
      body: { error: { code: 'InvalidParameter', message: 'The value is invalid.', details } },
      headers: {},
    });
  });

  it("answers any other error as a 500 that says it is the emulator's own fault", async () => {
    const answer = await answerErrors(exchangeOf(), () => Promise.reject(new TypeError('boom')));
    expect(answer).toEqual({
      status: 500,
      body: { error: { code: 'InternalServerError', message: 'ARM emulator fault: boom' } },
      headers: {},
    });
  });

  it('lets a dropped connection through: there is nothing to answer', async () => {
    expect(await answerErrors(exchangeOf(), () => Promise.resolve('dropConnection'))).toBe('dropConnection');
  });
});
