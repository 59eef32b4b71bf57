// Following a warning's snooze link: the target stays running until the hours the link says after the stop
// it warned of, through the override use case (a person's override, asked for with a signed link).

import type { Clock } from '../clock.js';
import { ConfigurationError, NotFoundError } from '../errors.js';
import type { StoredTarget, TargetRepository } from '../store/ports.js';
import { verifySnooze } from './snooze-link.js';

/**
 * Keeps a target running until `until` (UTC ms), its schedules suspended until then: the override use case.
 * `by` says who asked (`snooze link`).
 */
export type HoldRunning = (target: StoredTarget, until: number, by: string) => Promise<void>;

export interface SnoozeDependencies {
  targets: TargetRepository;
  clock: Clock;
  signingKey?: Buffer;
  holdRunning?: HoldRunning;
}

/** What a snooze did. */
export interface Snoozed {
  targetId: string;
  stopAt: number;
  until: number;
}

/**
 * Snoozes the stop a link was made for. Following the same link again asks for the same override.
 * @throws InvalidRequestError for a link that is malformed, altered or expired
 * @throws NotFoundError when the target is gone or was registered again since the warning
 * @throws ConfigurationError when the app has no signing key, or no override to hold the target with
 */
export async function snoozeStop(deps: SnoozeDependencies, token: string): Promise<Snoozed> {
  if (!deps.signingKey)
    throw missing('SCHEDULER_WARNING_SIGNING_KEY is not set: snooze links cannot be checked');
  const grant = verifySnooze(deps.signingKey, token, deps.clock.now());
  const target = await deps.targets.get(grant.targetId);
  if (!target || (target.registration ?? '') !== (grant.registration ?? '')) {
    throw new NotFoundError('The machine this warning was about is no longer registered.');
  }
  if (!deps.holdRunning) throw missing('no override use case is wired to hold a target running');
  const until = grant.stopAt + grant.hours * 3_600_000;
  await deps.holdRunning(target, until, 'snooze link');
  return { targetId: target.id, stopAt: grant.stopAt, until };
}

/** Ours to fix: a 500 that is logged. */
function missing(problem: string): ConfigurationError {
  return new ConfigurationError([problem]);
}
