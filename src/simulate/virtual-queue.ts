// The actions queue on a virtual clock: a retry's visibility delay is virtual time, so the message is held
// here until the simulated clock reaches it, then sent to the real (Azurite) queue to be picked up.

import type { Clock } from '../clock.js';
import type { ActionMessage } from '../engine/action-message.js';
import type { ActionQueue, SendOptions } from '../engine/ports.js';
import type { OperationOptions } from '../store/ports.js';

export class VirtualDelayQueue implements ActionQueue {
  private held: { dueAt: number; message: ActionMessage }[] = [];

  constructor(
    private readonly inner: ActionQueue,
    private readonly clock: Clock,
  ) {}

  async send(message: ActionMessage, options: SendOptions = {}): Promise<void> {
    const delay = options.visibilityDelayInMs ?? 0;
    if (delay <= 0) return this.inner.send(message);
    this.held.push({ dueAt: this.clock.now() + delay, message });
    return Promise.resolve();
  }

  sendToPoison(message: ActionMessage, options: OperationOptions = {}): Promise<void> {
    return this.inner.sendToPoison(message, options);
  }

  /** Sends every held message whose delay has passed; returns how many. */
  async release(): Promise<number> {
    const now = this.clock.now();
    const due = this.held.filter((h) => h.dueAt <= now);
    this.held = this.held.filter((h) => h.dueAt > now);
    for (const { message } of due) await this.inner.send(message);
    return due.length;
  }

  /** When the next held message becomes visible, if any. */
  get nextDueAt(): number | undefined {
    return this.held.length === 0 ? undefined : Math.min(...this.held.map((h) => h.dueAt));
  }
}
