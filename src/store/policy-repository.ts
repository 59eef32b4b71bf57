// Default policies and warning settings in Table Storage: small rows read by name or by partition, with
// their schedule entries and webhooks stored as JSON text.

import { odata, type TableClient } from '@azure/data-tables';
import type { ScheduleEntry } from '../schedule/types.js';
import type { TargetKind } from '../targets/resource-id.js';
import type {
  OperationOptions,
  Policy,
  PolicyRepository,
  StoredPolicy,
  WarningRepository,
  WarningSettings,
} from './ports.js';
import {
  POLICY_PARTITION,
  WARNING_LEADS_PARTITION,
  WARNING_SETTINGS_ROW,
  warningLeadRowKey,
} from './keys.js';
import { deletedIfPresent, orUndefinedIfMissing, statusOf, storageFailure } from './tables.js';

type Row = Record<string, unknown> & { etag?: string };

const instant = (ms: number) => ({ value: ms, type: 'Double' as const });

export class TablePolicyRepository implements PolicyRepository {
  constructor(private readonly table: TableClient) {}

  async get(name: string, options: OperationOptions = {}): Promise<StoredPolicy | undefined> {
    const row = await orUndefinedIfMissing(`reading policy ${name}`, () =>
      this.table.getEntity<Row>(POLICY_PARTITION, name, options),
    );
    return row ? toPolicy(row) : undefined;
  }

  async put(
    policy: Policy,
    options: OperationOptions = {},
  ): Promise<{ policy: StoredPolicy; created: boolean }> {
    const entity = {
      partitionKey: POLICY_PARTITION,
      rowKey: policy.name,
      scope: policy.scope,
      targetKinds: policy.targetKinds.join(','),
      entries: JSON.stringify(policy.entries),
      enforce: policy.enforce,
      ...(policy.warning ? { warning: JSON.stringify(policy.warning) } : {}),
      updatedAt: instant(policy.updatedAt),
      updatedBy: policy.updatedBy,
    };
    try {
      const created = await this.table.createEntity(entity, options).then(
        (response) => response.etag,
        (error: unknown) => {
          if (statusOf(error) === 409) return undefined;
          throw error;
        },
      );
      if (created) return { policy: { ...policy, etag: created }, created: true };
      const response = await this.table.upsertEntity(entity, 'Replace', options);
      return { policy: { ...policy, etag: response.etag ?? '' }, created: false };
    } catch (error) {
      throw storageFailure(`writing policy ${policy.name}`, error);
    }
  }

  delete(name: string, options: OperationOptions = {}): Promise<boolean> {
    return deletedIfPresent(`deleting policy ${name}`, () =>
      this.table.deleteEntity(POLICY_PARTITION, name, options),
    );
  }

  async list(options: OperationOptions = {}): Promise<StoredPolicy[]> {
    const policies: StoredPolicy[] = [];
    try {
      const rows = this.table.listEntities<Row>({
        queryOptions: { filter: odata`PartitionKey eq ${POLICY_PARTITION}` },
        ...options,
      });
      for await (const row of rows) policies.push(toPolicy(row));
    } catch (error) {
      throw storageFailure('listing policies', error);
    }
    return policies;
  }
}

function toPolicy(row: Row): StoredPolicy {
  const warning =
    typeof row['warning'] === 'string' ? (JSON.parse(row['warning']) as Policy['warning']) : undefined;
  return {
    name: String(row['rowKey']),
    scope: String(row['scope']),
    targetKinds: String(row['targetKinds']).split(',').filter(Boolean) as TargetKind[],
    entries: JSON.parse(String(row['entries'])) as ScheduleEntry[],
    enforce: row['enforce'] === true,
    ...(warning ? { warning } : {}),
    updatedAt: Number(row['updatedAt']),
    updatedBy: String(row['updatedBy']),
    etag: row.etag ?? '',
  };
}

export class TableWarningRepository implements WarningRepository {
  constructor(private readonly table: TableClient) {}

  async get(targetId: string, options: OperationOptions = {}): Promise<WarningSettings | undefined> {
    const row = await orUndefinedIfMissing(`reading the warning of target ${targetId}`, () =>
      this.table.getEntity<Row>(targetId, WARNING_SETTINGS_ROW, options),
    );
    if (!row) return undefined;
    return {
      targetId,
      webhook: String(row['webhook']),
      leadMinutes: Number(row['leadMinutes']),
      ...(typeof row['registration'] === 'string' ? { registration: row['registration'] } : {}),
      source: String(row['source']),
      updatedAt: Number(row['updatedAt']),
      updatedBy: String(row['updatedBy']),
    };
  }

  async put(settings: WarningSettings, options: OperationOptions = {}): Promise<WarningSettings> {
    try {
      // The lead first: a timer that knows a lead nobody uses reads an empty minute; one that missed a lead
      // in use would miss warnings.
      await this.table.upsertEntity(
        { partitionKey: WARNING_LEADS_PARTITION, rowKey: warningLeadRowKey(settings.leadMinutes) },
        'Replace',
        options,
      );
      await this.table.upsertEntity(
        {
          partitionKey: settings.targetId,
          rowKey: WARNING_SETTINGS_ROW,
          webhook: settings.webhook,
          leadMinutes: settings.leadMinutes,
          ...(settings.registration ? { registration: settings.registration } : {}),
          source: settings.source,
          updatedAt: instant(settings.updatedAt),
          updatedBy: settings.updatedBy,
        },
        'Replace',
        options,
      );
      return settings;
    } catch (error) {
      throw storageFailure(`writing the warning of target ${settings.targetId}`, error);
    }
  }

  delete(targetId: string, options: OperationOptions = {}): Promise<boolean> {
    return deletedIfPresent(`deleting the warning of target ${targetId}`, () =>
      this.table.deleteEntity(targetId, WARNING_SETTINGS_ROW, options),
    );
  }

  async leadsInUse(options: OperationOptions = {}): Promise<number[]> {
    const leads: number[] = [];
    try {
      const rows = this.table.listEntities<Row>({
        queryOptions: { filter: odata`PartitionKey eq ${WARNING_LEADS_PARTITION}`, select: ['RowKey'] },
        ...options,
      });
      for await (const row of rows) leads.push(Number(row['rowKey']));
    } catch (error) {
      throw storageFailure('listing warning lead times', error);
    }
    return leads.filter((lead) => Number.isInteger(lead) && lead > 0).sort((a, b) => a - b);
  }
}
