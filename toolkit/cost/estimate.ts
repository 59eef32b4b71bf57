// Turns what a run counted (storage transactions, function executions and their time) into USD a month on
// Flex Consumption and Standard LRS storage. Pure: the counts come from `simulate`, the prices from prices.ts.

import { DAYS_PER_MONTH, DEFAULT_INSTANCE_MEMORY_MB, FLEX_ON_DEMAND, STORAGE_LRS } from './prices.js';

/** What a run counted, for one day of the fleet the estimate is for. */
export interface DailyUsage {
  /** Storage transactions by operation (`point read`, `send`, …), per service. */
  storage: { table: Record<string, number>; queue: Record<string, number> };
  /**
   * Executions per function: how many, their summed wall time in milliseconds, what triggers them, and the
   * instance activity periods they take when executions that start together share instances (default: one
   * period each).
   */
  executions: Record<string, { count: number; wallMs: number; trigger?: string; periods?: number }>;
}

export interface EstimateOptions {
  /** The instance memory the app is deployed with. @default 512 */
  instanceMemoryMB?: number;
  /** Whether the subscription's monthly free grant is left for this app. @default true */
  freeGrant?: boolean;
  /** Queue polls the host makes that the run did not count (a trigger queue the run never polled). @default 0 */
  uncountedQueuePollsPerDay?: number;
  /**
   * Whether the timers keep the host's schedule monitor, which writes a status blob after each run. The app
   * registers its timers with `useMonitor: false` (src/index.ts). @default false
   */
  timerScheduleMonitor?: boolean;
}

/** One month's estimate, with the counts it multiplied. */
export interface MonthlyEstimate {
  days: number;
  instanceMemoryMB: number;
  freeGrant: boolean;
  functions: {
    executions: number;
    /** Billed execution time: each activity period at least the minimum, executions that start together sharing. */
    gbSeconds: number;
    executionsUsd: number;
    executionTimeUsd: number;
    /** Execution time if no two executions shared an instance: each its own period. */
    upperBound: { gbSeconds: number; executionTimeUsd: number };
  };
  storage: {
    tableTransactions: number;
    queueTransactions: number;
    tableUsd: number;
    queueUsd: number;
  };
  /** What the Functions host itself does in storage, estimated from documented behaviour, not counted. */
  host: { timerStatusWrites: number; queuePolls: number; usd: number };
  totalUsd: number;
  /** The line that costs most, in words. */
  dominant: string;
}

const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

/**
 * Multiplies a day's counts by the month's days and the prices.
 * @param perDay - what one day of the fleet counted
 * @returns the month's USD by line, the counts behind them and the line that dominates
 */
export function monthlyEstimate(perDay: DailyUsage, options: EstimateOptions = {}): MonthlyEstimate {
  const memoryMB = options.instanceMemoryMB ?? DEFAULT_INSTANCE_MEMORY_MB;
  const freeGrant = options.freeGrant ?? true;
  const days = DAYS_PER_MONTH;
  const functions = functionsMonth(perDay, memoryMB / 1024, days, freeGrant);
  const tableTransactions = sum(perDay.storage.table) * days;
  const queueTransactions = sum(perDay.storage.queue) * days;
  const storage = {
    tableTransactions,
    queueTransactions,
    tableUsd: (tableTransactions / 10_000) * STORAGE_LRS.tableUsdPer10k,
    queueUsd: (queueTransactions / 10_000) * STORAGE_LRS.queueUsdPer10k,
  };
  const host = hostMonth(perDay, options, days);
  const lines: [string, number][] = [
    ['function execution time', functions.executionTimeUsd],
    ['function executions', functions.executionsUsd],
    ['table transactions', storage.tableUsd],
    ['queue transactions', storage.queueUsd],
    ["the Functions host's timer status blobs", host.usd],
  ];
  const dominant = lines.reduce((a, b) => (b[1] > a[1] ? b : a));
  return {
    days,
    instanceMemoryMB: memoryMB,
    freeGrant,
    functions,
    storage,
    host,
    totalUsd: lines.reduce((total, [, usd]) => total + usd, 0),
    dominant: dominant[1] > 0 ? dominant[0] : 'nothing: every line is free',
  };
}

/**
 * Flex bills each instance's active period at the instance's memory, at least a second each. Executions
 * that start together share periods (as `periods` counts them); the upper bound gives each its own.
 */
function functionsMonth(
  perDay: DailyUsage,
  memoryGb: number,
  days: number,
  freeGrant: boolean,
): MonthlyEstimate['functions'] {
  let executions = 0;
  let shared = 0;
  let alone = 0;
  for (const { count, wallMs, periods } of Object.values(perDay.executions)) {
    if (count <= 0) continue;
    executions += count;
    const perPeriod = billedSeconds(wallMs / count);
    shared += (periods ?? count) * perPeriod;
    alone += count * perPeriod;
  }
  executions *= days;
  const free = freeGrant ? FLEX_ON_DEMAND : { freeExecutionsPerMonth: 0, freeGbSecondsPerMonth: 0 };
  const timeUsd = (gbSeconds: number) =>
    Math.max(0, gbSeconds - free.freeGbSecondsPerMonth) * FLEX_ON_DEMAND.usdPerGbSecond;
  const gbSeconds = shared * memoryGb * days;
  const upper = alone * memoryGb * days;
  return {
    executions,
    gbSeconds,
    executionsUsd: Math.max(0, executions - free.freeExecutionsPerMonth) * FLEX_ON_DEMAND.usdPerExecution,
    executionTimeUsd: timeUsd(gbSeconds),
    upperBound: { gbSeconds: upper, executionTimeUsd: timeUsd(upper) },
  };
}

/** The billed seconds of an active period in which an execution took `wallMs`: at least the minimum, in steps. */
export function billedSeconds(wallMs: number): number {
  const step = FLEX_ON_DEMAND.billedStepSeconds;
  const measured = Math.ceil(wallMs / 1000 / step - 1e-9) * step;
  return Math.max(FLEX_ON_DEMAND.minimumBilledSeconds, measured);
}

/** With the schedule monitor on, each timer invocation makes the host write the timer's status blob. */
function hostMonth(perDay: DailyUsage, options: EstimateOptions, days: number): MonthlyEstimate['host'] {
  const timerRuns = Object.values(perDay.executions)
    .filter((e) => e.trigger === 'timer')
    .reduce((total, e) => total + e.count, 0);
  const timerStatusWrites = options.timerScheduleMonitor ? timerRuns * days : 0;
  const queuePolls = (options.uncountedQueuePollsPerDay ?? 0) * days;
  return {
    timerStatusWrites,
    queuePolls,
    usd:
      (timerStatusWrites / 10_000) * STORAGE_LRS.blobWriteUsdPer10k +
      (queuePolls / 10_000) * STORAGE_LRS.queueUsdPer10k,
  };
}

/**
 * A day's usage from counts over `days` days of `targets` targets, scaled to `perTargets` targets. Timer
 * executions run on their schedule whatever the fleet and are not scaled by it; storage is, all of it, which
 * overstates its fixed part (the idle minutes' ticks) when `targets` < `perTargets`.
 */
export function dailyUsage(
  counted: DailyUsage,
  { days, targets, perTargets = 1000 }: { days: number; targets: number; perTargets?: number },
): DailyUsage {
  const factor = perTargets / targets / days;
  const scale = (counts: Record<string, number>) =>
    Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, n * factor]));
  return {
    storage: { table: scale(counted.storage.table), queue: scale(counted.storage.queue) },
    executions: Object.fromEntries(
      Object.entries(counted.executions).map(([name, e]) => {
        const f = e.trigger === 'timer' ? 1 / days : factor;
        const periods = e.periods === undefined ? {} : { periods: e.periods * f };
        return [name, { ...e, count: e.count * f, wallMs: e.wallMs * f, ...periods }];
      }),
    ),
  };
}
