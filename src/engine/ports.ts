// What the engine's use cases need from the outside world beyond the store: queues to hand work on.

import type { OperationOptions } from '../store/ports.js';
import type { ActionMessage } from './action-message.js';

export interface SendOptions extends OperationOptions {
  /** The message stays invisible this long: how a retry waits without sleeping in a function. */
  visibilityDelayInMs?: number;
}

export interface ActionQueue {
  send(message: ActionMessage, options?: SendOptions): Promise<void>;
  /**
   * Where messages go that ran out of retries (`actions-poison`); a string is a body that was not an action
   * message at all, kept as it came for someone to look at.
   */
  sendToPoison(message: ActionMessage | string, options?: OperationOptions): Promise<void>;
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(workers);
}
