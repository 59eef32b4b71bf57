// How long storage may take on behalf of someone who is waiting. An HTTP caller gets an answer (503 if
// need be) within a couple of seconds even when storage does not answer at all; background work sets none.

import { AsyncLocalStorage } from 'node:async_hooks';

// The time each storage call may take, retries and their waits included, for everything `work` starts.
const budget = new AsyncLocalStorage<number>();

/**
 * Runs `work` with every storage call it makes cut off after `perCallInMs`, retries and their waits
 * included. Per call, not for the whole of `work`: a request that makes many calls to a storage account that
 * is slow but answering is served, however long it takes; one that meets storage not answering stops at once.
 */
export function withStorageBudget<T>(perCallInMs: number, work: () => Promise<T>): Promise<T> {
  return budget.run(perCallInMs, work);
}

/**
 * A signal for one storage call that aborts when its budget is spent; undefined outside
 * `withStorageBudget`. Elapsed time, not the scheduler's clock: a test's manual clock must not stop storage
 * from timing out.
 */
export function storageCallSignal(): AbortSignal | undefined {
  const perCallInMs = budget.getStore();
  return perCallInMs === undefined ? undefined : AbortSignal.timeout(perCallInMs);
}
