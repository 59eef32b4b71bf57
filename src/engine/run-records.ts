// The run rows of one target's history as the executor writes them: created once, counted per attempt,
// closed with an outcome that never changes afterwards.

import type { Clock } from '../clock.js';
import { isWriteRace, PreconditionFailedError } from '../errors.js';
import type { HistoryRef, Run, RunAction, RunOutcome, RunRepository, StoredRun } from '../store/ports.js';
import type { ActionMessage } from './action-message.js';

/** What writing run rows needs. */
export interface RunRecordDependencies {
  store: { runs: RunRepository };
  clock: Clock;
}

// `accepted` is final for the executor (no delivery calls Azure for it again); only Azure's word settles it.
const FINAL: ReadonlySet<RunOutcome> = new Set([
  'accepted',
  'overridden',
  'observed',
  'succeeded',
  'skipped-already-there',
  'superseded',
  'failed',
  'poisoned',
]);

/** Whether a run has ended: no later delivery changes it. */
export function isFinalOutcome(outcome: RunOutcome): boolean {
  return FINAL.has(outcome);
}

export function runFields(history: HistoryRef, message: ActionMessage, now: number) {
  return {
    ...history,
    occurrenceAt: message.occurrenceAt,
    requestedAction: message.action,
    source: message.source,
    createdAt: now,
    ...(message.requestedBy ? { requestedBy: message.requestedBy } : {}),
  };
}

/** Writers of a run row that a claim holder may race: the attempt that handed it on, marking it late. */
const MAX_START_ATTEMPTS = 3;

/**
 * Creates the run as this delivery's first attempt, or counts another attempt on an existing one.
 * @returns the run, or undefined when its row kept changing under this attempt (another holds it in hand)
 */
export async function startRun(
  deps: RunRecordDependencies,
  history: HistoryRef,
  message: ActionMessage,
): Promise<StoredRun | undefined> {
  for (let attempt = 1; attempt <= MAX_START_ATTEMPTS; attempt++) {
    const now = deps.clock.now();
    const fresh: Run = {
      ...runFields(history, message, now),
      outcome: 'pending',
      attempts: 1,
      startedAt: now,
    };
    const created = await deps.store.runs.createIfAbsent(fresh);
    if (created.created || isFinalOutcome(created.run.outcome)) return created.run;
    const run = created.run;
    try {
      return await deps.store.runs.update({
        ...run,
        attempts: run.attempts + 1,
        startedAt: run.startedAt ?? now,
      });
    } catch (error) {
      // We hold the target, so only a late writer of an earlier attempt gets here: the one that handed the
      // run on to this message, marking its row just as this took it on, or one whose lease lapsed. Read it
      // again: what it wrote (an outcome, or an error) stands.
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }
  return undefined;
}

export function supersededNote(by: { at: number; action: RunAction }): string {
  return `superseded by the ${by.action} at ${new Date(by.at).toISOString()}`;
}

/** Records the run as ended with `outcome` without a call; a run that already ended keeps its outcome. */
export async function closeRun(
  deps: RunRecordDependencies,
  history: HistoryRef,
  message: ActionMessage,
  outcome: RunOutcome,
  note: string,
): Promise<void> {
  const now = deps.clock.now();
  const { run, created } = await deps.store.runs.createIfAbsent({
    ...runFields(history, message, now),
    outcome,
    attempts: 0,
    finishedAt: now,
    note,
  });
  if (!created && !isFinalOutcome(run.outcome)) await finish(deps, run, outcome, { note }).catch(ignoreRace);
}

/** The occurrences the tick coalesced into this message, each recorded `superseded`. */
export async function recordSuperseded(
  deps: RunRecordDependencies,
  history: HistoryRef,
  message: ActionMessage,
): Promise<void> {
  const now = deps.clock.now();
  for (const [occurrenceAt, action] of message.superseded ?? []) {
    await deps.store.runs.createIfAbsent({
      ...history,
      occurrenceAt,
      requestedAction: action,
      source: message.source,
      outcome: 'superseded',
      attempts: 0,
      createdAt: now,
      finishedAt: now,
      note: supersededNote({ at: message.occurrenceAt, action: message.action }),
    });
  }
}

export async function finish(
  deps: RunRecordDependencies,
  run: StoredRun,
  outcome: RunOutcome,
  extra: { note?: string; operation?: string; error?: { code: string; message: string } },
): Promise<void> {
  await deps.store.runs.update({ ...run, ...extra, outcome, finishedAt: deps.clock.now() });
}

/** A concurrent writer got there first: what it wrote stands. */
export function ignoreRace(error: unknown): void {
  if (!isWriteRace(error)) throw error;
}
