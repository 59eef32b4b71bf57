// Registering, reading, listing and forgetting targets. Registration is idempotent: a resource id always
// maps to the same target, and registering it again returns that target (and repairs its access index).

import { assertCanActOn } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import { ConflictError, ForbiddenError, InvalidRequestError, NotFoundError } from '../errors.js';
import { InvalidResourceIdError, parseResourceId } from '../targets/resource-id.js';
import { isTargetId, targetIdFor } from '../store/keys.js';
import type { Page, StoredTarget, Target, TargetRepository } from '../store/ports.js';

export interface TargetDependencies {
  targets: TargetRepository;
  clock: Clock;
}

export interface RegisterTargetRequest {
  resourceId: string;
  assignedTo?: string;
}

export interface Registration {
  target: StoredTarget;
  created: boolean;
}

const MAX_ATTEMPTS = 3;

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
  if (assignedTo !== undefined && assignedTo !== principal.id && !principal.isAdmin) {
    throw new ForbiddenError(
      'Only a Scheduler.Admin may register a target on behalf of someone else (assignedTo).',
    );
  }
  const id = targetIdFor(parsed.normalizedId);
  for (let attempt = 1; ; attempt++) {
    const existing = await deps.targets.get(id);
    if (existing) {
      assertCanActOn(principal, existing);
      if (assignedTo !== undefined && assignedTo !== existing.assignedTo && principal.isAdmin) {
        return { target: await deps.targets.updateAssignment(existing, assignedTo), created: false };
      }
      await deps.targets.indexAccess(existing);
      return { target: existing, created: false };
    }
    const target: Target = {
      id,
      resourceId: request.resourceId,
      kind: parsed.kind,
      subscriptionId: parsed.subscriptionId,
      resourceGroup: parsed.resourceGroup,
      name: parsed.name,
      ...(parsed.workspace !== undefined ? { workspace: parsed.workspace } : {}),
      owner: { id: principal.id, ...(principal.name !== undefined ? { name: principal.name } : {}) },
      ...(assignedTo !== undefined && assignedTo !== principal.id ? { assignedTo } : {}),
      createdAt: deps.clock.now(),
    };
    try {
      return { target: await deps.targets.create(target), created: true };
    } catch (error) {
      // Someone registered it a moment before us: answer as for an existing target.
      if (!(error instanceof ConflictError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/** The target, if the principal may act on it: 404 when unknown, 403 when someone else's. */
export async function getTarget(
  deps: Pick<TargetDependencies, 'targets'>,
  principal: Principal,
  targetId: string,
): Promise<StoredTarget> {
  const target = isTargetId(targetId) ? await deps.targets.get(targetId) : undefined;
  if (!target) throw new NotFoundError(`No target ${targetId}; register it with POST /api/targets.`);
  assertCanActOn(principal, target);
  return target;
}

export async function listTargets(
  deps: Pick<TargetDependencies, 'targets'>,
  principal: Principal,
  page: { continuationToken?: string; maxPageSize?: number },
): Promise<Page<StoredTarget>> {
  return principal.isAdmin ? deps.targets.listAll(page) : deps.targets.listForPrincipal(principal.id, page);
}

export async function deleteTarget(
  deps: Pick<TargetDependencies, 'targets'>,
  principal: Principal,
  targetId: string,
): Promise<void> {
  await getTarget(deps, principal, targetId);
  if (!(await deps.targets.delete(targetId))) throw new NotFoundError(`No target ${targetId}.`);
}
