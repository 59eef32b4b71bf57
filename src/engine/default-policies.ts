// Gives machines the schedule of the default policy they fall under: a machine just created (Event Grid's
// ResourceWriteSuccess), or registered machines without a schedule when an admin applies a policy. A machine
// tagged `compute-scheduler: off` is never given one. Each policy given is a note in the target's history.

import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import { isOptedOut, TargetNotFoundError, type ComputeGateway } from '../compute/gateway.js';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../errors.js';
import { nextOccurrence } from '../schedule/index.js';
import type { Policy, PrincipalRef, StoredTarget, Store, Target } from '../store/ports.js';
import { InvalidResourceIdError, parseResourceId } from '../targets/resource-id.js';
import { recordNote } from './history-notes.js';
import { machineFields } from './register-targets.js';
import { assertAdmin, checkPolicyName, choosePolicy, isInScope } from './policies.js';
import { historyOf } from './run-history.js';

/**
 * Turns enforcement on for a target a policy with `enforce` was given to (the override and enforcement use
 * case, `PUT /api/targets/{id}/enforcement`). Absent where that use case is not wired: the policy's schedule
 * is still given, and the note says enforcement was not set.
 */
export type SetEnforcement = (target: StoredTarget, enforce: boolean) => Promise<void>;

/** The ports giving a policy needs. */
export interface DefaultPolicyDependencies {
  store: Pick<Store, 'policies' | 'targets' | 'schedules' | 'runs' | 'warnings'>;
  /** Reads the machine's tags (the opt-out). */
  gateway: Pick<ComputeGateway, 'readTags'>;
  clock: Clock;
  setEnforcement?: SetEnforcement;
}

/** What became of one machine. */
export type PolicyOutcome =
  'applied' | 'has-schedules' | 'opted-out' | 'no-policy' | 'not-found' | 'not-schedulable';

export interface PolicyApplication {
  resourceId: string;
  outcome: PolicyOutcome;
  policy?: string;
  targetId?: string;
  /** Why, in a sentence. */
  detail: string;
}

/** A machine that was just created, as the resource event names it. */
export interface NewResource {
  resourceId: string;
  /** Who created it (from the event's claims): the target's owner when a policy registers it. */
  createdBy?: PrincipalRef;
}

/**
 * Registers a machine just created and gives it its default policy: the narrowest policy whose scope holds
 * it and that names its kind (`choosePolicy`), unless the machine is tagged `compute-scheduler: off`, or is
 * registered already with a schedule. Safe to repeat (Event Grid delivers at least once): a machine that has
 * its schedule is left alone.
 * @returns what became of it; nothing is thrown for a machine that is gone or cannot be scheduled
 * @throws StorageError, StorageUnavailableError, and the gateway's ThrottledError, TransientError or
 *   AccessDeniedError when the tags cannot be read (the caller may retry)
 */
export async function applyDefaultPolicies(
  deps: DefaultPolicyDependencies,
  resource: NewResource,
): Promise<PolicyApplication> {
  const { resourceId } = resource;
  let parsed;
  try {
    parsed = parseResourceId(resourceId);
  } catch (error) {
    if (!(error instanceof InvalidResourceIdError)) throw error;
    return { resourceId, outcome: 'not-schedulable', detail: error.reason };
  }
  const policy = choosePolicy(await deps.store.policies.list(), resourceId, parsed.kind);
  if (!policy) return { resourceId, outcome: 'no-policy', detail: 'no policy covers it' };
  const found = await readOptOut(deps, { resourceId, kind: parsed.kind });
  if (found !== 'in') return { resourceId, policy: policy.name, ...found };
  const owner = resource.createdBy ?? { id: `policy:${policy.name}`, name: `policy ${policy.name}` };
  const target = await registerForPolicy(deps, {
    ...machineFields(resourceId, parsed),
    owner,
    createdAt: deps.clock.now(),
  });
  return givePolicy(deps, policy, target);
}

/** The report of `POST /api/policies/{name}/apply`. */
export interface PolicyApplyReport {
  policy: string;
  /** Registered targets in the policy's scope and of its kinds that were looked at. */
  examined: number;
  applied: PolicyApplication[];
  skipped: PolicyApplication[];
}

const PAGE_SIZE = 1000;

/**
 * Gives a policy to every registered target in its scope and of its kinds that has no schedule, and says
 * what it did with each. Targets with a schedule, and machines tagged `compute-scheduler: off`, are skipped.
 * @throws ForbiddenError unless the caller is an admin
 * @throws NotFoundError when there is no such policy
 */
export async function applyPolicy(
  deps: DefaultPolicyDependencies,
  principal: Principal,
  name: string,
): Promise<PolicyApplyReport> {
  assertAdmin(principal);
  checkPolicyName(name);
  const policy = await deps.store.policies.get(name);
  if (!policy) throw new NotFoundError(`No policy ${name}.`);
  const report: PolicyApplyReport = { policy: name, examined: 0, applied: [], skipped: [] };
  let continuationToken: string | undefined;
  do {
    const page = await deps.store.targets.listAll({
      maxPageSize: PAGE_SIZE,
      ...(continuationToken ? { continuationToken } : {}),
    });
    for (const target of page.items) {
      if (!policy.targetKinds.includes(target.kind) || !isInScope(target.resourceId, policy.scope)) continue;
      report.examined++;
      const result = await givePolicyIfIn(deps, policy, target);
      (result.outcome === 'applied' ? report.applied : report.skipped).push(result);
    }
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return report;
}

async function givePolicyIfIn(
  deps: DefaultPolicyDependencies,
  policy: Policy,
  target: StoredTarget,
): Promise<PolicyApplication> {
  const base = { resourceId: target.resourceId, policy: policy.name, targetId: target.id };
  const schedule = await deps.store.schedules.get(target.id);
  if (!schedule) return { ...base, outcome: 'not-found', detail: 'the target is being deleted' };
  if (schedule.entries.length > 0) return { ...base, outcome: 'has-schedules', detail: 'it has a schedule' };
  const found = await readOptOut(deps, target);
  return found === 'in' ? givePolicy(deps, policy, target) : { ...base, ...found };
}

/** 'in' when the machine may have a policy; otherwise why not. */
async function readOptOut(
  deps: DefaultPolicyDependencies,
  machine: { resourceId: string; kind: Target['kind'] },
): Promise<'in' | { outcome: PolicyOutcome; detail: string }> {
  try {
    const tags = await deps.gateway.readTags(machine);
    if (isOptedOut(tags)) return { outcome: 'opted-out', detail: 'it is tagged compute-scheduler: off' };
    return 'in';
  } catch (error) {
    if (error instanceof TargetNotFoundError) return { outcome: 'not-found', detail: 'the machine is gone' };
    throw error;
  }
}

/** The registered target, creating it for the policy when nobody registered it yet. */
async function registerForPolicy(deps: DefaultPolicyDependencies, target: Target): Promise<StoredTarget> {
  for (let attempt = 1; ; attempt++) {
    const existing = await deps.store.targets.get(target.id);
    if (existing) return existing;
    try {
      return await deps.store.targets.create(target);
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= 3) throw error;
    }
  }
}

/**
 * Writes the policy's entries as the target's schedule, but only over the empty schedule it read: a person
 * who wrote one meanwhile wins. Then the policy's warning (unless the target has its own), its enforcement,
 * and a note in the history.
 */
async function givePolicy(
  deps: DefaultPolicyDependencies,
  policy: Policy,
  target: StoredTarget,
): Promise<PolicyApplication> {
  const base = { resourceId: target.resourceId, policy: policy.name, targetId: target.id };
  const refused = await writePolicySchedule(deps, policy, target);
  if (refused) return { ...base, ...refused };
  const now = deps.clock.now();
  const by = `policy:${policy.name}`;
  const remarks = [
    `${policy.entries.length} schedule entr${policy.entries.length === 1 ? 'y' : 'ies'}`,
    ...(await givePolicyControls(deps, policy, target)),
  ];
  const detail = `policy '${policy.name}' gave it ${remarks.join(', ')}`;
  await recordNote(deps.store.runs, {
    ...historyOf(target),
    occurrenceAt: now,
    requestedAction: 'ApplyPolicy',
    source: 'policy',
    outcome: 'succeeded',
    attempts: 1,
    note: detail,
    createdAt: now,
    finishedAt: now,
    requestedBy: by,
  });
  return { ...base, outcome: 'applied', detail };
}

/** The policy's entries over the empty schedule read; why not, when a person or a delete got there first. */
async function writePolicySchedule(
  deps: DefaultPolicyDependencies,
  policy: Policy,
  target: StoredTarget,
): Promise<Pick<PolicyApplication, 'outcome' | 'detail'> | undefined> {
  const current = await deps.store.schedules.get(target.id);
  if (!current) return { outcome: 'not-found', detail: 'the target is being deleted' };
  if (current.entries.length > 0) return { outcome: 'has-schedules', detail: 'it has a schedule' };
  const now = deps.clock.now();
  try {
    await deps.store.schedules.replace(
      target.id,
      {
        entries: policy.entries,
        nextOccurrences: policy.entries.map((entry) => nextOccurrence(entry, now, now)),
        registeredAt: now,
        updatedAt: now,
        updatedBy: `policy:${policy.name}`,
      },
      { ifRevision: current.revision },
    );
    return undefined;
  } catch (error) {
    if (error instanceof PreconditionFailedError) {
      return { outcome: 'has-schedules', detail: 'someone gave it a schedule meanwhile' };
    }
    if (error instanceof NotFoundError) return { outcome: 'not-found', detail: 'the target was deleted' };
    throw error;
  }
}

/** The policy's warning (unless the target has its own) and its enforcement; what was given, in words. */
async function givePolicyControls(
  deps: DefaultPolicyDependencies,
  policy: Policy,
  target: StoredTarget,
): Promise<string[]> {
  const remarks: string[] = [];
  const now = deps.clock.now();
  const by = `policy:${policy.name}`;
  if (policy.warning && (await deps.store.warnings.get(target.id))?.source !== 'target') {
    await deps.store.warnings.put({
      targetId: target.id,
      ...(target.registration ? { registration: target.registration } : {}),
      ...policy.warning,
      source: by,
      updatedAt: now,
      updatedBy: by,
    });
    remarks.push(`a warning ${policy.warning.leadMinutes} minutes before each stop`);
  }
  if (policy.enforce) {
    if (deps.setEnforcement) await deps.setEnforcement(target, true);
    remarks.push(deps.setEnforcement ? 'enforcement on' : 'enforcement asked for but not available here');
  }
  return remarks;
}
