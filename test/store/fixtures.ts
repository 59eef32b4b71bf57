// Targets and entries for store tests, written out in full.

import { expect } from 'vitest';
import type { ScheduleEntry } from '../../src/schedule/types.js';
import type { Target } from '../../src/store/ports.js';
import { targetIdFor } from '../../src/store/keys.js';
import type { StorageClients } from '../../src/store/tables.js';
import { allRows } from '../support/storage.js';

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

/** The due index's hour tables under this storage's prefix, in time order. */
export async function dueTables(clients: StorageClients): Promise<string[]> {
  const prefix = clients.names.due.tablePrefix;
  const names: string[] = [];
  for await (const table of clients.tableService.listTables()) {
    if (table.name?.startsWith(prefix) && /^\d{10}$/.test(table.name.slice(prefix.length)))
      names.push(table.name);
  }
  return names.sort();
}

/** Every row of every hour table of the due index, for asserting what is (or is not) due. */
/** Each due row's minute (`yyyyMMddHHmm`), checking that the row sits in its target's shard of that minute. */
export function dueMinutes(rows: readonly Record<string, unknown>[]): string[] {
  return rows.map((row) => {
    const [minute, shard, ...rest] = String(row.partitionKey).split('-');
    expect({ shard, rest }).toEqual({ shard: String(row.targetId).slice(-1), rest: [] });
    return minute!;
  });
}

export async function allDueRows(clients: StorageClients): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const table of await dueTables(clients)) rows.push(...(await allRows(clients, table)));
  return rows;
}
