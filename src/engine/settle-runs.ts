// Settling runs that Azure accepted: the scheduler's own success or failure event ends them `succeeded` or
// `failed`, so a stop that Azure accepted and then failed is not left looking done. A failure is checked
// with one read first: Azure ML accepts a stop of a stopped instance and then fails it, and a run that
// went ahead without reading the machine (its read was throttled) would otherwise record a failure for a
// machine that is exactly where the schedule wants it.

import type { Clock } from '../clock.js';
import {
  isInDesiredState,
  stateAfter,
  TargetNotFoundError,
  ThrottledError,
  TransientError,
  type ComputeGateway,
} from '../compute/gateway.js';
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

export interface OwnEventDependencies extends SettleDependencies {
  /** Reads the machine when Azure reports one of our operations failed. */
  gateway: Pick<ComputeGateway, 'readState'>;
}

/**
 * The scheduler's own operation finished: the newest run that Azure accepted for that operation, started
 * before the event, ends `succeeded` or `failed`, or `skipped-already-there` when the operation failed
 * but the machine is in the state the run asked for. When that read is throttled, the run stays
 * `accepted` for its check to settle. A run already settled keeps its outcome.
 */
export async function settleOwnRun(
  deps: OwnEventDependencies,
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
  const source = `Event Grid, ${formatInstant(event.at)}`;
  if (event.status !== 'Success' && (run.requestedAction === 'Start' || run.requestedAction === 'Stop')) {
    const seen = await lookAfterFailure(deps, target, run.requestedAction);
    if (seen === 'unread')
      return { reaction: 'ignored', detail: `${run.occurrenceAt} failed; left to its check` };
    if (seen !== 'elsewhere') {
      const note = `Azure failed the ${operation} (${source}): the machine was already ${seen.there}`;
      const now = deps.clock.now();
      await deps.store.runs
        .update({ ...run, outcome: 'skipped-already-there', note, finishedAt: now })
        .catch(ignoreRace);
      return { reaction: 'settled-run', detail: `${run.occurrenceAt} already ${seen.there}` };
    }
  }
  await settle(deps, run, event.status === 'Success', source);
  return { reaction: 'settled-run', detail: `${run.occurrenceAt} ${event.status}` };
}

/**
 * After a failed operation: the machine's state as Azure shows it when that is where the run wanted it,
 * `elsewhere` when it is not (or the machine is gone), `unread` when Azure would not say just now.
 */
async function lookAfterFailure(
  deps: OwnEventDependencies,
  target: StoredTarget,
  action: 'Start' | 'Stop',
): Promise<{ there: string } | 'elsewhere' | 'unread'> {
  try {
    const state = await deps.gateway.readState({ resourceId: target.resourceId, kind: target.kind });
    return isInDesiredState(state, stateAfter(action)) ? { there: state.raw } : 'elsewhere';
  } catch (error) {
    if (error instanceof TargetNotFoundError) return 'elsewhere';
    if (error instanceof ThrottledError || error instanceof TransientError) return 'unread';
    throw error;
  }
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
