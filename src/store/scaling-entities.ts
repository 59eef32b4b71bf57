// Table entities of scaling by activity (policies, activity, wakes, tokens) and their conversion to the
// records in pool-ports.ts. Instants are Edm.Double, as in entities.ts.

import type { ActivityToken, IdlePolicy, InstanceActivity, PoolPolicy, StoredPolicy } from './pool-ports.js';
import type { Entity, EntityResult } from './entities.js';
import { activityRowKey, instanceIdOfActivityRow, tokenRowKey } from './keys.js';

const instant = (ms: number) => ({ value: ms, type: 'Double' as const });

function numberOf(entity: Record<string, unknown>, name: string): number {
  const value = entity[name];
  if (typeof value !== 'number') throw new TypeError(`store: property ${name} is not a number`);
  return value;
}

function textOf(entity: Record<string, unknown>, name: string): string {
  const value = entity[name];
  if (typeof value !== 'string') throw new TypeError(`store: property ${name} is not a string`);
  return value;
}

/** A policy row as read: the policy, its revision (the HTTP ETag) and the row's own ETag. */
export interface PolicyRow<P> extends StoredPolicy<P> {
  rowEtag: string;
}

export function policyEntity(
  targetId: string,
  rowKey: string,
  policy: PoolPolicy | IdlePolicy,
  meta: { revision: string; updatedAt: number; updatedBy?: string },
): Entity {
  return {
    partitionKey: targetId,
    rowKey,
    // The policy as one JSON document: its fields are validated by the API and read back whole.
    policy: JSON.stringify(policy),
    revision: meta.revision,
    updatedAt: instant(meta.updatedAt),
    ...(meta.updatedBy !== undefined ? { updatedBy: meta.updatedBy } : {}),
  };
}

export function toPolicyRow<P>(entity: EntityResult): PolicyRow<P> {
  const updatedBy = entity.updatedBy;
  return {
    targetId: entity.partitionKey,
    policy: JSON.parse(textOf(entity, 'policy')) as P,
    etag: textOf(entity, 'revision'),
    updatedAt: numberOf(entity, 'updatedAt'),
    ...(typeof updatedBy === 'string' ? { updatedBy } : {}),
    rowEtag: entity.etag,
  };
}

/**
 * One instance's newest report, written with an upsert that merges: `lastSessionAt` is sent only when the
 * report has sessions, so a report of none keeps the last one there was.
 */
export function activityEntity(
  targetId: string,
  instance: { instanceId: string; sessions: number },
  at: number,
): Entity {
  return {
    partitionKey: targetId,
    rowKey: activityRowKey(instance.instanceId),
    instanceId: instance.instanceId,
    sessions: instance.sessions,
    reportedAt: instant(at),
    ...(instance.sessions > 0 ? { lastSessionAt: instant(at) } : {}),
  };
}

export function toInstanceActivity(entity: EntityResult): InstanceActivity {
  const lastSessionAt = entity.lastSessionAt;
  return {
    instanceId: instanceIdOfActivityRow(entity.rowKey),
    sessions: numberOf(entity, 'sessions'),
    reportedAt: numberOf(entity, 'reportedAt'),
    ...(typeof lastSessionAt === 'number' ? { lastSessionAt } : {}),
  };
}

export function tokenEntity(token: ActivityToken, secretHash: string): Entity {
  return {
    partitionKey: token.targetId,
    rowKey: tokenRowKey(token.tokenId),
    tokenId: token.tokenId,
    createdAt: instant(token.createdAt),
    createdBy: token.createdBy,
    secretHash,
    ...(token.expiresAt !== undefined ? { expiresAt: instant(token.expiresAt) } : {}),
    ...(token.registration !== undefined ? { registration: token.registration } : {}),
  };
}

export function toToken(entity: EntityResult): { token: ActivityToken; secretHash: string } {
  const { expiresAt, registration } = entity;
  return {
    token: {
      targetId: entity.partitionKey,
      tokenId: textOf(entity, 'tokenId'),
      createdAt: numberOf(entity, 'createdAt'),
      createdBy: textOf(entity, 'createdBy'),
      ...(typeof expiresAt === 'number' ? { expiresAt } : {}),
      ...(typeof registration === 'string' ? { registration } : {}),
    },
    secretHash: textOf(entity, 'secretHash'),
  };
}
