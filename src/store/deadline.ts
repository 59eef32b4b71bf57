// How long storage may take on behalf of someone who is waiting. An HTTP caller gets an answer (503 if
// need be) within a couple of seconds even when storage does not answer at all; background work sets none.

import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';

// The instant (performance clock) by which storage must have answered, for everything `work` starts.
const deadline = new AsyncLocalStorage<number>();

/** Runs `work` with every storage call it makes (retries and their waits included) cut off after `budgetInMs`. */
export function withStorageDeadline<T>(budgetInMs: number, work: () => Promise<T>): Promise<T> {
  return deadline.run(performance.now() + budgetInMs, work);
}

/**
 * A signal that aborts when the current deadline passes; undefined outside `withStorageDeadline`. Elapsed
 * time, not the scheduler's clock: a test's manual clock must not stop storage from timing out.
 */
export function storageDeadlineSignal(): AbortSignal | undefined {
  const until = deadline.getStore();
  if (until === undefined) return undefined;
  return AbortSignal.timeout(Math.max(0, Math.ceil(until - performance.now())));
}
