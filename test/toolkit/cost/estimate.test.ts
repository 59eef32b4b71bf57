import { describe, expect, it } from 'vitest';
import {
  billedSeconds,
  dailyUsage,
  monthlyEstimate,
  type DailyUsage,
} from '../../../toolkit/cost/estimate.js';

// Every expected figure below is worked out by hand from the prices in docs/cost.md: USD 0.000026 per
// GB-s and 0.40 per million executions (100,000 GB-s and 250,000 executions free), USD 0.004 per 10,000
// table or queue transactions, USD 0.055 per 10,000 blob writes, 30 days.
const day: DailyUsage = {
  storage: { table: { 'point read': 5000, query: 5000 }, queue: { send: 1000, receive: 1000 } },
  executions: {
    tick: { trigger: 'timer', count: 1440, wallMs: 14_400, periods: 1440 },
    execute: { trigger: 'queue', count: 320, wallMs: 32_000, periods: 20 },
  },
};

describe('a month on Flex Consumption and Standard LRS storage', () => {
  it('prices a day of counts over 30 days at 512 MB, inside the free grant', () => {
    const month = monthlyEstimate(day, { uncountedQueuePollsPerDay: 1440, timerScheduleMonitor: true });
    expect(month.functions.executions).toBe(52_800);
    // 1,460 periods of one second a day (1,440 ticks, 320 executions 16 to an instance) at 0.5 GB.
    expect(month.functions.gbSeconds).toBeCloseTo(21_900, 6);
    expect(month.functions.upperBound.gbSeconds).toBeCloseTo(26_400, 6);
    expect(month.functions.executionsUsd).toBe(0);
    expect(month.functions.executionTimeUsd).toBe(0);
    expect(month.storage).toEqual({
      tableTransactions: 300_000,
      queueTransactions: 60_000,
      tableUsd: expect.closeTo(0.12, 9) as number,
      queueUsd: expect.closeTo(0.024, 9) as number,
    });
    expect(month.host.timerStatusWrites).toBe(43_200);
    expect(month.host.queuePolls).toBe(43_200);
    expect(month.host.usd).toBeCloseTo(0.2376 + 0.01728, 9);
    expect(month.totalUsd).toBeCloseTo(0.39888, 9);
    expect(month.dominant).toBe("the Functions host's timer status blobs");
  });

  it('writes no timer status blobs with the schedule monitor off, as the app registers its timers', () => {
    const month = monthlyEstimate(day, { uncountedQueuePollsPerDay: 1440 });
    expect(month.host.timerStatusWrites).toBe(0);
    expect(month.host.usd).toBeCloseTo(0.01728, 9);
    expect(month.totalUsd).toBeCloseTo(0.39888 - 0.2376, 9);
  });

  it('charges every execution and GB-second without the free grant', () => {
    const month = monthlyEstimate(day, {
      freeGrant: false,
      uncountedQueuePollsPerDay: 1440,
      timerScheduleMonitor: true,
    });
    expect(month.functions.executionsUsd).toBeCloseTo(0.02112, 9);
    expect(month.functions.executionTimeUsd).toBeCloseTo(0.5694, 9);
    expect(month.functions.upperBound.executionTimeUsd).toBeCloseTo(0.6864, 9);
    expect(month.totalUsd).toBeCloseTo(0.9894, 9);
    expect(month.dominant).toBe('function execution time');
  });

  it('bills what is over the grant at 4,096 MB', () => {
    const month = monthlyEstimate(day, { instanceMemoryMB: 4096 });
    expect(month.functions.gbSeconds).toBeCloseTo(175_200, 6);
    expect(month.functions.executionTimeUsd).toBeCloseTo(1.9552, 9);
  });

  it('says so when every line is free', () => {
    const month = monthlyEstimate({ storage: { table: {}, queue: {} }, executions: {} });
    expect(month.totalUsd).toBe(0);
    expect(month.dominant).toBe('nothing: every line is free');
  });
});

describe('billed seconds of an active period', () => {
  it('is at least a second, in steps of a tenth', () => {
    expect(billedSeconds(1)).toBe(1);
    expect(billedSeconds(1000)).toBe(1);
    expect(billedSeconds(1401)).toBeCloseTo(1.5, 9);
    expect(billedSeconds(1500)).toBeCloseTo(1.5, 9);
  });
});

describe('a day of 1,000 targets from a longer run of fewer', () => {
  it('scales storage and queue executions by the fleet and the days, timers by the days only', () => {
    const counted: DailyUsage = {
      storage: { table: { 'point read': 2000 }, queue: { send: 400 } },
      executions: {
        tick: { trigger: 'timer', count: 2880, wallMs: 5760, periods: 2880 },
        execute: { trigger: 'queue', count: 400, wallMs: 40_000, periods: 40 },
      },
    };
    expect(dailyUsage(counted, { days: 2, targets: 100 })).toEqual({
      storage: { table: { 'point read': 10_000 }, queue: { send: 2000 } },
      executions: {
        tick: { trigger: 'timer', count: 1440, wallMs: 2880, periods: 1440 },
        execute: { trigger: 'queue', count: 2000, wallMs: 200_000, periods: 200 },
      },
    });
  });
});
