// Reading back what the scheduler recorded in `simulate`: every target's run history, read once through
// the store as the API would, and the counts the report gives from it.

import { historyOf } from '../../src/engine/run-history.js';
import type { createDependencies } from '../../src/functions/dependencies.js';
import type { RunOutcome, StoredRun } from '../../src/store/ports.js';
import type { Scenario } from './scenario.js';
import type { Planned, RunFailure, SimulationResult } from './simulator.js';

type Dependencies = ReturnType<typeof createDependencies>;

async function allRuns(deps: Dependencies, targetId: string): Promise<StoredRun[]> {
  const target = await deps.store.targets.get(targetId);
  if (!target) return [];
  const runs: StoredRun[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await deps.store.runs.list(historyOf(target), {
      maxPageSize: 1000,
      ...(continuationToken ? { continuationToken } : {}),
    });
    runs.push(...page.items);
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return runs;
}

/** Every registered target's runs, by lowercase resource id; a target forgotten since has none. */
export async function readHistories(
  deps: Dependencies,
  targetIds: Map<string, string>,
): Promise<Map<string, StoredRun[]>> {
  const histories = new Map<string, StoredRun[]>();
  for (const [resourceId, id] of targetIds) histories.set(resourceId, await allRuns(deps, id));
  return histories;
}

export function countRuns(runs: StoredRun[]): SimulationResult['runs'] {
  const counts: Record<RunOutcome, number> = {
    pending: 0,
    accepted: 0,
    overridden: 0,
    observed: 0,
    succeeded: 0,
    'skipped-already-there': 0,
    superseded: 0,
    failed: 0,
    poisoned: 0,
  };
  // Warnings and policy notes are histories' lines too, but not runs of an action.
  for (const run of runs) if (run.requestedAction !== 'Warn') counts[run.outcome]++;
  return {
    accepted: counts.accepted,
    succeeded: counts.succeeded,
    skipped: counts['skipped-already-there'],
    superseded: counts.superseded,
    failed: counts.failed,
    poisoned: counts.poisoned,
    pending: counts.pending,
  };
}

/** The failed and poisoned runs (warnings aside, as in `countRuns`), oldest first, with what they recorded. */
export function failuresIn(histories: Map<string, StoredRun[]>): RunFailure[] {
  const failures: RunFailure[] = [];
  for (const [resourceId, runs] of histories) {
    for (const run of runs) {
      if (run.requestedAction === 'Warn') continue;
      if (run.outcome !== 'failed' && run.outcome !== 'poisoned') continue;
      failures.push({
        resourceId,
        occurrenceAt: new Date(run.occurrenceAt).toISOString(),
        action: run.requestedAction,
        outcome: run.outcome,
        attempts: run.attempts,
        ...(run.note ? { note: run.note } : {}),
        ...(run.error ? { error: run.error } : {}),
      });
    }
  }
  return failures.sort(
    (a, b) => a.occurrenceAt.localeCompare(b.occurrenceAt) || a.resourceId.localeCompare(b.resourceId),
  );
}

/** Occurrences in (from, to] that have no run row: computed from the schedules, not from the pipeline. */
export function countMissed(planned: Planned[], histories: Map<string, StoredRun[]>): number {
  let missed = 0;
  for (const target of planned) {
    if (target.deleted) continue;
    const recorded = new Set(
      (histories.get(target.resourceId.toLowerCase()) ?? []).map((r) => r.occurrenceAt),
    );
    for (const at of target.occurrences) if (!recorded.has(at)) missed++;
  }
  return missed;
}

/** A plan marked `deleted` when its machine was deleted (at `deletedAt`): its runs and final state no longer count. */
export function markDeleted(planned: Planned, deletedAt: number | undefined): Planned {
  return deletedAt === undefined ? planned : { ...planned, deleted: true };
}

/** Deleted machines whose target the scheduler forgot (its history reads empty). */
export function forgotten(
  scenario: Scenario,
  targetIds: Map<string, string>,
  histories: Map<string, StoredRun[]>,
): number {
  return scenario.deletes.filter((d) => {
    const id = d.resourceId.toLowerCase();
    return targetIds.has(id) && (histories.get(id)?.length ?? 0) === 0;
  }).length;
}
