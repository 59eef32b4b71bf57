import { describe, expect, it } from 'vitest';
import { DueQueue } from '../../../../toolkit/arm-emulator/fleet/due-queue.js';

const earlier = (a: number, b: number) => a < b;

function drain(queue: DueQueue<number>): number[] {
  const out: number[] = [];
  for (let item = queue.pop(); item !== undefined; item = queue.pop()) out.push(item);
  return out;
}

describe('a due queue', () => {
  it('gives items back earliest first, whatever order they came in, repeats included', () => {
    const queue = new DueQueue(earlier);
    for (const at of [50, 10, 90, 10, 70, 30, 20, 80, 60, 40, 30, 100]) queue.push(at);
    expect(queue.size).toBe(12);
    expect(queue.peek()).toBe(10);
    expect(drain(queue)).toEqual([10, 10, 20, 30, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(queue.peek()).toBeUndefined();
  });

  it('keeps its order when items come and go in turns', () => {
    const queue = new DueQueue(earlier);
    for (const at of [40, 20, 60]) queue.push(at);
    expect(queue.pop()).toBe(20);
    for (const at of [10, 50]) queue.push(at);
    expect(queue.pop()).toBe(10);
    expect(queue.pop()).toBe(40);
    queue.push(45);
    expect(drain(queue)).toEqual([45, 50, 60]);
  });

  it('breaks ties the way it is told', () => {
    const queue = new DueQueue<{ at: number; order: number }>(
      (a, b) => a.at < b.at || (a.at === b.at && a.order < b.order),
    );
    for (const [at, order] of [
      [5, 3],
      [5, 1],
      [2, 9],
      [5, 2],
    ] as const)
      queue.push({ at, order });
    const out: string[] = [];
    for (let item = queue.pop(); item; item = queue.pop()) out.push(`${item.at}/${item.order}`);
    expect(out).toEqual(['2/9', '5/1', '5/2', '5/3']);
  });
});
