// The compute gateway as the simulator sees it: the real ARM adapter, plus host crashes injected around
// Azure calls, a count of the calls each (target, occurrence) made, to find anything done twice, and of
// calls made for an occurrence older than one already handed to the executor (stale actions).

import { AsyncLocalStorage } from 'node:async_hooks';
import type {
  ActOptions,
  ActResult,
  ComputeGateway,
  CpuSample,
  PoolView,
  ScaleOptions,
  ScaleResult,
  ReadStateOptions,
  Machine,
  TargetAction,
  TargetState,
} from '../../src/compute/gateway.js';
import type { ActionMessage } from '../../src/engine/action-message.js';
import { keyedUnit } from '../arm-emulator/index.js';

/** What the simulator knows about the invocation a call belongs to. */
export interface Invocation {
  /** The actions of its queue message: one, or an envelope's, each for a machine of its own. */
  messages: readonly ActionMessage[];
  /** Kills the host: the invocation stops where it is and its message comes back. */
  crash(): void;
}

/** The action of the invocation that a call on `target` is for (an envelope holds a target once). */
function actionFor(target: Machine): ActionMessage | undefined {
  const resourceId = target.resourceId.toLowerCase();
  return currentInvocation.getStore()?.messages.find((m) => m.resourceId.toLowerCase() === resourceId);
}

export const currentInvocation = new AsyncLocalStorage<Invocation>();

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

export class FaultInjectingGateway implements ComputeGateway {
  /** Successful action calls per `resourceId|occurrenceAt`. */
  readonly actionsPerOccurrence = new Map<string, number>();
  crashes = 0;
  staleActions = 0;
  /** Crash draws per (message, place): each draw is fixed by what it is about, not by when it happens. */
  private readonly draws = new Map<string, number>();

  /**
   * @param newestSent the newest occurrence handed to the executor for a target so far (by the tick or a
   * request): a call for an older one is stale.
   */
  constructor(
    private readonly inner: ComputeGateway,
    private readonly crashRate: number,
    private readonly seed: number,
    private readonly newestSent: (targetId: string) => number | undefined,
  ) {}

  /**
   * Whether the host dies here. The draw depends on the seed, the run and how often this place was reached
   * for it, so the same scenario crashes the same invocations however the host interleaves them.
   */
  private maybeCrash(target: Machine, place: 'read' | 'act'): boolean {
    const invocation = currentInvocation.getStore();
    const message = actionFor(target);
    if (!invocation || !message || this.crashRate <= 0) return false;
    const { targetId, occurrenceAt } = message;
    const key = `${targetId}|${occurrenceAt}|${place}`;
    const count = (this.draws.get(key) ?? 0) + 1;
    this.draws.set(key, count);
    if (keyedUnit(this.seed, `${key}|${count}`) >= this.crashRate / 2) return false;
    this.crashes++;
    invocation.crash();
    return true;
  }

  readTags(target: Machine, options?: ReadStateOptions): Promise<Record<string, string>> {
    return this.inner.readTags(target, options);
  }

  async readState(target: Machine, options?: ReadStateOptions): Promise<TargetState> {
    // Half the crashes hit before anything is done…
    if (this.maybeCrash(target, 'read')) return never();
    return this.inner.readState(target, options);
  }

  async act(target: Machine, action: TargetAction, options?: ActOptions): Promise<ActResult> {
    const message = actionFor(target);
    if (message) {
      const newest = this.newestSent(message.targetId);
      if (newest !== undefined && message.occurrenceAt < newest) this.staleActions++;
    }
    // The virtual clock stands still during an invocation, so completion is observed by later reads.
    const result = await this.inner.act(target, action, { ...options, waitForCompletion: false });
    if (message && result.outcome !== 'alreadyInState') {
      const key = `${message.resourceId.toLowerCase()}|${message.occurrenceAt}`;
      this.actionsPerOccurrence.set(key, (this.actionsPerOccurrence.get(key) ?? 0) + 1);
    }
    // …and half after Azure took the call but before the run row records it: the hardest case.
    if (this.maybeCrash(target, 'act')) return never();
    return result;
  }

  // Pool calls pass straight through: the pool reconciler's own faults are the emulator's.
  readPool(target: Machine, options?: ReadStateOptions): Promise<PoolView> {
    return this.inner.readPool(target, options);
  }

  scalePool(target: Machine, capacity: number, options: ScaleOptions): Promise<ScaleResult> {
    return this.inner.scalePool(target, capacity, options);
  }

  removePoolInstances(target: Machine, instanceIds: string[], options: ScaleOptions): Promise<ScaleResult> {
    return this.inner.removePoolInstances(target, instanceIds, options);
  }

  readCpu(target: Machine, options?: ReadStateOptions): Promise<CpuSample[]> {
    return this.inner.readCpu(target, options);
  }
}
