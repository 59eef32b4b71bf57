// The compute gateway as the simulator sees it: the real ARM adapter, plus host crashes injected around
// Azure calls, and a count of the calls each (target, occurrence) made, to find anything done twice.

import { AsyncLocalStorage } from 'node:async_hooks';
import type {
  ActOptions,
  ActResult,
  ComputeGateway,
  ReadStateOptions,
  Target,
  TargetAction,
  TargetState,
} from '../compute/gateway.js';
import type { ActionMessage } from '../engine/action-message.js';

/** What the simulator knows about the invocation a call belongs to. */
export interface Invocation {
  message: ActionMessage;
  /** Kills the host: the invocation stops where it is and its message comes back. */
  crash(): void;
}

export const currentInvocation = new AsyncLocalStorage<Invocation>();

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

export class FaultInjectingGateway implements ComputeGateway {
  /** Successful action calls per `resourceId|occurrenceAt`. */
  readonly actionsPerOccurrence = new Map<string, number>();
  crashes = 0;

  constructor(
    private readonly inner: ComputeGateway,
    private readonly crashRate: number,
    private readonly random: () => number,
  ) {}

  private maybeCrash(): boolean {
    const invocation = currentInvocation.getStore();
    if (!invocation || this.crashRate <= 0 || this.random() >= this.crashRate / 2) return false;
    this.crashes++;
    invocation.crash();
    return true;
  }

  async readState(target: Target, options?: ReadStateOptions): Promise<TargetState> {
    // Half the crashes hit before anything is done…
    if (this.maybeCrash()) return never();
    return this.inner.readState(target, options);
  }

  async act(target: Target, action: TargetAction, options?: ActOptions): Promise<ActResult> {
    // The virtual clock stands still during an invocation, so completion is observed by later reads.
    const result = await this.inner.act(target, action, { ...options, waitForCompletion: false });
    const invocation = currentInvocation.getStore();
    if (invocation && result.outcome !== 'alreadyInState') {
      const key = `${invocation.message.resourceId.toLowerCase()}|${invocation.message.occurrenceAt}`;
      this.actionsPerOccurrence.set(key, (this.actionsPerOccurrence.get(key) ?? 0) + 1);
    }
    // …and half after Azure took the call but before the run row records it: the hardest case.
    if (this.maybeCrash()) return never();
    return result;
  }
}
