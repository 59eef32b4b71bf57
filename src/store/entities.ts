// Table entities and their conversion to the records in ports.ts. Instants are stored as Edm.Double
// (exact for milliseconds) because an untyped JSON number would be guessed as Int32 and overflow.

import type { TableEntity } from '@azure/data-tables';
import type { ScheduleAction, ScheduleEntry } from '../schedule/types.js';
import type { TargetKind } from '../targets/resource-id.js';
import type {
  Checkpoint,
  DueEntry,
  LatestAction,
  Run,
  RunAction,
  StoredLatestAction,
  StoredRun,
  StoredTarget,
  Target,
  TargetSchedule,
} from './ports.js';
import {
  CHECKPOINT_PARTITION,
  SCHEDULE_ROW,
  TARGET_ROW,
  LATEST_ROW,
  dueKeys,
  entryRowKey,
  historyOfPartitionKey,
  historyPartitionKey,
  isUnshardedDueKey,
  runRowKey,
} from './keys.js';

type Properties = Record<string, unknown>;
export type Entity = TableEntity<Properties>;
/** An entity as read back: storage always returns the keys and an ETag. */
export type EntityResult = Properties & { partitionKey: string; rowKey: string; etag: string };

const instant = (ms: number) => ({ value: ms, type: 'Double' as const });

/** Drops undefined properties: the SDK would send them as nulls. */
function defined(properties: Properties): Properties {
  return Object.fromEntries(Object.entries(properties).filter(([, v]) => v !== undefined));
}

function text(entity: Properties, name: string): string {
  const value = entity[name];
  if (typeof value !== 'string') throw new TypeError(`store: property ${name} is not a string`);
  return value;
}

function optionalText(entity: Properties, name: string): string | undefined {
  const value = entity[name];
  return typeof value === 'string' ? value : undefined;
}

function number(entity: Properties, name: string): number {
  const value = entity[name];
  if (typeof value !== 'number') throw new TypeError(`store: property ${name} is not a number`);
  return value;
}

function optionalNumber(entity: Properties, name: string): number | undefined {
  const value = entity[name];
  return typeof value === 'number' ? value : undefined;
}

export function etagOf(entity: { etag?: string }): string {
  if (!entity.etag) throw new TypeError('store: entity without an ETag');
  return entity.etag;
}

export function targetEntity(target: Target): Entity {
  return {
    partitionKey: target.id,
    rowKey: TARGET_ROW,
    ...defined({
      resourceId: target.resourceId,
      kind: target.kind,
      subscriptionId: target.subscriptionId,
      resourceGroup: target.resourceGroup,
      name: target.name,
      workspace: target.workspace,
      ownerId: target.owner.id,
      ownerName: target.owner.name,
      assignedTo: target.assignedTo,
      createdAt: instant(target.createdAt),
      registration: target.registration,
      connectUrl: target.connectUrl,
    }),
  };
}

export function toTarget(entity: EntityResult): StoredTarget {
  const workspace = optionalText(entity, 'workspace');
  const ownerName = optionalText(entity, 'ownerName');
  const assignedTo = optionalText(entity, 'assignedTo');
  const registration = optionalText(entity, 'registration');
  const connectUrl = optionalText(entity, 'connectUrl');
  return {
    id: entity.partitionKey,
    resourceId: text(entity, 'resourceId'),
    kind: text(entity, 'kind') as TargetKind,
    subscriptionId: text(entity, 'subscriptionId'),
    resourceGroup: text(entity, 'resourceGroup'),
    name: text(entity, 'name'),
    ...(workspace !== undefined ? { workspace } : {}),
    owner: { id: text(entity, 'ownerId'), ...(ownerName !== undefined ? { name: ownerName } : {}) },
    ...(assignedTo !== undefined ? { assignedTo } : {}),
    createdAt: number(entity, 'createdAt'),
    ...(registration !== undefined ? { registration } : {}),
    ...(connectUrl !== undefined ? { connectUrl } : {}),
    etag: etagOf(entity),
  };
}

export interface ScheduleHeader {
  revision: string;
  registeredAt: number;
  updatedAt: number;
  updatedBy?: string;
  entryCount: number;
  /** Set by a delete in progress, so schedule writes stop instead of racing it. */
  deleting?: boolean;
  /**
   * A copy of this revision's entry rows, in order, written in the same transaction as them: whoever only
   * reads the schedule reads it from this row by key. Absent on headers written before headers carried it,
   * and on a schedule too large for one property; readers then query the entry rows.
   */
  entries?: HeaderEntry[];
}

/** An entry as the header carries it: its index is its place, its revision the header's. */
export interface HeaderEntry {
  entry: ScheduleEntry;
  dueAt?: number;
}

/** Table Storage holds at most 64 KiB (32,768 UTF-16 code units) in one string property. */
const MOST_CHARACTERS_IN_A_PROPERTY = 32_768;

function entriesProperty(entries: HeaderEntry[] | undefined): string | undefined {
  if (!entries) return undefined;
  const json = JSON.stringify(entries);
  return json.length <= MOST_CHARACTERS_IN_A_PROPERTY ? json : undefined;
}

export function scheduleHeaderEntity(targetId: string, header: ScheduleHeader): Entity {
  return {
    partitionKey: targetId,
    rowKey: SCHEDULE_ROW,
    ...defined({
      revision: header.revision,
      registeredAt: instant(header.registeredAt),
      updatedAt: instant(header.updatedAt),
      updatedBy: header.updatedBy,
      entryCount: header.entryCount,
      deleting: header.deleting,
      entries: entriesProperty(header.entries),
    }),
  };
}

export function toScheduleHeader(entity: EntityResult): ScheduleHeader & { etag: string } {
  const updatedBy = optionalText(entity, 'updatedBy');
  return {
    revision: text(entity, 'revision'),
    registeredAt: number(entity, 'registeredAt'),
    updatedAt: number(entity, 'updatedAt'),
    ...(updatedBy !== undefined ? { updatedBy } : {}),
    entryCount: number(entity, 'entryCount'),
    ...(entity.deleting === true ? { deleting: true } : {}),
    ...(typeof entity.entries === 'string' ? { entries: JSON.parse(entity.entries) as HeaderEntry[] } : {}),
    etag: etagOf(entity),
  };
}

/**
 * The entry rows the header carries a copy of, or undefined when it carries none and has entries (they are
 * then read from their own rows).
 */
export function entriesOfHeader(header: ScheduleHeader): EntryRow[] | undefined {
  if (!header.entries) return header.entryCount === 0 ? [] : undefined;
  return header.entries.map(({ entry, dueAt }, index) => ({
    index,
    revision: header.revision,
    entry,
    ...(dueAt !== undefined ? { dueAt } : {}),
  }));
}

/** What the header carries of the entry rows (see `ScheduleHeader.entries`). */
export function copyOfEntries(rows: readonly EntryRow[]): HeaderEntry[] {
  return rows.map(({ entry, dueAt }) => ({ entry, ...(dueAt !== undefined ? { dueAt } : {}) }));
}

export interface EntryRow {
  index: number;
  revision: string;
  entry: ScheduleEntry;
  /** Where this entry's due row is, if it has one. */
  dueAt?: number;
}

export function entryEntity(targetId: string, row: EntryRow): Entity {
  return {
    partitionKey: targetId,
    rowKey: entryRowKey(row.index),
    ...defined({
      index: row.index,
      revision: row.revision,
      entry: JSON.stringify(row.entry),
      dueAt: row.dueAt === undefined ? undefined : instant(row.dueAt),
    }),
  };
}

export function toEntryRow(entity: EntityResult): EntryRow & { etag: string; rowKey: string } {
  const dueAt = optionalNumber(entity, 'dueAt');
  return {
    index: number(entity, 'index'),
    revision: text(entity, 'revision'),
    entry: JSON.parse(text(entity, 'entry')) as ScheduleEntry,
    ...(dueAt !== undefined ? { dueAt } : {}),
    etag: etagOf(entity),
    rowKey: entity.rowKey,
  };
}

export function toSchedule(targetId: string, header: ScheduleHeader, entries: EntryRow[]): TargetSchedule {
  const current = entries
    .filter((e) => e.revision === header.revision)
    .sort((a, b) => a.index - b.index)
    .map((e) => e.entry);
  return {
    targetId,
    entries: current,
    revision: header.revision,
    registeredAt: header.registeredAt,
    updatedAt: header.updatedAt,
    ...(header.updatedBy !== undefined ? { updatedBy: header.updatedBy } : {}),
  };
}

export function dueEntity(due: DueEntry): Entity {
  return {
    ...dueKeys(due),
    at: instant(due.at),
    targetId: due.targetId,
    resourceId: due.resourceId,
    kind: due.kind,
    revision: due.revision,
    entryIndex: due.entryIndex,
    action: due.action,
    entry: JSON.stringify(due.entry),
    registeredAt: instant(due.registeredAt),
  };
}

export function toDueEntry(entity: EntityResult): DueEntry {
  return {
    at: number(entity, 'at'),
    targetId: text(entity, 'targetId'),
    resourceId: text(entity, 'resourceId'),
    kind: text(entity, 'kind') as TargetKind,
    revision: text(entity, 'revision'),
    entryIndex: number(entity, 'entryIndex'),
    action: text(entity, 'action') as ScheduleAction,
    entry: JSON.parse(text(entity, 'entry')) as ScheduleEntry,
    registeredAt: number(entity, 'registeredAt'),
    ...(isUnshardedDueKey(entity.partitionKey) ? { unsharded: true as const } : {}),
  };
}

export function runEntity(run: Run): Entity {
  return {
    partitionKey: historyPartitionKey(run),
    rowKey: runRowKey(run.occurrenceAt),
    ...defined({
      targetId: run.targetId,
      occurrenceAt: instant(run.occurrenceAt),
      requestedAction: run.requestedAction,
      source: run.source,
      outcome: run.outcome,
      attempts: run.attempts,
      errorCode: run.error?.code,
      errorMessage: run.error?.message,
      note: run.note,
      operation: run.operation,
      createdAt: instant(run.createdAt),
      startedAt: run.startedAt === undefined ? undefined : instant(run.startedAt),
      finishedAt: run.finishedAt === undefined ? undefined : instant(run.finishedAt),
      requestedBy: run.requestedBy,
      carrier: run.carrier,
    }),
  };
}

export function toRun(entity: EntityResult): StoredRun {
  const errorCode = optionalText(entity, 'errorCode');
  const startedAt = optionalNumber(entity, 'startedAt');
  const finishedAt = optionalNumber(entity, 'finishedAt');
  const requestedBy = optionalText(entity, 'requestedBy');
  const note = optionalText(entity, 'note');
  const operation = optionalText(entity, 'operation');
  const carrier = optionalNumber(entity, 'carrier');
  return {
    ...historyOfPartitionKey(entity.partitionKey),
    occurrenceAt: number(entity, 'occurrenceAt'),
    requestedAction: text(entity, 'requestedAction') as Run['requestedAction'],
    source: text(entity, 'source'),
    outcome: text(entity, 'outcome') as Run['outcome'],
    attempts: number(entity, 'attempts'),
    ...(errorCode !== undefined
      ? { error: { code: errorCode, message: optionalText(entity, 'errorMessage') ?? '' } }
      : {}),
    ...(note !== undefined ? { note } : {}),
    ...(operation !== undefined ? { operation } : {}),
    createdAt: number(entity, 'createdAt'),
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(finishedAt !== undefined ? { finishedAt } : {}),
    ...(requestedBy !== undefined ? { requestedBy } : {}),
    ...(carrier !== undefined ? { carrier } : {}),
    etag: etagOf(entity),
  };
}

export function latestActionEntity(latest: LatestAction): Entity {
  return {
    partitionKey: historyPartitionKey(latest),
    rowKey: LATEST_ROW,
    ...defined({
      targetId: latest.targetId,
      latestAt: instant(latest.latestAt),
      latestAction: latest.latestAction,
      actorAt: latest.actor === undefined ? undefined : instant(latest.actor.at),
      actorOwner: latest.actor?.owner,
      actorUntil: latest.actor === undefined ? undefined : instant(latest.actor.until),
    }),
  };
}

export function toLatestAction(entity: EntityResult): StoredLatestAction {
  const actorAt = optionalNumber(entity, 'actorAt');
  const actorOwner = optionalText(entity, 'actorOwner');
  const actorUntil = optionalNumber(entity, 'actorUntil');
  return {
    ...historyOfPartitionKey(entity.partitionKey),
    latestAt: number(entity, 'latestAt'),
    latestAction: text(entity, 'latestAction') as RunAction,
    ...(actorAt !== undefined && actorOwner !== undefined && actorUntil !== undefined
      ? { actor: { at: actorAt, owner: actorOwner, until: actorUntil } }
      : {}),
    etag: etagOf(entity),
  };
}

export function checkpointEntity(name: string, value: number, pacing?: Record<string, number>): Entity {
  return {
    partitionKey: CHECKPOINT_PARTITION,
    rowKey: name,
    value: instant(value),
    ...(pacing ? { pacing: storedPacing(pacing) } : {}),
  };
}

/** A string property holds 64 KiB: past that, the buckets closest to full are left out (they refill first). */
const MAX_PACING_CHARS = 32_000;

function storedPacing(pacing: Record<string, number>): string {
  const text = JSON.stringify(pacing);
  if (text.length <= MAX_PACING_CHARS) return text;
  const kept: Record<string, number> = {};
  let size = 2;
  for (const [bucket, at] of Object.entries(pacing).sort(([, a], [, b]) => b - a)) {
    size += JSON.stringify(bucket).length + String(at).length + 2;
    if (size > MAX_PACING_CHARS) break;
    kept[bucket] = at;
  }
  return JSON.stringify(kept);
}

export function toCheckpoint(entity: EntityResult): Checkpoint {
  const pacing = pacingOf(entity['pacing']);
  return {
    name: entity.rowKey,
    value: number(entity, 'value'),
    ...(pacing ? { pacing } : {}),
    etag: etagOf(entity),
  };
}

/** The pacing a checkpoint carries; anything unreadable is dropped (pacing then starts from full buckets). */
function pacingOf(stored: unknown): Record<string, number> | undefined {
  if (typeof stored !== 'string') return undefined;
  try {
    const parsed = JSON.parse(stored) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const entries = Object.entries(parsed).filter(
      (entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]),
    );
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  } catch {
    return undefined;
  }
}
