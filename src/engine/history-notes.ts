// Records in a target's run history what the scheduler did around its actions (a policy given, a warning
// sent), so "what happened to my machine" has one answer. These rows never go through the actions queue.

import type { Run, RunRepository, StoredRun } from '../store/ports.js';

/** How many instants a note tries before giving up on a row of its own (each a millisecond later). */
const PLACES_TO_TRY = 8;

/**
 * Writes a note at `run.occurrenceAt`, or a millisecond later while that instant holds another kind of row
 * (a manual request may have taken it). A note of the same kind and source already there is returned as is:
 * writing the same note twice records it once.
 */
export async function recordNote(
  runs: RunRepository,
  run: Run,
): Promise<{ run: StoredRun; created: boolean }> {
  for (let place = 0; ; place++) {
    const candidate = { ...run, occurrenceAt: run.occurrenceAt + place };
    const result = await runs.createIfAbsent(candidate);
    const same = result.run.requestedAction === run.requestedAction && result.run.source === run.source;
    if (result.created || same || place + 1 >= PLACES_TO_TRY) return result;
  }
}
