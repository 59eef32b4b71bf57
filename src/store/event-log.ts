// Resource events handled, in Table Storage: per resource one partition (its target id, registered or
// not), one row per event id, and the newest power change by someone else that a reaction reflected.

import type { TableClient } from '@azure/data-tables';
import { OBSERVED_ROW, eventRowKey } from './keys.js';
import type { EventLog, OperationOptions } from './ports.js';
import { etagOf } from './entities.js';
import { orUndefinedIfMissing, statusOf, storageFailure } from './tables.js';

const instant = (ms: number) => ({ value: ms, type: 'Double' as const });
const MAX_ATTEMPTS = 5;

export class TableEventLog implements EventLog {
  constructor(private readonly table: TableClient) {}

  async isHandled(resourceKey: string, eventId: string, options: OperationOptions = {}): Promise<boolean> {
    const row = await orUndefinedIfMissing(`reading event ${eventId}`, () =>
      this.table.getEntity(resourceKey, eventRowKey(eventId), options),
    );
    return row !== undefined;
  }

  async markHandled(
    resourceKey: string,
    eventId: string,
    record: { at: number; type: string; reaction: string },
    options: OperationOptions = {},
  ): Promise<void> {
    try {
      await this.table.upsertEntity(
        {
          partitionKey: resourceKey,
          rowKey: eventRowKey(eventId),
          eventId,
          at: instant(record.at),
          type: record.type,
          reaction: record.reaction.slice(0, 1000),
        },
        'Replace',
        options,
      );
    } catch (error) {
      throw storageFailure(`recording event ${eventId}`, error);
    }
  }

  async lastObserved(resourceKey: string, options: OperationOptions = {}): Promise<number | undefined> {
    const row = await this.readObserved(resourceKey, options);
    return row?.at;
  }

  async observe(resourceKey: string, at: number, options: OperationOptions = {}): Promise<void> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const current = await this.readObserved(resourceKey, options);
      if (current && current.at >= at) return;
      const entity = { partitionKey: resourceKey, rowKey: OBSERVED_ROW, at: instant(at) };
      try {
        if (current) await this.table.updateEntity(entity, 'Replace', { ...options, etag: current.etag });
        else await this.table.createEntity(entity, options);
        return;
      } catch (error) {
        const status = statusOf(error);
        // Another event of the same resource moved it meanwhile: look again.
        if ((status === 409 || status === 412) && attempt < MAX_ATTEMPTS) continue;
        throw storageFailure(`recording what resource ${resourceKey} reflects`, error);
      }
    }
  }

  private async readObserved(
    resourceKey: string,
    options: OperationOptions,
  ): Promise<{ at: number; etag: string } | undefined> {
    const row = await orUndefinedIfMissing(`reading resource ${resourceKey}`, () =>
      this.table.getEntity<Record<string, unknown>>(resourceKey, OBSERVED_ROW, options),
    );
    if (!row || typeof row.at !== 'number') return undefined;
    return { at: row.at, etag: etagOf(row) };
  }
}
