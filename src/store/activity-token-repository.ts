// Activity tokens in Table Storage: one row per token in the target's partition of `targets`, holding only
// the secret's hash. Revoking deletes the row; a target's delete takes its tokens along.

import { odata, type TableClient } from '@azure/data-tables';
import { ConflictError } from '../errors.js';
import type { OperationOptions } from './ports.js';
import type { ActivityToken, ActivityTokenRepository } from './pool-ports.js';
import type { EntityResult } from './entities.js';
import { TOKEN_ROWS, tokenRowKey } from './keys.js';
import { tokenEntity, toToken } from './scaling-entities.js';
import { deletedIfPresent, orUndefinedIfMissing, statusOf, storageFailure } from './tables.js';

export class TableActivityTokenRepository implements ActivityTokenRepository {
  constructor(private readonly targets: TableClient) {}

  /** @throws ConflictError when a token with this id exists for the target */
  async create(token: ActivityToken, secretHash: string, options: OperationOptions = {}): Promise<void> {
    try {
      await this.targets.createEntity(tokenEntity(token, secretHash), options);
    } catch (error) {
      if (statusOf(error) === 409) throw new ConflictError(`token ${token.tokenId} exists`);
      throw storageFailure(`creating an activity token of target ${token.targetId}`, error);
    }
  }

  async get(
    targetId: string,
    tokenId: string,
    options: OperationOptions = {},
  ): Promise<{ token: ActivityToken; secretHash: string } | undefined> {
    const entity = await orUndefinedIfMissing(`reading activity token ${tokenId}`, () =>
      this.targets.getEntity<Record<string, unknown>>(targetId, tokenRowKey(tokenId), options),
    );
    return entity ? toToken(entity as EntityResult) : undefined;
  }

  async list(targetId: string, options: OperationOptions = {}): Promise<ActivityToken[]> {
    const tokens: ActivityToken[] = [];
    try {
      for await (const row of this.targets.listEntities<Record<string, unknown>>({
        queryOptions: {
          filter: odata`PartitionKey eq ${targetId} and RowKey ge ${TOKEN_ROWS.from} and RowKey lt ${TOKEN_ROWS.to}`,
        },
        ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
      })) {
        tokens.push(toToken(row as EntityResult).token);
      }
    } catch (error) {
      if (error instanceof TypeError) throw error;
      throw storageFailure(`listing the activity tokens of target ${targetId}`, error);
    }
    return tokens.sort((a, b) => a.createdAt - b.createdAt);
  }

  revoke(targetId: string, tokenId: string, options: OperationOptions = {}): Promise<boolean> {
    return deletedIfPresent(`revoking activity token ${tokenId}`, () =>
      this.targets.deleteEntity(targetId, tokenRowKey(tokenId), options),
    );
  }
}
