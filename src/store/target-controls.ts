// A target's controls beside its schedule: whether the schedule is enforced against people's starts, and an
// override that suspends the schedule for a while. Rows in the target's partition, so a delete takes them too.

import type { TableClient } from '@azure/data-tables';
import { PreconditionFailedError } from '../errors.js';
import { ENFORCEMENT_ROW, OVERRIDE_ROW } from './keys.js';
import type {
  ControlWriteOptions,
  Enforcement,
  OperationOptions,
  Override,
  StoredControl,
  Target,
  TargetControl,
  TargetControlRepository,
} from './ports.js';
import { etagOf, type EntityResult } from './entities.js';
import { orUndefinedIfMissing, statusOf, storageFailure } from './tables.js';
import { newRevision } from './target-repository.js';

type Row = typeof ENFORCEMENT_ROW | typeof OVERRIDE_ROW;

export class TableTargetControls implements TargetControlRepository {
  readonly enforcement = this.control<Enforcement>(ENFORCEMENT_ROW);
  readonly override = this.control<Override>(OVERRIDE_ROW);

  constructor(private readonly targets: TableClient) {}

  private control<T>(row: Row): TargetControl<T> {
    return {
      get: (target, options = {}) => this.read<T>(target, row, options),
      put: (target, value, options = {}) => this.write(target, row, value, options),
      delete: (target, options = {}) => this.remove(target, row, options),
    };
  }

  /** The row of this registration of the target; a row a deleted registration left behind counts as none. */
  private async read<T>(
    target: Target,
    row: Row,
    options: OperationOptions,
  ): Promise<(StoredControl<T> & { etag: string }) | undefined> {
    const entity = await orUndefinedIfMissing(`reading ${row} of target ${target.id}`, () =>
      this.targets.getEntity<Record<string, unknown>>(target.id, row, options),
    );
    if (!entity) return undefined;
    const result = entity as EntityResult;
    if ((result.registration ?? '') !== (target.registration ?? '')) return undefined;
    if (typeof result.value !== 'string' || typeof result.revision !== 'string') return undefined;
    return {
      value: JSON.parse(result.value) as T,
      revision: result.revision,
      etag: etagOf(result),
    };
  }

  private async write<T>(
    target: Target,
    row: Row,
    value: T,
    options: ControlWriteOptions,
  ): Promise<StoredControl<T>> {
    const { ifRevision, ...call } = options;
    const current = await this.read<T>(target, row, call);
    if (ifRevision !== undefined && current?.revision !== ifRevision) {
      throw new PreconditionFailedError(`The ${row} of target ${target.id} changed; read it again.`);
    }
    const entity = {
      partitionKey: target.id,
      rowKey: row,
      value: JSON.stringify(value),
      revision: newRevision(),
      ...(target.registration ? { registration: target.registration } : {}),
    };
    try {
      // Conditional on what we read, so two writers cannot both believe they won.
      if (current) await this.targets.updateEntity(entity, 'Replace', { ...call, etag: current.etag });
      else await this.targets.upsertEntity(entity, 'Replace', call);
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 404) {
        throw new PreconditionFailedError(`The ${row} of target ${target.id} changed; read it again.`);
      }
      throw storageFailure(`writing ${row} of target ${target.id}`, error);
    }
    return { value, revision: entity.revision };
  }

  private async remove(target: Target, row: Row, options: ControlWriteOptions): Promise<boolean> {
    const { ifRevision, ...call } = options;
    const current = await this.read<unknown>(target, row, call);
    if (ifRevision !== undefined && current?.revision !== ifRevision) {
      throw new PreconditionFailedError(`The ${row} of target ${target.id} changed; read it again.`);
    }
    if (!current) return false;
    try {
      await this.targets.deleteEntity(target.id, row, { ...call, etag: current.etag });
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) return false;
      if (status === 412) throw new PreconditionFailedError(`The ${row} of target ${target.id} changed.`);
      throw storageFailure(`deleting ${row} of target ${target.id}`, error);
    }
    return true;
  }
}
