// Long-running operations: started by an action, polled by clients, finished in the order they fall due
// (each finish applies or rolls back its change and raises the resource event), forgotten when old.

import { createHash } from 'node:crypto';
import type { Clock } from '../../../src/clock.js';
import type { Caller } from '../caller.js';
import type { FinishedOperation } from '../event-grid.js';
import { DueQueue } from './due-queue.js';
import type { OperationError, Resource } from './resource.js';

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed';

export interface Operation {
  id: string;
  resource: Resource;
  /** Permission name, e.g. `Microsoft.Compute/virtualMachines/start/action`. */
  operationName: string;
  category: FinishedOperation['category'];
  startedAt: number;
  completesAt: number;
  status: OperationStatus;
  /** Decided when the operation starts; reported when it ends. */
  failure?: OperationError;
  origin: OperationOrigin;
  /** Order of creation, so operations due at the same instant finish in the order they began. */
  sequence: number;
  finish: () => void;
  rollBack: () => void;
}

/** Who asked, and how, so the resource event can say so. */
export interface OperationOrigin {
  caller: Caller;
  httpMethod: string;
  url: string;
  correlationId: string;
  /** True when fault injection decided this operation ends Failed. */
  injectFailure: boolean;
}

/** What an operation is when it starts; `finish` and `rollBack` are set by the action that starts it. */
export interface NewOperation {
  resource: Resource;
  operationName: string;
  category: Operation['category'];
  durationInMs: number;
  origin: OperationOrigin;
  failure: OperationError | undefined;
}

/** What an action needs to start its operation. */
export interface ActionContext {
  clock: Clock;
  origin: OperationOrigin;
  operations: Operations;
}

export class Operations {
  private readonly byId = new Map<string, Operation>();
  /**
   * Operations still running, the next to fall due first (an abandoned one is dropped when it comes up):
   * settle() runs on every request, and must not walk thousands of operations to find none due.
   */
  private readonly inProgress = new DueQueue<Operation>(
    (a, b) => a.completesAt < b.completesAt || (a.completesAt === b.completesAt && a.sequence < b.sequence),
  );
  private sequence = 0;
  /** Operations started per resource: with the resource, what names each operation. */
  private readonly startedOn = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly onFinished: (operation: Operation) => void,
  ) {}

  /** Starts an operation that falls due after its duration; the resource is busy until then. */
  start(started: NewOperation): Operation {
    const now = this.clock.now();
    const op: Operation = {
      id: this.nextId(started.resource.id),
      resource: started.resource,
      operationName: started.operationName,
      category: started.category,
      startedAt: now,
      completesAt: now + Math.max(0, started.durationInMs),
      status: 'InProgress',
      failure: started.failure,
      origin: started.origin,
      sequence: this.sequence++,
      finish: () => undefined,
      rollBack: () => undefined,
    };
    this.byId.set(op.id, op);
    this.inProgress.push(op);
    started.resource.busyWith = op;
    return op;
  }

  /**
   * An operation's id, in the shape of a GUID as Azure's: fixed by the resource and how many operations it
   * has had, so that a scenario polls the same URLs however its requests interleave across resources, and
   * the faults drawn for those polls (keyed by path) replay too.
   */
  private nextId(resourceId: string): string {
    const key = resourceId.toLowerCase();
    const count = (this.startedOn.get(key) ?? 0) + 1;
    this.startedOn.set(key, count);
    const hex = createHash('sha256').update(`${key}#${count}`).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  find(id: string): Operation | undefined {
    return this.byId.get(id.toLowerCase());
  }

  /**
   * Finishes every operation due by `now`, in the order they fall due (those due at one instant in the order
   * they began); `beforeEach` sees each one before it changes its resource.
   */
  finishDue(now: number, beforeEach: (op: Operation) => void = () => undefined): void {
    for (let op = this.nextDue(now); op; op = this.nextDue(now)) {
      beforeEach(op);
      this.complete(op);
    }
  }

  /** When the next in-progress operation falls due, for hosts that settle on a real timer. */
  nextCompletionAt(): number | undefined {
    this.dropAbandoned();
    return this.inProgress.peek()?.completesAt;
  }

  /** Ends an operation at once as Failed, without touching its resource or raising an event. */
  abandon(op: Operation, failure: OperationError): void {
    op.failure = failure;
    op.status = 'Failed';
  }

  /** Takes the first operation due by `now` out of the queue. */
  private nextDue(now: number): Operation | undefined {
    this.dropAbandoned();
    const first = this.inProgress.peek();
    return first && first.completesAt <= now ? this.inProgress.pop() : undefined;
  }

  private dropAbandoned(): void {
    while (this.inProgress.peek() && this.inProgress.peek()!.status !== 'InProgress') this.inProgress.pop();
  }

  private complete(op: Operation): void {
    if (op.failure) {
      op.rollBack();
      op.status = 'Failed';
    } else {
      op.finish();
      op.status = 'Succeeded';
    }
    if (op.resource.busyWith === op) op.resource.busyWith = undefined;
    this.onFinished(op);
    this.forgetOld();
  }

  /** Keeps memory bounded on long local runs: finished operations beyond the newest 10,000 are dropped. */
  private forgetOld(): void {
    if (this.byId.size <= 10_000) return;
    for (const [id, op] of this.byId) {
      if (op.status !== 'InProgress') this.byId.delete(id);
      if (this.byId.size <= 9_000) return;
    }
  }
}

/**
 * How the operation about to start fails, if it does: as `failNextOperation` asked (once), else as fault
 * injection decided, with what Azure typically says (`fallback`) unless a test gave its own error.
 */
export function failureFor(
  resource: Resource,
  origin: OperationOrigin,
  fallback: () => OperationError,
): OperationError | undefined {
  if (resource.failNext) {
    const failure = resource.failNext;
    resource.failNext = undefined;
    return failure === 'typical' ? fallback() : failure;
  }
  return origin.injectFailure ? fallback() : undefined;
}

/** What Azure typically says when such an operation fails for reasons of its own. */
export function defaultFailure(resource: Resource, action: string): OperationError {
  if (action === 'start' && resource.kind !== 'computeInstance') {
    return {
      code: 'AllocationFailed',
      message:
        'Allocation failed. We do not have sufficient capacity for the requested VM size in this region. ' +
        'Read more about improving likelihood of allocation success at http://aka.ms/allocation-guidance',
    };
  }
  return {
    code: 'InternalExecutionError',
    message: 'An internal execution error occurred. Please retry later.',
  };
}
