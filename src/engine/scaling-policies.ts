// Pool and idle policies: set, read and remove them on the targets they fit, with the rules a schema cannot
// say (capacities in order, CPU only where Azure Monitor measures it). The reconciler acts on them.

import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import { InvalidRequestError, NotFoundError, type FieldProblem } from '../errors.js';
import type {
  IdlePolicy,
  IdleRule,
  PolicyWriteOptions,
  PoolPolicy,
  ScalingRepository,
  StoredPolicy,
} from '../store/pool-ports.js';
import type { StoredTarget, TargetRepository } from '../store/ports.js';
import type { TargetKind } from '../targets/resource-id.js';
import { getTarget } from './register-targets.js';

export interface ScalingPolicyDependencies {
  targets: TargetRepository;
  scaling: ScalingRepository;
  clock: Clock;
}

/** An If-Match header as read: `*`, or the entity tags it lists. */
export type IfMatch = '*' | string[];

/** The defaults of the optional fields, filled in before a policy is stored. */
export const POLICY_DEFAULTS = {
  sessionsPerInstance: 1,
  activity: 'sessions',
  cpuThresholdPercent: 5,
} as const;

type PolicyKind = 'pool' | 'idle';

const KIND_NAMES: Record<TargetKind, string> = {
  vm: 'a VM',
  pool: 'a pool (scale set)',
  computeInstance: 'a compute instance',
};

/**
 * The target, if the principal may manage it and the policy fits its kind.
 * @throws NotFoundError, ForbiddenError; InvalidRequestError (parameter `id`) for the wrong kind
 */
export async function targetForPolicy(
  deps: Pick<ScalingPolicyDependencies, 'targets'>,
  principal: Principal,
  targetId: string,
  kind: PolicyKind,
): Promise<StoredTarget> {
  const target = await getTarget(deps, principal, targetId);
  const fits = kind === 'pool' ? target.kind === 'pool' : target.kind !== 'pool';
  if (!fits) {
    const wanted = kind === 'pool' ? 'pools (scale sets); use /idle' : 'VMs and compute instances; use /pool';
    throw new InvalidRequestError(
      `Target ${targetId} is ${KIND_NAMES[target.kind]}: ${kind} policies are for ${wanted}.`,
      [{ parameter: 'id', reason: `is ${KIND_NAMES[target.kind]}; ${kind} policies are for ${wanted}` }],
    );
  }
  return target;
}

/** The idle rule with its defaults, refusing CPU where Azure Monitor has none. */
function idleRuleOf(body: Partial<IdleRule> & { idleMinutes: number }, kind: TargetKind): IdleRule {
  const rule: IdleRule = {
    idleMinutes: body.idleMinutes,
    activity: body.activity ?? POLICY_DEFAULTS.activity,
    cpuThresholdPercent: body.cpuThresholdPercent ?? POLICY_DEFAULTS.cpuThresholdPercent,
  };
  if (rule.activity === 'cpu' && kind === 'computeInstance') {
    // Azure Monitor publishes `Percentage CPU` for VMs and scale-set instances, but no per-instance CPU
    // metric for Azure ML compute instances (the workspace's CPU metrics are per training run and cluster).
    throw new InvalidRequestError('Azure Monitor has no CPU metric for compute instances.', [
      {
        pointer: '/activity',
        reason:
          'cannot be "cpu" on a compute instance (Azure Monitor has no CPU metric for it); use "sessions"',
      },
    ]);
  }
  return rule;
}

/** The pool policy with its defaults; the capacities must be in order. */
export function poolPolicyOf(
  body: Partial<PoolPolicy> &
    Pick<PoolPolicy, 'minCapacity' | 'wakeCapacity' | 'maxCapacity' | 'idleMinutes'>,
): PoolPolicy {
  const policy: PoolPolicy = {
    minCapacity: body.minCapacity,
    wakeCapacity: body.wakeCapacity,
    maxCapacity: body.maxCapacity,
    sessionsPerInstance: body.sessionsPerInstance ?? POLICY_DEFAULTS.sessionsPerInstance,
    ...idleRuleOf(body, 'pool'),
  };
  const problems: FieldProblem[] = [];
  if (policy.wakeCapacity < policy.minCapacity) {
    problems.push({
      pointer: '/wakeCapacity',
      reason: `must be at least minCapacity (${policy.minCapacity})`,
    });
  }
  if (policy.maxCapacity < policy.wakeCapacity) {
    problems.push({
      pointer: '/maxCapacity',
      reason: `must be at least wakeCapacity (${policy.wakeCapacity})`,
    });
  }
  if (problems.length > 0) {
    throw new InvalidRequestError(
      'The capacities are out of order: minCapacity ≤ wakeCapacity ≤ maxCapacity.',
      problems,
    );
  }
  return policy;
}

/** The one tag to hand the store: the current policy's own when the header lists it. */
async function storeIfMatch(
  ifMatch: IfMatch | undefined,
  read: () => Promise<StoredPolicy<unknown> | undefined>,
): Promise<string | undefined> {
  if (ifMatch === undefined || ifMatch === '*') return ifMatch;
  if (ifMatch.length === 1) return ifMatch[0];
  const current = await read();
  return current && ifMatch.includes(current.etag) ? current.etag : (ifMatch[0] ?? '');
}

/** How a put writes either kind of policy: who set it and when, under the If-Match the store can check. */
async function policyWrite(
  deps: Pick<ScalingPolicyDependencies, 'clock'>,
  principal: Principal,
  ifMatch: IfMatch | undefined,
  read: () => Promise<StoredPolicy<unknown> | undefined>,
): Promise<PolicyWriteOptions> {
  const stored = await storeIfMatch(ifMatch, read);
  return {
    ...(stored !== undefined ? { ifMatch: stored } : {}),
    updatedBy: principal.id,
    updatedAt: deps.clock.now(),
  };
}

/** A kind's policy type: a pool's capacities and idle rule, or a single machine's idle rule. */
type PolicyOf<K extends PolicyKind> = K extends 'pool' ? PoolPolicy : IdlePolicy;

/** One kind of policy: its rows in the scaling repository, and how a request body becomes one. */
interface PolicyOfKind<P> {
  get(targetId: string): Promise<StoredPolicy<P> | undefined>;
  put(targetId: string, policy: P, options: PolicyWriteOptions): Promise<StoredPolicy<P>>;
  remove(targetId: string, options: { ifMatch?: string }): Promise<boolean>;
  fromBody(body: unknown, target: StoredTarget): P;
}

function policyOfKind<K extends PolicyKind>(scaling: ScalingRepository, kind: K): PolicyOfKind<PolicyOf<K>> {
  const kinds: { [P in PolicyKind]: PolicyOfKind<PolicyOf<P>> } = {
    pool: {
      get: (targetId) => scaling.getPool(targetId),
      put: (targetId, policy, options) => scaling.putPool(targetId, policy, options),
      remove: (targetId, options) => scaling.deletePool(targetId, options),
      fromBody: (body) => poolPolicyOf(body as PoolPolicy),
    },
    idle: {
      get: (targetId) => scaling.getIdle(targetId),
      put: (targetId, policy, options) => scaling.putIdle(targetId, policy, options),
      remove: (targetId, options) => scaling.deleteIdle(targetId, options),
      fromBody: (body, target) => idleRuleOf(body as IdleRule, target.kind),
    },
  };
  return kinds[kind];
}

/**
 * Sets the target's policy of that kind: a pool's scaling policy, or a VM's or compute instance's idle policy.
 * @throws NotFoundError, ForbiddenError; InvalidRequestError for a target of the wrong kind, capacities out of
 * order or CPU on a compute instance; PreconditionFailedError for a stale If-Match
 */
export async function putScalingPolicy<K extends PolicyKind>(
  deps: ScalingPolicyDependencies,
  principal: Principal,
  targetId: string,
  kind: K,
  body: unknown,
  options: { ifMatch?: IfMatch } = {},
): Promise<StoredPolicy<PolicyOf<K>>> {
  const target = await targetForPolicy(deps, principal, targetId, kind);
  const rows = policyOfKind(deps.scaling, kind);
  const policy = rows.fromBody(body, target);
  const write = await policyWrite(deps, principal, options.ifMatch, () => rows.get(targetId));
  return rows.put(targetId, policy, write);
}

/**
 * The target's policy of that kind.
 * @throws NotFoundError when the target is unknown or has none; ForbiddenError; InvalidRequestError (kind)
 */
export async function getPolicy(
  deps: ScalingPolicyDependencies,
  principal: Principal,
  targetId: string,
  kind: PolicyKind,
): Promise<StoredPolicy<PoolPolicy | IdlePolicy>> {
  await targetForPolicy(deps, principal, targetId, kind);
  const stored = await policyOfKind(deps.scaling, kind).get(targetId);
  if (!stored) throw new NotFoundError(`Target ${targetId} has no ${kind} policy.`);
  return stored;
}

/**
 * Removes the target's policy of that kind; the machine stays as it is.
 * @throws NotFoundError when it has none; PreconditionFailedError for a stale If-Match; as {@link getPolicy}
 */
export async function deletePolicy(
  deps: ScalingPolicyDependencies,
  principal: Principal,
  targetId: string,
  kind: PolicyKind,
  options: { ifMatch?: IfMatch } = {},
): Promise<void> {
  await targetForPolicy(deps, principal, targetId, kind);
  const rows = policyOfKind(deps.scaling, kind);
  const ifMatch = await storeIfMatch(options.ifMatch, () => rows.get(targetId));
  const removed = await rows.remove(targetId, ifMatch !== undefined ? { ifMatch } : {});
  if (!removed) throw new NotFoundError(`Target ${targetId} has no ${kind} policy.`);
}
