// Who may act on a target: its owner, the person it is assigned to, and admins. Everyone else is
// refused with 403 (the target's existence is not a secret: ids are hashes of ARM ids they could know).

import { ForbiddenError } from '../errors.js';
import type { Principal } from './principal.js';

export interface OwnedThing {
  id: string;
  owner: { id: string };
  assignedTo?: string;
}

export function canActOn(principal: Principal, target: OwnedThing): boolean {
  return principal.isAdmin || target.owner.id === principal.id || target.assignedTo === principal.id;
}

export function assertCanActOn(principal: Principal, target: OwnedThing): void {
  if (!canActOn(principal, target)) {
    throw new ForbiddenError(
      `target ${target.id} belongs to someone else; only its owner, its assignee or an admin may use it`,
    );
  }
}
