// Whether a caller may start and stop a machine, from ARM's answer to "what may I do here"
// (`GET {resourceId}/providers/Microsoft.Authorization/permissions`): a list of permission blocks, each with
// `actions` and `notActions` that may hold `*` wildcards. An action is allowed when some block's actions
// match it and that same block's notActions do not (Azure RBAC's rule; no deny assignments are modelled).

import type { TargetKind } from '../targets/resource-id.js';

/** One block of ARM's permissions answer (data actions do not matter to us). */
export interface PermissionBlock {
  actions?: string[];
  notActions?: string[];
}

/** What the scheduler will do to a machine for its owner: the caller must be able to do the same. */
export const START_STOP_ACTIONS: Record<TargetKind, readonly string[]> = {
  vm: [
    'Microsoft.Compute/virtualMachines/start/action',
    'Microsoft.Compute/virtualMachines/deallocate/action',
  ],
  // A pool sleeps by scaling to zero (a write) and wakes by scaling up or starting.
  pool: [
    'Microsoft.Compute/virtualMachineScaleSets/write',
    'Microsoft.Compute/virtualMachineScaleSets/start/action',
    'Microsoft.Compute/virtualMachineScaleSets/deallocate/action',
  ],
  computeInstance: [
    'Microsoft.MachineLearningServices/workspaces/computes/start/action',
    'Microsoft.MachineLearningServices/workspaces/computes/stop/action',
  ],
};

/** Whether an RBAC action pattern (`*` for any run of characters, case-insensitive) matches the action. */
export function actionMatches(pattern: string, action: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 'i').test(action);
}

/** Whether the blocks allow the action. */
export function isAllowed(blocks: readonly PermissionBlock[], action: string): boolean {
  return blocks.some(
    (block) =>
      (block.actions ?? []).some((pattern) => actionMatches(pattern, action)) &&
      !(block.notActions ?? []).some((pattern) => actionMatches(pattern, action)),
  );
}

/** The actions of `required` the blocks do not allow, in order. */
export function missingActions(blocks: readonly PermissionBlock[], required: readonly string[]): string[] {
  return required.filter((action) => !isAllowed(blocks, action));
}
