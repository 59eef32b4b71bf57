// What the engine's use cases need from the outside world beyond the store: queues to hand work on.

import type { OperationOptions } from '../store/ports.js';
import type { ActionMessage } from './action-message.js';
import type { PoolMessage } from './pool-message.js';

export interface SendOptions extends OperationOptions {
  /** The message stays invisible this long: how a retry waits without sleeping in a function. */
  visibilityDelayInMs?: number;
}

/** A queue of the engine's messages, with its poison queue beside it. */
export interface MessageQueue<M> {
  send(message: M, options?: SendOptions): Promise<void>;
  /**
   * Where messages go that ran out of retries (`<queue>-poison`); a string is a body that was not a message
   * of ours at all, kept as it came for someone to look at.
   */
  sendToPoison(message: M | string, options?: OperationOptions): Promise<void>;
}

/** The `actions` queue: start, stop and restart, one message per target and occurrence, or an envelope of several. */
export interface ActionQueue extends MessageQueue<ActionMessage> {
  /**
   * Puts several actions in one queue message (an envelope, docs/decisions/0016), all visible after the
   * same delay. The executor carries out each as if it had come alone.
   */
  sendTogether(messages: readonly ActionMessage[], options?: SendOptions): Promise<void>;
}

/** The `pools` queue: "reconcile this pool or idle machine now". */
export type PoolQueue = MessageQueue<PoolMessage>;
