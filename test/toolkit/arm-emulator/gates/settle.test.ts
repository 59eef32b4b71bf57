import { describe, expect, it } from 'vitest';
import { ArmError } from '../../../../toolkit/arm-emulator/arm-error.js';
import { settleFirst } from '../../../../toolkit/arm-emulator/gates/settle.js';
import { exchangeOf, pass } from './exchange.js';

describe('the settle gate', () => {
  it('lets due operations finish before the request goes on', async () => {
    const seen: string[] = [];
    const gate = settleFirst({ settle: () => seen.push('settle') });
    await pass(gate, exchangeOf(), () => {
      seen.push('next');
      return Promise.resolve({ status: 200 });
    });
    expect(seen).toEqual(['settle', 'next']);
  });

  it('settles for a request a later gate refuses too', async () => {
    let settled = 0;
    const gate = settleFirst({ settle: () => settled++ });
    const refuse = () => Promise.reject(new ArmError(401, 'AuthenticationFailed', 'no token'));
    await expect(pass(gate, exchangeOf(), refuse)).rejects.toMatchObject({ status: 401 });
    expect(settled).toBe(1);
  });
});
