// `compute-scheduler cost`: runs a day of a fleet through `simulate`, ticking every minute as Azure does,
// counts what it did (storage transactions, executions, ARM requests) and prints what a month of it costs
// per 1,000 targets on Flex Consumption (docs/cost.md says how, and with which prices).

import { dayScenario } from '../cost/day-scenario.js';
import { dailyUsage, monthlyEstimate, type MonthlyEstimate } from '../cost/estimate.js';
import { FLEX_ON_DEMAND, STORAGE_LRS } from '../cost/prices.js';
import { parseScenario, type Scenario } from '../simulate/scenario.js';
import { simulate } from '../simulate/simulator.js';
import type { SimulationCost } from '../simulate/cost-meter.js';
import { parseArguments, parseCountOption, parseJsonOption, readInputFile } from './arguments.js';
import { UsageError } from './usage-error.js';

const DAY_MS = 86_400_000;
/** Flex Consumption's instance sizes. */
const INSTANCE_MEMORY_MB = [512, 2048, 4096];
/** A trigger queue the host polls at least once a minute even when it is empty. */
const IDLE_POLLS_PER_DAY = 1440;

/** What `cost --json` prints. */
export interface CostReport {
  scenario: { targets: number; days: number; from: string; to: string };
  counted: SimulationCost;
  perThousandTargets: { withFreeGrant: MonthlyEstimate; withoutFreeGrant: MonthlyEstimate };
}

export async function runCost(args: string[], write: (text: string) => void): Promise<void> {
  const { values, flags } = parseArguments(args, ['targets', 'scenario', 'memory-mb'], ['json']);
  const memory = Number(values.get('memory-mb') ?? '512');
  if (!INSTANCE_MEMORY_MB.includes(memory))
    throw new UsageError(
      `--memory-mb: ${values.get('memory-mb')} is not one of ${INSTANCE_MEMORY_MB.join(', ')}`,
    );
  const scenario = readScenario(values);
  const result = await simulate(scenario, { tickEveryMinute: true });
  const report = costReport(scenario, result.cost, memory);
  write(flags.has('json') ? `${JSON.stringify(report, null, 2)}\n` : describeCost(report));
}

function readScenario(values: Map<string, string>): Scenario {
  const file = values.get('scenario');
  if (file !== undefined && values.has('targets'))
    throw new UsageError('cost takes --targets N (a day of N targets) or --scenario FILE, not both');
  if (file !== undefined)
    return parseScenario(parseJsonOption(readInputFile(file, '--scenario'), '--scenario'));
  const targets = parseCountOption(values.get('targets') ?? '1000', '--targets', 10_000);
  return parseScenario(dayScenario(targets));
}

/** Scales what the run counted to 1,000 targets and a month, with and without the free grant. */
export function costReport(scenario: Scenario, counted: SimulationCost, memoryMB: number): CostReport {
  const days = (scenario.to - scenario.from) / DAY_MS;
  const targets = Math.max(1, scenario.targets.length);
  const perDay = dailyUsage(counted, { days, targets });
  // The run polls the actions queue every minute; the pools queue only with pool or idle policies to
  // scale, but the host polls it whatever the policies.
  const hasPoolPoller = scenario.targets.some((t) => t.pool !== undefined || t.idle !== undefined);
  const uncountedQueuePollsPerDay = hasPoolPoller ? 0 : IDLE_POLLS_PER_DAY;
  const estimate = (freeGrant: boolean) =>
    monthlyEstimate(perDay, { instanceMemoryMB: memoryMB, freeGrant, uncountedQueuePollsPerDay });
  return {
    scenario: {
      targets: scenario.targets.length,
      days,
      from: new Date(scenario.from).toISOString(),
      to: new Date(scenario.to).toISOString(),
    },
    counted,
    perThousandTargets: { withFreeGrant: estimate(true), withoutFreeGrant: estimate(false) },
  };
}

const usd = (n: number) => `USD ${n.toFixed(2)}`;
const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** The report in words: the month's figure, its lines, and the counts behind them. */
export function describeCost(report: CostReport): string {
  const { withFreeGrant: free, withoutFreeGrant: paid } = report.perThousandTargets;
  const { scenario, counted } = report;
  const lines = [
    `Counted: ${scenario.targets} targets, ${scenario.days} day(s) from ${scenario.from}, a tick every minute.`,
    `  storage: ${Object.entries(counted.storage.table).length ? 'table ' + fmt(counted.storage.table) : 'no table calls'}`,
    `           queue ${fmt(counted.storage.queue)}`,
    `  executions: ${Object.entries(counted.executions)
      .map(([name, e]) => `${name} ${e.count}`)
      .join(', ')}`,
    `  ARM requests: ${counted.arm.reads} reads, ${counted.arm.writes} writes`,
    ...(scenario.targets < 1000
      ? [
          `  (scaled to 1,000 targets: the storage of the minutes with nothing due is scaled too, so storage is overstated;`,
          `   run with 1,000 targets for the figure)`,
        ]
      : []),
    ``,
    `Per 1,000 targets, ${free.days} days, Flex Consumption on demand at ${free.instanceMemoryMB} MB, Standard LRS storage:`,
    `  executions          ${count(free.functions.executions)} (${count(FLEX_ON_DEMAND.freeExecutionsPerMonth)} free)`,
    `  execution time      ${count(free.functions.gbSeconds)} GB-s, each instance period at least ${FLEX_ON_DEMAND.minimumBilledSeconds} s (${count(FLEX_ON_DEMAND.freeGbSecondsPerMonth)} free);`,
    `                      ${count(free.functions.upperBound.gbSeconds)} GB-s if no two executions shared an instance`,
    `  table transactions  ${count(free.storage.tableTransactions)} at USD ${STORAGE_LRS.tableUsdPer10k} per 10,000: ${usd(free.storage.tableUsd)}`,
    `  queue transactions  ${count(free.storage.queueTransactions)} at USD ${STORAGE_LRS.queueUsdPer10k} per 10,000: ${usd(free.storage.queueUsd)}`,
    `  host (estimated)    ${count(free.host.timerStatusWrites)} timer status blob writes, ${count(free.host.queuePolls)} idle queue polls: ${usd(free.host.usd)}`,
    ``,
    `  with the free grant:    ${usd(free.totalUsd)} a month, at most ${usd(upper(free))} (most: ${free.dominant})`,
    `  without the free grant: ${usd(paid.totalUsd)} a month, at most ${usd(upper(paid))} (most: ${paid.dominant})`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The month's total if no two executions shared an instance. */
function upper(estimate: MonthlyEstimate): number {
  const { executionTimeUsd, upperBound } = estimate.functions;
  return estimate.totalUsd - executionTimeUsd + upperBound.executionTimeUsd;
}

function fmt(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([operation, n]) => `${operation} ${n}`)
    .join(', ');
}
