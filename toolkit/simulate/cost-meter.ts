// Counts what a simulation would be billed for: storage transactions (from the storage clients' counting
// policy), function executions and how long each took, and the ARM requests the scheduler made. Only what
// happens between `start` and `report` counts: registering the fleet is a one-off, not a day's running.

import { performance } from 'node:perf_hooks';
import type { FunctionDefinition } from '../../src/functions/registry.js';
import { storageCalls, type StorageCallCounter } from '../../src/store/storage-calls.js';

/** What a simulation counted over its window (`from` to `to`), for a cost estimate. */
export interface SimulationCost {
  /** Storage transactions by operation, per service, as Azure bills them (a retry is another one). */
  storage: { table: Record<string, number>; queue: Record<string, number> };
  /**
   * Executions per function. `wallMs` is the summed wall time of its invocations on this machine, against
   * Azurite and the emulator on loopback: not what Azure would bill (the virtual clock stands still meanwhile).
   */
  executions: Record<string, Execution>;
  /** Wall time during which at least one invocation ran. */
  busyWallMs: number;
  /** Requests the scheduler sent to ARM (GET = read), answered or not. */
  arm: { reads: number; writes: number };
}

/** One function's executions: its trigger, how many ran, their summed wall time in milliseconds. */
export interface Execution {
  trigger: FunctionDefinition['trigger']['type'];
  count: number;
  wallMs: number;
  /**
   * Instance activity periods, if executions that start at one simulated instant share instances, up to
   * {@link EXECUTIONS_PER_INSTANCE} on each (Flex bills each instance's active period, at least a second).
   */
  periods: number;
}

/** Executions one instance runs at once: the queue trigger's batch size in host.json. */
export const EXECUTIONS_PER_INSTANCE = 16;

export class CostMeter {
  private counting = false;
  private storageBefore: Record<string, number> = {};
  private readonly executions = new Map<string, Omit<Execution, 'periods'>>();
  /** Per function, how many executions started at each simulated instant. */
  private readonly starts = new Map<string, Map<number, number>>();
  private running = 0;
  private busySince = 0;
  private busyWallMs = 0;
  private readonly arm = { reads: 0, writes: 0 };
  /** Requests in the emulator's log before `start`: setup's, not the window's. */
  private armSetupRequests = 0;

  /** @param now - the simulated clock, by which executions that run together are told apart */
  constructor(
    private readonly now: () => number,
    private readonly counter: StorageCallCounter = storageCalls,
  ) {}

  /** Starts counting: what happened before is setup, `armRequestsLogged` requests of it still in the log. */
  start(armRequestsLogged = 0): void {
    this.counting = true;
    this.storageBefore = this.counter.snapshot();
    this.armSetupRequests = armRequestsLogged;
  }

  /** The registry's functions, each timed and counted when it runs. */
  meter<T extends FunctionDefinition>(definition: T): T {
    const handler = definition.handler as (...args: unknown[]) => unknown;
    const timed = async (...args: unknown[]): Promise<unknown> => {
      if (!this.counting) return handler(...args);
      const started = this.enter(definition.name);
      try {
        return await handler(...args);
      } finally {
        this.leave(definition, started);
      }
    };
    return { ...definition, handler: timed };
  }

  /** Counts ARM requests from the emulator's log, before the log is emptied. */
  countArm(requests: readonly { method: string }[]): void {
    if (!this.counting) return;
    const skip = this.armSetupRequests;
    this.armSetupRequests = 0;
    for (const request of requests.slice(skip)) {
      if (request.method === 'GET') this.arm.reads++;
      else this.arm.writes++;
    }
  }

  report(): SimulationCost {
    const table: Record<string, number> = {};
    const queue: Record<string, number> = {};
    for (const [operation, count] of Object.entries(this.counter.since(this.storageBefore))) {
      const [service, ...rest] = operation.split(' ');
      (service === 'table' ? table : queue)[rest.join(' ')] = count;
    }
    const executions = Object.fromEntries(
      [...this.executions]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, e]): [string, Execution] => [
          name,
          { ...e, wallMs: Math.round(e.wallMs), periods: this.periods(name) },
        ]),
    );
    return {
      storage: { table, queue },
      executions,
      busyWallMs: Math.round(this.busyWallMs),
      arm: { ...this.arm },
    };
  }

  private periods(name: string): number {
    let periods = 0;
    for (const count of this.starts.get(name)?.values() ?? []) {
      periods += Math.ceil(count / EXECUTIONS_PER_INSTANCE);
    }
    return periods;
  }

  private enter(name: string): number {
    const starts = this.starts.get(name) ?? new Map<number, number>();
    const at = this.now();
    starts.set(at, (starts.get(at) ?? 0) + 1);
    this.starts.set(name, starts);
    const now = performance.now();
    if (this.running++ === 0) this.busySince = now;
    return now;
  }

  private leave(definition: FunctionDefinition, started: number): void {
    const now = performance.now();
    const entry = this.executions.get(definition.name) ?? {
      trigger: definition.trigger.type,
      count: 0,
      wallMs: 0,
    };
    entry.count++;
    entry.wallMs += now - started;
    this.executions.set(definition.name, entry);
    if (--this.running === 0) this.busyWallMs += now - this.busySince;
  }
}
