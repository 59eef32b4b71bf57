// Targets and entries for store tests, written out in full.

import type { ScheduleEntry } from '../../src/schedule/types.js';
import type { Target } from '../../src/store/ports.js';
import { targetIdFor } from '../../src/store/keys.js';

export const SUBSCRIPTION = '00000000-0000-0000-0000-000000000001';

export function vmTarget(name: string, owner = 'alice', assignedTo?: string): Target {
  const resourceId = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-data/providers/Microsoft.Compute/virtualMachines/${name}`;
  return {
    id: targetIdFor(resourceId),
    resourceId,
    kind: 'vm',
    subscriptionId: SUBSCRIPTION,
    resourceGroup: 'rg-data',
    name,
    owner: { id: owner, name: `${owner}@contoso.com` },
    ...(assignedTo !== undefined ? { assignedTo } : {}),
    createdAt: Date.parse('2026-11-25T20:00:00Z'),
  };
}

export const stopWeekdays: ScheduleEntry = {
  triggerType: 'Cron',
  action: 'Stop',
  status: 'Enabled',
  cron: { expression: '0 18 * * 1-5', timeZone: 'UTC' },
};

export const startWeekdays: ScheduleEntry = {
  triggerType: 'Cron',
  action: 'Start',
  status: 'Enabled',
  cron: { expression: '0 8 * * 1-5', timeZone: 'UTC' },
};
