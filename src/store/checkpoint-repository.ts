// Tick checkpoints: the last minute evaluated, moved forward only under ETag concurrency so that two
// hosts ticking together cannot both advance it.

import type { TableClient } from '@azure/data-tables';
import { ConflictError, PreconditionFailedError } from '../errors.js';
import type { Checkpoint, CheckpointRepository, OperationOptions } from './ports.js';
import { CHECKPOINT_PARTITION } from './keys.js';
import { checkpointEntity, toCheckpoint, type EntityResult } from './entities.js';
import { orUndefinedIfMissing, statusOf, storageFailure } from './tables.js';

export class TableCheckpointRepository implements CheckpointRepository {
  constructor(private readonly checkpoints: TableClient) {}

  async get(name: string, options: OperationOptions = {}): Promise<Checkpoint | undefined> {
    const entity = await orUndefinedIfMissing(`reading checkpoint ${name}`, () =>
      this.checkpoints.getEntity<Record<string, unknown>>(CHECKPOINT_PARTITION, name, options),
    );
    return entity ? toCheckpoint(entity as EntityResult) : undefined;
  }

  async set(
    name: string,
    value: number,
    options: OperationOptions & { etag?: string; pacing?: Record<string, number> } = {},
  ): Promise<Checkpoint> {
    const { etag, pacing, ...rest } = options;
    const entity = checkpointEntity(name, value, pacing);
    try {
      const response =
        etag === undefined
          ? await this.checkpoints.createEntity(entity, rest)
          : await this.checkpoints.updateEntity(entity, 'Replace', { ...rest, etag });
      if (!response.etag) throw new Error('no ETag in the response');
      return { name, value, ...(pacing ? { pacing } : {}), etag: response.etag };
    } catch (error) {
      const status = statusOf(error);
      if (status === 409) throw new ConflictError(`checkpoint ${name} exists already; read it and update it`);
      if (status === 412 || status === 404) {
        throw new PreconditionFailedError(`checkpoint ${name} moved since it was read`);
      }
      throw storageFailure(`writing checkpoint ${name}`, error);
    }
  }
}
