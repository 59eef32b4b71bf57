// Settling an accepted run by reading the machine later: Event Grid usually says first how the operation
// ended (settle-runs.ts), but without a subscription, or when its event is lost, a run Azure accepted
// would stay `accepted` for ever. So each accepted run also sends itself a check message a few minutes
// on; whichever comes first settles it, and the other finds nothing to do.

import {
  isInDesiredState,
  stateAfter,
  TargetNotFoundError,
  ThrottledError,
  TransientError,
  type TargetState,
} from '../compute/gateway.js';
import { formatInstant } from '../schedule/index.js';
import type { StoredRun, StoredTarget } from '../store/ports.js';
import type { ActionMessage } from './action-message.js';
import type { ExecuteDependencies, ExecuteReport } from './execute.js';
import { historyOf } from './run-history.js';
import { ignoreRace } from './run-records.js';
import { settle } from './settle-runs.js';

/** Minutes between an accepted call and each look at the machine: VMs start in one to three, ML instances in more. */
export const CHECK_AFTER_MS = 10 * 60_000;
/** Looks before a machine still not where it was sent is called a failure (half an hour in all). */
export const MAX_CHECKS = 3;

/** The check message for a run just recorded `accepted`. */
export function checkMessage(message: ActionMessage, check = 1): ActionMessage {
  const { attempt: _a, throttled: _t, resumed: _r, superseded: _s, ...action } = message;
  return { ...action, check };
}

/** Sends the run's next check, `CHECK_AFTER_MS` from now. */
export async function queueCheck(
  deps: Pick<ExecuteDependencies, 'actions'>,
  message: ActionMessage,
  check: number,
): Promise<void> {
  await deps.actions.send(checkMessage(message, check), { visibilityDelayInMs: CHECK_AFTER_MS });
}

/**
 * Reads the machine of a run still `accepted`: in the state it was sent to, the run succeeded; on its
 * way or not yet there, it is looked at again, up to `MAX_CHECKS` times; still not there then, it failed,
 * unless a newer run has since acted on the machine (then what the machine shows is that run's doing).
 */
export async function checkAccepted(
  deps: ExecuteDependencies,
  target: StoredTarget,
  message: ActionMessage,
): Promise<ExecuteReport> {
  const check = message.check ?? 1;
  const history = historyOf(target);
  const run = await deps.store.runs.get(history, message.occurrenceAt);
  // Settled already (by its event, or an earlier delivery of this check), or never recorded: nothing to do.
  if (!run || run.outcome !== 'accepted') return { outcome: run?.outcome ?? 'pending', duplicate: true };
  let state: TargetState;
  try {
    state = await deps.gateway.readState({ resourceId: target.resourceId, kind: target.kind });
  } catch (error) {
    if (error instanceof TargetNotFoundError) {
      await deps.store.runs.update(gone(run, deps.clock.now())).catch(ignoreRace);
      return { outcome: 'failed', duplicate: false };
    }
    if (!(error instanceof ThrottledError || error instanceof TransientError)) throw error;
    // Azure is busy: look again later without spending a look.
    await queueCheck(deps, message, check);
    return { outcome: 'accepted', duplicate: false };
  }
  const now = deps.clock.now();
  if (isInDesiredState(state, stateAfter(message.action))) {
    await settle(deps, run, true, `read at ${formatInstant(now)}`);
    return { outcome: 'succeeded', duplicate: false };
  }
  if (check < MAX_CHECKS) {
    await queueCheck(deps, message, check + 1);
    return { outcome: 'accepted', duplicate: false };
  }
  const latest = await deps.store.runs.getLatest(history);
  if (latest && latest.latestAt > run.occurrenceAt) return { outcome: 'accepted', duplicate: false };
  await deps.store.runs.update(notReached(run, state, now)).catch(ignoreRace);
  return { outcome: 'failed', duplicate: false };
}

function notReached(run: StoredRun, state: TargetState, now: number): StoredRun {
  const operation = run.operation ?? 'operation';
  const minutes = Math.round((now - (run.finishedAt ?? run.createdAt)) / 60_000);
  return {
    ...run,
    outcome: 'failed',
    finishedAt: now,
    note: `Azure accepted the ${operation}, but ${minutes} min later the machine was ${state.raw}`,
    error: { code: 'NotCompleted', message: `The ${operation} did not bring the machine to its state.` },
  };
}

function gone(run: StoredRun, now: number): StoredRun {
  return {
    ...run,
    outcome: 'failed',
    finishedAt: now,
    note: `Azure accepted the ${run.operation ?? 'operation'}, and then the machine was gone`,
    error: { code: 'TargetNotFound', message: 'The machine no longer exists.' },
  };
}
