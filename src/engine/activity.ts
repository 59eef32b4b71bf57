// Activity: reporters on the machines say how many sessions each has, every minute or so; the reconciler
// reads it. A report is authenticated as a person who may manage the target, or with an activity token.

import { assertCanActOn } from '../auth/access.js';
import { secretMatches, type PresentedToken } from '../auth/activity-token.js';
import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import {
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
  UnauthenticatedError,
  type FieldProblem,
} from '../errors.js';
import { isTargetId } from '../store/keys.js';
import type { ActivityReport, ActivityTokenRepository, ScalingRepository } from '../store/pool-ports.js';
import type { StoredTarget, TargetRepository } from '../store/ports.js';
import type { KnownPoolInstances } from './pool-instances.js';

export interface ActivityDependencies {
  targets: TargetRepository;
  scaling: ScalingRepository;
  tokens: ActivityTokenRepository;
  clock: Clock;
  /** Refuses reports of instances a pool does not have; absent, they are not checked. */
  poolInstances?: KnownPoolInstances;
}

/** Who reports: a signed-in person, or a reporter with an activity token. */
export type ActivityCaller = { principal: Principal } | { token: PresentedToken };

/** What `POST /targets/{id}/activity` carries (checked against the ActivityReport schema). */
export interface ActivityBody {
  instances?: { instanceId: string; sessions: number }[];
  waiting?: number;
  sessions?: number;
}

/**
 * The target a caller may report activity for.
 * @throws UnauthenticatedError for a token that is unknown, revoked, expired or of an earlier registration
 * @throws ForbiddenError for a token of another target, or a person who may not manage this one
 * @throws NotFoundError for an unknown target
 */
export async function targetForActivity(
  deps: Pick<ActivityDependencies, 'targets' | 'tokens' | 'clock'>,
  caller: ActivityCaller,
  targetId: string,
): Promise<StoredTarget> {
  if ('token' in caller) await checkToken(deps, caller.token);
  if ('token' in caller && caller.token.targetId !== targetId) {
    throw new ForbiddenError('This activity token is for another target; it allows nothing here.');
  }
  const target = isTargetId(targetId) ? await deps.targets.get(targetId) : undefined;
  if (!target) throw new NotFoundError(`No target ${targetId}.`);
  if ('principal' in caller) assertCanActOn(caller.principal, target);
  return target;
}

async function checkToken(
  deps: Pick<ActivityDependencies, 'targets' | 'tokens' | 'clock'>,
  presented: PresentedToken,
): Promise<void> {
  const stored = await deps.tokens.get(presented.targetId, presented.tokenId);
  if (!stored || !secretMatches(presented.secret, stored.secretHash)) {
    throw new UnauthenticatedError('The activity token is unknown or was revoked.');
  }
  if (stored.token.expiresAt !== undefined && stored.token.expiresAt <= deps.clock.now()) {
    throw new UnauthenticatedError('The activity token has expired; ask for a new one.');
  }
  if (stored.token.registration !== undefined) {
    const target = await deps.targets.get(presented.targetId);
    if (target?.registration !== stored.token.registration) {
      throw new UnauthenticatedError('The activity token belongs to an earlier registration of the target.');
    }
  }
}

/**
 * Records a report: per instance for a pool, `sessions` for a single machine.
 * @throws InvalidRequestError for the wrong shape for the target's kind, an instance named twice, or an
 * instance the pool does not have; and as {@link targetForActivity}
 */
export async function reportActivity(
  deps: ActivityDependencies,
  caller: ActivityCaller,
  targetId: string,
  body: ActivityBody,
): Promise<void> {
  const target = await targetForActivity(deps, caller, targetId);
  const report = reportOf(target, body, deps.clock.now());
  if (target.kind === 'pool' && deps.poolInstances && report.instances.length > 0) {
    const unknown = await deps.poolInstances.unknown(
      target,
      report.instances.map((i) => i.instanceId),
    );
    if (unknown.length > 0) {
      const at = (id: string) => report.instances.findIndex((i) => i.instanceId === id);
      throw new InvalidRequestError(`Pool ${target.name} has no instance ${unknown.join(', ')}.`, [
        ...unknown.map((id) => ({
          pointer: `/instances/${at(id)}/instanceId`,
          reason: `is not an instance of the pool`,
        })),
      ]);
    }
  }
  await deps.scaling.recordActivity(target.id, report);
}

/** The report the body makes for this kind of target. */
function reportOf(target: StoredTarget, body: ActivityBody, at: number): ActivityReport {
  const problems: FieldProblem[] = [];
  if (target.kind === 'pool') {
    if (body.sessions !== undefined)
      problems.push({ pointer: '/sessions', reason: 'a pool reports per instance: use instances' });
    if (body.instances === undefined)
      problems.push({ pointer: '/instances', reason: 'is required for a pool' });
    const seen = new Set<string>();
    (body.instances ?? []).forEach(({ instanceId }, i) => {
      if (seen.has(instanceId))
        problems.push({ pointer: `/instances/${i}/instanceId`, reason: 'is named twice' });
      seen.add(instanceId);
    });
  } else {
    if (body.sessions === undefined)
      problems.push({ pointer: '/sessions', reason: 'is required for a single machine' });
    for (const field of ['instances', 'waiting'] as const) {
      if (body[field] !== undefined) problems.push({ pointer: `/${field}`, reason: 'is for pools only' });
    }
  }
  if (problems.length > 0) throw new InvalidRequestError('The report does not fit the target.', problems);
  return target.kind === 'pool'
    ? {
        at,
        instances: body.instances ?? [],
        ...(body.waiting !== undefined ? { waiting: body.waiting } : {}),
      }
    : { at, instances: [{ instanceId: '', sessions: body.sessions ?? 0 }] };
}
