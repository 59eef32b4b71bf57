import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachLimited } from '../src/in-flight.js';

describe('forEachLimited', () => {
  it('does every item once, never more than the limit at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const done: number[] = [];
    await forEachLimited(
      Array.from({ length: 25 }, (_, i) => i),
      4,
      async (item) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await sleep(item % 3);
        done.push(item);
        inFlight--;
      },
    );
    expect(most).toBe(4);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('rejects with the first failure', async () => {
    await expect(
      forEachLimited([1, 2, 3], 2, async (item) => {
        if (item === 2) throw new Error('two');
        await sleep(1);
      }),
    ).rejects.toThrow('two');
  });
});
