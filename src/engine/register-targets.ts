// Registering, reading, listing and forgetting targets. Registration is idempotent: a resource id always
// maps to the same target, and registering it again returns that target (and repairs its access index).

import { assertCanActOn } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import { ConflictError, ForbiddenError, InvalidRequestError, NotFoundError } from '../errors.js';
import { InvalidResourceIdError, parseResourceId, type ParsedResourceId } from '../targets/resource-id.js';
import { isTargetId, targetIdFor } from '../store/keys.js';
import type { Page, StoredTarget, Target, TargetRepository } from '../store/ports.js';

/** The ports the target use cases need. */
export interface TargetDependencies {
  targets: TargetRepository;
  /** Stamps `createdAt` on a new target. */
  clock: Clock;
}

/** What `POST /api/targets` carries. */
export interface RegisterTargetRequest {
  /** The machine's ARM resource id, in any case: a VM, a scale set (pool) or an Azure ML compute instance. */
  resourceId: string;
  /** Admins only: the principal id of the person the target is registered for. */
  assignedTo?: string;
  /** Where `/connect` sends people once the machine runs. */
  connectUrl?: string;
}

/** The result of {@link registerTarget}. */
export interface Registration {
  target: StoredTarget;
  /** True when this call registered the target (HTTP 201), false when it was known (200). */
  created: boolean;
}

const MAX_ATTEMPTS = 3;

/**
 * Registers a machine, idempotently: the target id is derived from the lowercased resource id, so the same
 * machine always maps to the same target, and registering a known one returns it (repairing its entry in its
 * owner's and assignee's lists). A new target starts with an empty schedule and a fresh run history. When two
 * callers register the same machine at once, both get the one target.
 * @param principal the caller; becomes the owner of a new target
 * @param request the resource id and, for admins, whom the target is for
 * @returns the target, and whether this call created it
 * @throws InvalidRequestError when the resource id names nothing the scheduler can start and stop (pointer
 *   `/resourceId`)
 * @throws ForbiddenError when a non-admin sets `assignedTo` to someone else, or the machine is registered and
 *   the caller may not act on it
 * @throws ConflictError only if the target keeps appearing and vanishing under concurrent registrations and
 *   deletions (three attempts)
 */
export async function registerTarget(
  deps: TargetDependencies,
  principal: Principal,
  request: RegisterTargetRequest,
): Promise<Registration> {
  let parsed;
  try {
    parsed = parseResourceId(request.resourceId);
  } catch (error) {
    if (!(error instanceof InvalidResourceIdError)) throw error;
    throw new InvalidRequestError(`The resource id cannot be scheduled: ${error.reason}.`, [
      { pointer: '/resourceId', reason: error.reason },
    ]);
  }
  const { assignedTo } = request;
  const connectUrl = request.connectUrl === undefined ? undefined : checkConnectUrl(request.connectUrl);
  if (assignedTo !== undefined && assignedTo !== principal.id && !principal.isAdmin) {
    throw new ForbiddenError(
      'Only a Scheduler.Admin may register a target on behalf of someone else (assignedTo).',
    );
  }
  const target = newTarget(parsed, principal, {
    resourceId: request.resourceId,
    assignedTo,
    connectUrl,
    createdAt: deps.clock.now(),
  });
  for (let attempt = 1; ; attempt++) {
    // Create first, without reading: most registrations are of new machines, and a known one refuses the
    // create (409), which costs no more than the read would have. A machine this process has seen lately
    // is read first instead, as it most likely is registered (a hint: either way ends the same).
    const readFirst = attempt === 1 && deps.targets.seenLately(target.id);
    const known = readFirst ? await deps.targets.get(target.id) : undefined;
    if (known) return registeredAlready(deps, principal, { existing: known, listed: new Set(), request });
    try {
      return { target: await deps.targets.create(target), created: true };
    } catch (error) {
      // Someone registered it before us: answer as for an existing target.
      if (!(error instanceof ConflictError) || attempt >= MAX_ATTEMPTS) throw error;
    }
    const existing = await deps.targets.get(target.id);
    // Gone again (deleted meanwhile): try the create once more.
    if (existing) {
      return registeredAlready(deps, principal, { existing, listed: principalsOf(target), request });
    }
  }
}

/** What a target's resource id decides: its id, kind, subscription, resource group, name and workspace. */
export type MachineFields = Pick<
  Target,
  'id' | 'resourceId' | 'kind' | 'subscriptionId' | 'resourceGroup' | 'name' | 'workspace'
>;

/**
 * The fields of a new target for the machine `resourceId` names, as registering it and a default policy give
 * them (the id derived from the lowercased resource id).
 * @throws InvalidResourceIdError when `parsed` is not given and the id names nothing schedulable
 */
export function machineFields(
  resourceId: string,
  parsed: ParsedResourceId = parseResourceId(resourceId),
): MachineFields {
  return {
    id: targetIdFor(parsed.normalizedId),
    resourceId,
    kind: parsed.kind,
    subscriptionId: parsed.subscriptionId,
    resourceGroup: parsed.resourceGroup,
    name: parsed.name,
    ...(parsed.workspace !== undefined ? { workspace: parsed.workspace } : {}),
  };
}

/** The target a registration creates, owned by the caller. */
function newTarget(
  parsed: ParsedResourceId,
  principal: Principal,
  given: { resourceId: string; assignedTo?: string; connectUrl?: string; createdAt: number },
): Target {
  const { resourceId, assignedTo, connectUrl, createdAt } = given;
  return {
    ...machineFields(resourceId, parsed),
    owner: { id: principal.id, ...(principal.name !== undefined ? { name: principal.name } : {}) },
    ...(assignedTo !== undefined && assignedTo !== principal.id ? { assignedTo } : {}),
    createdAt,
    ...(connectUrl !== undefined ? { connectUrl } : {}),
  };
}

/**
 * The answer to registering a known machine: the target as it is (its assignee or connect URL changed if
 * the request asks so and may), its owner's and assignee's list entries repaired. A refused create has
 * listed the target already for whom it would have belonged to (`listed`): those of them the target does
 * not warrant are taken back, so that a refused registration leaves nothing behind.
 */
async function registeredAlready(
  deps: TargetDependencies,
  principal: Principal,
  {
    existing,
    listed,
    request,
  }: { existing: StoredTarget; listed: Set<string>; request: RegisterTargetRequest },
): Promise<Registration> {
  const warranted = principalsOf(existing);
  for (const id of listed) if (!warranted.has(id)) await deps.targets.unindexAccess(id, existing.id);
  assertCanActOn(principal, existing);
  const { assignedTo, connectUrl } = request;
  if (assignedTo !== undefined && assignedTo !== existing.assignedTo && principal.isAdmin) {
    return { target: await deps.targets.updateAssignment(existing, assignedTo), created: false };
  }
  // A refused create has listed it for the same people already, unless they differ.
  if ([...warranted].some((id) => !listed.has(id))) await deps.targets.indexAccess(existing);
  if (connectUrl !== undefined && connectUrl !== existing.connectUrl) {
    return { target: await deps.targets.updateConnectUrl(existing, connectUrl), created: false };
  }
  return { target: existing, created: false };
}

/** Whose lists a target is in: its owner's and its assignee's. */
function principalsOf(target: Target): Set<string> {
  return new Set([target.owner.id, ...(target.assignedTo !== undefined ? [target.assignedTo] : [])]);
}

/**
 * The target, if the principal may act on it (its owner, its assignee, or an admin). Every use case that
 * acts on one target by its id starts here, so the access rule is the same for all of them.
 * @param targetId as it came in the URL; anything that is not a target id is simply unknown
 * @param notFound the 404's detail, where the caller words it for its own context; by default it says how
 * to register one
 * @throws NotFoundError when no such target is registered
 * @throws ForbiddenError when it is someone else's
 */
export async function getTarget(
  deps: { targets: Pick<TargetRepository, 'get'> },
  principal: Principal,
  targetId: string,
  notFound = `No target ${targetId}; register it with POST /api/targets.`,
): Promise<StoredTarget> {
  const target = isTargetId(targetId) ? await deps.targets.get(targetId) : undefined;
  if (!target) throw new NotFoundError(notFound);
  assertCanActOn(principal, target);
  return target;
}

/**
 * The targets the principal may see, a page at a time: every target for an admin, else those the principal
 * owns or is assigned.
 * @param page `maxPageSize` (default 100, at most 1000) and the previous page's `continuationToken`
 * @throws InvalidRequestError for a continuation token the store did not issue
 */
export async function listTargets(
  deps: Pick<TargetDependencies, 'targets'>,
  principal: Principal,
  page: { continuationToken?: string; maxPageSize?: number },
): Promise<Page<StoredTarget>> {
  return principal.isAdmin ? deps.targets.listAll(page) : deps.targets.listForPrincipal(principal.id, page);
}

/**
 * Forgets a target: its schedule and due rows go, the machine itself is left as it is, and its run history
 * stays readable by admins. A later registration of the machine starts a new history.
 * @throws NotFoundError when no such target is registered (also when another delete got there first)
 * @throws ForbiddenError when it is someone else's
 */
export async function deleteTarget(
  deps: Pick<TargetDependencies, 'targets'>,
  principal: Principal,
  targetId: string,
): Promise<void> {
  await getTarget(deps, principal, targetId);
  if (!(await deps.targets.delete(targetId))) throw new NotFoundError(`No target ${targetId}.`);
}

/**
 * A connect URL as given: an absolute http(s) URL, without credentials in it (it is shown to everyone who
 * may use the target).
 * @throws InvalidRequestError naming `/connectUrl`
 */
export function checkConnectUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const reason = !url
    ? 'must be an absolute URL, e.g. https://pool-ds.contoso.com:8000/'
    : url.protocol !== 'https:' && url.protocol !== 'http:'
      ? 'must be an http or https URL'
      : url.username || url.password
        ? 'must not hold a user name or password'
        : undefined;
  if (reason)
    throw new InvalidRequestError(`The connect URL ${reason}.`, [{ pointer: '/connectUrl', reason }]);
  return value;
}

/**
 * Changes a target's settings: its connect URL ("" removes it).
 * @throws InvalidRequestError for a connect URL that is not an absolute http(s) URL; NotFoundError;
 * ForbiddenError; PreconditionFailedError when the target changed meanwhile
 */
export async function updateTarget(
  deps: Pick<TargetDependencies, 'targets'>,
  principal: Principal,
  targetId: string,
  changes: { connectUrl?: string },
): Promise<StoredTarget> {
  const target = await getTarget(deps, principal, targetId);
  if (changes.connectUrl === undefined) return target;
  const connectUrl = changes.connectUrl === '' ? undefined : checkConnectUrl(changes.connectUrl);
  if (connectUrl === target.connectUrl) return target;
  return deps.targets.updateConnectUrl(target, connectUrl);
}
