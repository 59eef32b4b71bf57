// The use cases' tuning knobs, apart from their ports, each with its default stated once here. The
// composition root (src/functions/dependencies.ts) resolves them from the validated settings; tests resolve
// them with what they want to change.

import { ARM_WRITES, type CallBudget } from './pacing.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';

/** What host.json tells the Functions host about queues; the executor and the local host must agree. */
export const QUEUE_HOST_SETTINGS = {
  /** Messages a queue function takes at once. */
  batchSize: 16,
  /** Deliveries before a message moves to `<queue>-poison`. */
  maxDequeueCount: 5,
  /**
   * How long a message that failed unexpectedly (the function threw) stays invisible before its next delivery:
   * five deliveries then span four minutes, time for a passing storage or network fault to clear, where the
   * default of 0 would poison it within seconds. Expected waits (429, 409) never throw: the executor re-enqueues
   * them with their own delay.
   */
  visibilityTimeoutInMs: 60_000,
} as const;

export interface TickOptions {
  /**
   * How far back a tick catches up after an outage (setting `SCHEDULER_CATCH_UP_HOURS`).
   * @default 86_400_000 (24 hours)
   */
  catchUpWindowInMs: number;
  /**
   * Storage calls in flight at once.
   * @default 32
   */
  concurrency: number;
  /**
   * Each subscription's ARM write budget that the tick's messages are spread over; `false` sends every
   * message at once (settings `SCHEDULER_ARM_WRITE_BURST`, `SCHEDULER_ARM_WRITES_PER_SECOND`).
   * @default ARM_WRITES (200 at once, then 10 a second)
   */
  pacing: CallBudget | false;
}

export function resolveTickOptions(options: Partial<TickOptions> = {}): TickOptions {
  return {
    catchUpWindowInMs: 24 * 3_600_000,
    concurrency: 32,
    pacing: ARM_WRITES,
    ...options,
  };
}

export interface ExecuteOptions {
  /** @default DEFAULT_RETRY_POLICY */
  retry: RetryPolicy;
  /**
   * How long a claim on a target keeps other runs away: longer than any one invocation, so it only runs
   * out when the invocation holding it died.
   * @default 600_000 (10 minutes)
   */
  leaseInMs: number;
  /**
   * How long a run waits in the queue before looking again while an older run holds the target.
   * @default 5_000
   */
  waitInMs: number;
  /**
   * Wait for Azure to report each operation finished (setting `SCHEDULER_WAIT_FOR_COMPLETION`). Starting a
   * VM takes minutes: waiting holds a function instance the whole time, so by default a run succeeds when
   * Azure accepts the call, and a later read sees where the machine ended up.
   * @default false
   */
  waitForCompletion: boolean;
  /**
   * The host's deliveries of a message before the poison queue: on the last one an unexpected fault
   * poisons the run.
   * @default QUEUE_HOST_SETTINGS.maxDequeueCount (host.json)
   */
  maxDequeueCount: number;
  /**
   * Actions of one envelope (docs/decisions/0016) carried out at once. The host hands an instance 16
   * messages at a time, so an instance has at most 16 × this in hand; the simulator sets 1, so that a host
   * crash stops an envelope where it is and a scenario replays the same way.
   * @default 8
   */
  membersAtOnce: number;
}

export function resolveExecuteOptions(options: Partial<ExecuteOptions> = {}): ExecuteOptions {
  return {
    retry: DEFAULT_RETRY_POLICY,
    leaseInMs: 10 * 60_000,
    waitInMs: 5_000,
    waitForCompletion: false,
    maxDequeueCount: QUEUE_HOST_SETTINGS.maxDequeueCount,
    membersAtOnce: 8,
    ...options,
  };
}
