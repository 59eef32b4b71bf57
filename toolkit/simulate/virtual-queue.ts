// The actions queue on a virtual clock: a retry's visibility delay is virtual time, so the message is held
// here until the simulated clock reaches it, then sent to the real (Azurite) queue to be picked up. Every
// message waits for `release()` and goes out in a fixed order, so a scenario replays the same way however
// the tick's concurrent sends happened to interleave.

import type { Clock } from '../../src/clock.js';
import type { ActionMessage } from '../../src/engine/action-message.js';
import type { PoolMessage } from '../../src/engine/pool-message.js';
import type { ActionQueue, PoolQueue, SendOptions } from '../../src/engine/ports.js';
import type { OperationOptions } from '../../src/store/ports.js';

interface Held {
  dueAt: number;
  /** The queue message's actions: one, or an envelope's (docs/decisions/0016). */
  messages: readonly ActionMessage[];
  together: boolean;
  /** The messages as JSON: the last word in the order, so that equal instants never leave it to chance. */
  text: string;
}

const order = (a: Held, b: Held): number => {
  const [first, second] = [a.messages[0]!, b.messages[0]!];
  return (
    a.dueAt - b.dueAt ||
    (first.targetId < second.targetId ? -1 : first.targetId > second.targetId ? 1 : 0) ||
    first.occurrenceAt - second.occurrenceAt ||
    a.messages.length - b.messages.length ||
    (a.text < b.text ? -1 : a.text > b.text ? 1 : 0)
  );
};

export class VirtualDelayQueue implements ActionQueue {
  private held: Held[] = [];
  private readonly newest = new Map<string, number>();

  constructor(
    private readonly inner: ActionQueue,
    private readonly clock: Clock,
  ) {}

  send(message: ActionMessage, options: SendOptions = {}): Promise<void> {
    this.hold([message], false, options);
    return Promise.resolve();
  }

  /** An envelope is held and released whole, as one queue message; each action counts as sent. */
  sendTogether(messages: readonly ActionMessage[], options: SendOptions = {}): Promise<void> {
    this.hold([...messages], true, options);
    return Promise.resolve();
  }

  private hold(messages: readonly ActionMessage[], together: boolean, options: SendOptions): void {
    const delay = Math.max(0, options.visibilityDelayInMs ?? 0);
    this.held.push({ dueAt: this.clock.now() + delay, messages, together, text: JSON.stringify(messages) });
    for (const message of messages) {
      const newest = this.newest.get(message.targetId);
      if (newest === undefined || message.occurrenceAt > newest)
        this.newest.set(message.targetId, message.occurrenceAt);
    }
  }

  sendToPoison(message: ActionMessage | string, options: OperationOptions = {}): Promise<void> {
    return this.inner.sendToPoison(message, options);
  }

  /** The newest occurrence sent for a target so far: older ones are stale once this exists. */
  newestSent(targetId: string): number | undefined {
    return this.newest.get(targetId);
  }

  /**
   * Sends every held message whose delay has passed, in a fixed order; returns how many. Two messages for the
   * same run (an envelope delivered again after its member's retry went on alone) go one release apart: handled
   * in one batch, which claimed the target first would be up to the machine's timing, and a scenario must
   * replay the same way. The executor keeps them from acting twice either way.
   */
  async release(): Promise<number> {
    const now = this.clock.now();
    const runs = new Set<string>();
    const due = this.held
      .filter((h) => h.dueAt <= now)
      .sort(order)
      .filter((h) => {
        const keys = h.messages.map((m) => `${m.targetId}|${m.occurrenceAt}`);
        if (keys.some((key) => runs.has(key))) return false;
        for (const key of keys) runs.add(key);
        return true;
      });
    this.held = this.held.filter((h) => !due.includes(h));
    for (const { messages, together } of due) {
      if (together) await this.inner.sendTogether(messages);
      else await this.inner.send(messages[0]!);
    }
    return due.length;
  }

  /** When the next held message becomes visible, if any. */
  get nextDueAt(): number | undefined {
    return this.held.length === 0 ? undefined : Math.min(...this.held.map((h) => h.dueAt));
  }
}

interface HeldPool {
  dueAt: number;
  message: PoolMessage;
}

/** The `pools` queue on the virtual clock, like {@link VirtualDelayQueue}: held until due, released in order. */
export class VirtualPoolQueue implements PoolQueue {
  private held: HeldPool[] = [];

  constructor(
    private readonly inner: PoolQueue,
    private readonly clock: Clock,
  ) {}

  send(message: PoolMessage, options: SendOptions = {}): Promise<void> {
    this.held.push({ dueAt: this.clock.now() + Math.max(0, options.visibilityDelayInMs ?? 0), message });
    return Promise.resolve();
  }

  sendToPoison(message: PoolMessage | string, options: OperationOptions = {}): Promise<void> {
    return this.inner.sendToPoison(message, options);
  }

  /** Sends every held message whose delay has passed, in a fixed order; returns how many. */
  async release(): Promise<number> {
    const now = this.clock.now();
    const due = this.held
      .filter((h) => h.dueAt <= now)
      .sort(
        (a, b) =>
          a.dueAt - b.dueAt ||
          (a.message.targetId < b.message.targetId ? -1 : a.message.targetId > b.message.targetId ? 1 : 0) ||
          a.message.at - b.message.at,
      );
    this.held = this.held.filter((h) => h.dueAt > now);
    for (const { message } of due) await this.inner.send(message);
    return due.length;
  }

  get nextDueAt(): number | undefined {
    return this.held.length === 0 ? undefined : Math.min(...this.held.map((h) => h.dueAt));
  }
}
