// Settling runs that Azure accepted: the scheduler's own success or failure event ends them `succeeded` or
// `failed`, so a stop that Azure accepted and then failed is not left looking done.

import type { Clock } from '../clock.js';
import { formatInstant } from '../schedule/index.js';
import type { Store, StoredRun, StoredTarget } from '../store/ports.js';
import { operationOf, type ResourceEvent } from './resource-event.js';
import { historyOf } from './run-history.js';
import { ignoreRace } from './run-records.js';

/** How far before a run started its event may seem to be: clocks of ARM and of our hosts differ a little. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** Runs read back when looking for the one an event settles: the newest page is where runs in flight are. */
const RUNS_SEARCHED = 50;

export interface SettleDependencies {
  store: Pick<Store, 'runs'>;
  clock: Clock;
}

/**
 * The scheduler's own operation finished: the newest run that Azure accepted for that operation, started
 * before the event, ends `succeeded` or `failed`. A run already settled keeps its outcome.
 */
export async function settleOwnRun(
  deps: SettleDependencies,
  target: StoredTarget,
  event: ResourceEvent,
): Promise<{ reaction: string; detail?: string }> {
  const operation = operationOf(event.operationName);
  if (!operation) return { reaction: 'ignored', detail: `own operation ${event.operationName}` };
  const page = await deps.store.runs.list(historyOf(target), { maxPageSize: RUNS_SEARCHED });
  const run = page.items.find(
    (r) =>
      r.outcome === 'accepted' &&
      r.operation === operation &&
      (r.startedAt ?? r.createdAt) <= event.at + CLOCK_SKEW_MS,
  );
  if (!run) return { reaction: 'ignored', detail: `no ${operation} in flight` };
  await settle(deps, run, event.status === 'Success', `Event Grid, ${formatInstant(event.at)}`);
  return { reaction: 'settled-run', detail: `${run.occurrenceAt} ${event.status}` };
}

/** Ends an accepted run as Azure reported it. */
export async function settle(
  deps: SettleDependencies,
  run: StoredRun,
  succeeded: boolean,
  source: string,
): Promise<void> {
  const now = deps.clock.now();
  const settled: StoredRun = succeeded
    ? { ...run, outcome: 'succeeded', note: `completed (${source})`, finishedAt: now }
    : {
        ...run,
        outcome: 'failed',
        finishedAt: now,
        note: `Azure accepted the ${run.operation ?? 'operation'} and then reported it failed (${source})`,
        error: { code: 'OperationFailed', message: `The ${run.operation ?? 'operation'} did not complete.` },
      };
  await deps.store.runs.update(settled).catch(ignoreRace);
}
