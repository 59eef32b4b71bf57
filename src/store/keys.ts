// The one place that knows how things are laid out in Table and Queue storage: names, partition and
// row keys. Keys never contain user text as is (ARM ids hold `/`, which keys forbid): we hash or encode it.

import { createHash } from 'node:crypto';
import type { DueRowRef } from './ports.js';

export interface StorageNames {
  /** Target rows, their schedule header and schedule entries; one partition per target. */
  targets: string;
  /** Principal → target rows, so people list their own targets without scanning everyone's. */
  access: string;
  /**
   * The due index: one row per enabled entry at its next occurrence, in one table per UTC hour named
   * `{tablePrefix}{yyyyMMddHH}` (see `dueTableName`), partitioned by UTC minute and shard within it (see
   * `duePartitionKey`). Not a table name itself: every other string here is one, and writes create the
   * hour tables.
   */
  due: { tablePrefix: string };
  /** One row per (target, occurrence): the idempotency key of every action. */
  runs: string;
  /** Tick checkpoints. */
  checkpoints: string;
  /** Targets with a pool or idle policy: what the timer reconciles each minute, without scanning `targets`. */
  scaled: string;
  /** Default policies, one row each (docs/policies.md). */
  policies: string;
  /** Warning settings per target, and the lead times in use (docs/policies.md). */
  warnings: string;
  /** Resource events handled, per resource: each event id once. */
  events: string;
  /**
   * What pools had over time (capacity, serving instances, sessions): one table per UTC week named
   * `{tablePrefix}{yyyyMMdd}` of its Monday (see `poolHistoryTableName`). Writes create the week tables.
   */
  poolHistory: { tablePrefix: string };
  queues: { actions: string; pools: string };
}

export function storageNames(prefix = ''): StorageNames {
  return {
    targets: `${prefix}targets`,
    access: `${prefix}targetaccess`,
    due: { tablePrefix: `${prefix}due` },
    runs: `${prefix}runs`,
    checkpoints: `${prefix}checkpoints`,
    scaled: `${prefix}scaled`,
    policies: `${prefix}policies`,
    warnings: `${prefix}warnings`,
    events: `${prefix}resourceevents`,
    poolHistory: { tablePrefix: `${prefix}poolhistory` },
    queues: { actions: `${prefix}actions`, pools: `${prefix}pools` },
  };
}

/** A target's id: the first 128 bits of SHA-256 over its lowercased resource id, in hex. */
export function targetIdFor(normalizedResourceId: string): string {
  return createHash('sha256').update(normalizedResourceId.toLowerCase()).digest('hex').slice(0, 32);
}

/** Target ids arrive in URLs; anything else cannot name a stored target. */
export function isTargetId(value: string): boolean {
  return /^[0-9a-f]{32}$/.test(value);
}

export const TARGET_ROW = 'target';
export const SCHEDULE_ROW = 'schedule';
/** A target's enforcement and override rows (see `TargetControlRepository`). */
export const ENFORCEMENT_ROW = 'enforcement';
export const OVERRIDE_ROW = 'override';
const ENTRY_ROW_PREFIX = 'entry-';

/** Entry rows sort after the header and stay together: `entry-00` … `entry-19`. */
export function entryRowKey(index: number): string {
  return `${ENTRY_ROW_PREFIX}${String(index).padStart(2, '0')}`;
}

export function isEntryRowKey(rowKey: string): boolean {
  return rowKey.startsWith(ENTRY_ROW_PREFIX);
}

/** Principal ids come from tokens and may hold any character: base64url keeps them key-safe. */
export function principalPartitionKey(principalId: string): string {
  return Buffer.from(principalId, 'utf8').toString('base64url');
}

const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** The last minute `minuteBucket` formatted: a tick's rows come a minute at a time, and ask several times. */
let lastMinute = { minute: Number.NaN, bucket: '' };

/** The UTC minute that holds `at`, as `yyyyMMddHHmm`: sorts lexically in time order. */
export function minuteBucket(at: number): string {
  const minute = Math.floor(at / MINUTE_MS);
  if (minute !== lastMinute.minute) {
    const iso = new Date(minute * MINUTE_MS).toISOString();
    const bucket =
      iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16);
    lastMinute = { minute, bucket };
  }
  return lastMinute.bucket;
}

/** The start of the UTC hour that holds `at`. */
export function startOfHour(at: number): number {
  return Math.floor(at / HOUR_MS) * HOUR_MS;
}

/**
 * The due index's table for the UTC hour that holds `at`: `{prefix}due{yyyyMMddHH}`, e.g. `due2026112521`.
 * This is the "table per period" pattern of Microsoft's table design guide: a tick reads the table(s) of
 * the hour(s) it covers, so its cost follows what is due in them and not the fleet, and an hour that has
 * passed is dropped as a whole table. Table names are 3–63 letters and digits starting with a letter; the
 * storage prefix (at most 20 lowercase letters and digits, a letter first) keeps them so.
 */
export function dueTableName(names: Pick<StorageNames, 'due'>, at: number): string {
  return names.due.tablePrefix + minuteBucket(at).slice(0, 10);
}

/** The start of the hour a due table holds, or undefined when the name is not one of our due tables. */
export function dueTableHour(names: Pick<StorageNames, 'due'>, tableName: string): number | undefined {
  if (!tableName.startsWith(names.due.tablePrefix)) return undefined;
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(tableName.slice(names.due.tablePrefix.length));
  if (!match) return undefined;
  const [, year, month, day, hour] = match.map(Number) as [number, number, number, number, number];
  const at = Date.UTC(year, month - 1, day, hour);
  return dueTableName(names, at) === tableName ? at : undefined;
}

/**
 * A due row's partition within its hour table: its UTC minute and one of 16 shards, by the last hex digit
 * of the target id (a SHA-256 digest, so the shards fill evenly): `202611261800-a`. A minute's rows are
 * moved in transactions, which hold one partition each, and a partition takes some 2,000 entities a second
 * in Azure: 10,000 machines stopped at 18:00 would queue in one partition for 5 s on the way in and again on
 * the way out. Azurite looks through the partition for every row it inserts or deletes, which took 40–55%
 * of its time in a tick of 1,000 due when they shared one partition (docs/decisions/0020). Rows written before
 * the shards (`unsharded`) live under the minute alone; keys of both kinds sort between the minute and the
 * next, so a range of minutes reads both.
 */
export function duePartitionKey(ref: { at: number; targetId: string; unsharded?: true }): string {
  const minute = minuteBucket(ref.at);
  return ref.unsharded ? minute : `${minute}-${ref.targetId.slice(-1)}`;
}

/** Whether a due row's partition key is the minute alone: the row was written before the shards. */
export function isUnshardedDueKey(partitionKey: string): boolean {
  return !partitionKey.includes('-');
}

/**
 * A due row's key: target, schedule revision and entry. The revision keeps a replaced schedule's rows
 * apart from its successor's, so writing the new rows first can never overwrite the old ones.
 */
export function dueRowKey(targetId: string, revision: string, entryIndex: number): string {
  return `${targetId}_${revision}_${String(entryIndex).padStart(2, '0')}`;
}

/** Where a due row is: its partition and row keys. */
export function dueKeys(ref: DueRowRef): { partitionKey: string; rowKey: string } {
  return {
    partitionKey: duePartitionKey(ref),
    rowKey: dueRowKey(ref.targetId, ref.revision, ref.entryIndex),
  };
}

// Runs list newest first, so the row key counts down from the largest 13-digit millisecond instant.
const RUN_KEY_CEILING = 9_999_999_999_999;

export function runRowKey(occurrenceAt: number): string {
  return String(RUN_KEY_CEILING - occurrenceAt).padStart(13, '0');
}

/**
 * The run table's partition for one registration of a target: `{targetId}_{registration}`, or the bare
 * target id for targets registered before registrations were kept apart. A registration id is 16 hex digits.
 */
export function historyPartitionKey(history: { targetId: string; registration?: string }): string {
  return history.registration ? `${history.targetId}_${history.registration}` : history.targetId;
}

export function historyOfPartitionKey(partitionKey: string): { targetId: string; registration?: string } {
  const [targetId = partitionKey, registration] = partitionKey.split('_', 2);
  return registration ? { targetId, registration } : { targetId };
}

/** Registration ids arrive in query strings; anything else cannot name a stored history. */
export function isRegistrationId(value: string): boolean {
  return /^[0-9a-f]{16}$/.test(value);
}

/**
 * The row beside a history's runs that orders its actions (see `LatestAction`). Run rows are 13 digits, so
 * a letter keeps it out of every run listing (`RowKey lt LATEST_ROW`).
 */
export const LATEST_ROW = 'latest';

export const CHECKPOINT_PARTITION = 'checkpoint';

// Scaling by activity keeps its rows in the target's partition of `targets`, beside the schedule, so a
// target's delete finds them all; none of these keys falls in the schedule's range (`entry-…`, `schedule`,
// `target`), which the schedule readers query alone.
export const POOL_POLICY_ROW = 'policy-pool';
export const IDLE_POLICY_ROW = 'policy-idle';
export const WAITING_ROW = 'waiting';
export const WAKE_ROW = 'wake';
const ACTIVITY_ROW_PREFIX = 'activity-';
const TOKEN_ROW_PREFIX = 'token-';

/** One row per reporting instance; the instance id (any text, '' for a single machine) in base64url. */
export function activityRowKey(instanceId: string): string {
  return ACTIVITY_ROW_PREFIX + Buffer.from(instanceId, 'utf8').toString('base64url');
}

export function instanceIdOfActivityRow(rowKey: string): string {
  return Buffer.from(rowKey.slice(ACTIVITY_ROW_PREFIX.length), 'base64url').toString('utf8');
}

/** The row keys `[from, to)` of every activity row. */
export const ACTIVITY_ROWS = { from: ACTIVITY_ROW_PREFIX, to: 'activity.' } as const;

/** Token ids are ours (16 hex digits), safe in a key as they are. */
export function tokenRowKey(tokenId: string): string {
  return TOKEN_ROW_PREFIX + tokenId;
}

/** The row keys `[from, to)` of every activity token row. */
export const TOKEN_ROWS = { from: TOKEN_ROW_PREFIX, to: 'token.' } as const;

/** The row keys `[from, to)` of a schedule's entry rows. */
export const ENTRY_ROWS = { from: ENTRY_ROW_PREFIX, to: 'entry.' } as const;

/** The `scaled` table has one partition: it lists only targets with a policy, a few thousand rows at most. */
export const SCALED_PARTITION = 'scaled';

/** A scaled target's row: one per target and kind of policy. */
export function scaledRowKey(targetId: string, kind: 'pool' | 'idle'): string {
  return `${targetId}_${kind}`;
}

/** Every policy is a row of this one partition: admins keep a handful, read together. */
export const POLICY_PARTITION = 'policy';
/** The warnings table: a target's warning settings are the row `settings` of the target's partition. */
export const WARNING_SETTINGS_ROW = 'settings';
/** The warnings table: one row per lead time in use (minutes, zero-padded), so the timer knows what to read. */
export const WARNING_LEADS_PARTITION = 'leads';

export function warningLeadRowKey(leadMinutes: number): string {
  return String(leadMinutes).padStart(4, '0');
}
/** An event id may hold any character; base64url keeps it a valid row key. */
export function eventRowKey(eventId: string): string {
  return `event-${Buffer.from(eventId, 'utf8').toString('base64url')}`;
}

/** Beside a resource's event rows: the newest power change by someone else reacted to. */
export const OBSERVED_ROW = 'observed';

/**
 * Table continuation tokens are base64 JSON made by the SDK: `{"nextPartitionKey": "...", "nextRowKey"?: "..."}`.
 * A caller may send us anything, so we check the shape before the SDK decodes it: it would otherwise throw
 * from deep inside (a SyntaxError, or a TypeError for a key that is not a string), or storage would refuse
 * the keys. Storage's own keys are short and opaque (`1!12!dGFyZ2V0cw--` in Azure, base64 in Azurite).
 */
export function isContinuationToken(token: string): boolean {
  if (token.length > 4096 || !/^[A-Za-z0-9+/=_-]+$/.test(token)) return false;
  let decoded: unknown;
  try {
    // The SDK reads the bytes as Latin-1, not UTF-8: do as it does, so we judge what it will see.
    decoded = JSON.parse(Buffer.from(token, 'base64').toString('latin1'));
  } catch {
    return false;
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) return false;
  const fields = Object.keys(decoded);
  const { nextPartitionKey, nextRowKey } = decoded as Record<string, unknown>;
  return (
    fields.every((field) => field === 'nextPartitionKey' || field === 'nextRowKey') &&
    isContinuationKey(nextPartitionKey) &&
    (nextRowKey === undefined || isContinuationKey(nextRowKey))
  );
}

function isContinuationKey(value: unknown): boolean {
  return typeof value === 'string' && /^[A-Za-z0-9!*+/=_-]{1,1024}$/.test(value);
}

const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** Monday 00:00 UTC of the week that holds `at` (1970-01-01 was a Thursday). */
export function startOfUtcWeek(at: number): number {
  const day = Math.floor(at / DAY_MS);
  return (day - ((day + 3) % 7)) * DAY_MS;
}

/**
 * The pool history's table for the UTC week that holds `at`: `{prefix}poolhistory{yyyyMMdd}` of its Monday,
 * e.g. `poolhistory20261123`. The due index's "table per period" again: a week gone out of retention is
 * dropped as a whole table, one call for the whole fleet.
 */
export function poolHistoryTableName(names: Pick<StorageNames, 'poolHistory'>, at: number): string {
  return names.poolHistory.tablePrefix + minuteBucket(startOfUtcWeek(at)).slice(0, 8);
}

/** The Monday a pool history table holds, or undefined when the name is not one of ours. */
export function poolHistoryTableWeek(
  names: Pick<StorageNames, 'poolHistory'>,
  tableName: string,
): number | undefined {
  const { tablePrefix } = names.poolHistory;
  if (!tableName.startsWith(tablePrefix)) return undefined;
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(tableName.slice(tablePrefix.length));
  if (!match) return undefined;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const at = Date.UTC(year, month - 1, day);
  return poolHistoryTableName(names, at) === tableName && startOfUtcWeek(at) === at ? at : undefined;
}

/** A pool history row: the reading's instant, counting down so the newest comes first. */
export function poolPointRowKey(at: number): string {
  return runRowKey(at);
}
