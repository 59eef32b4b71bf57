// The store ports of scaling by activity: pool and idle policies, what reporters say of sessions, wake
// requests, and the tokens reporters authenticate with. The reconciler (src/engine/reconcile-pool.ts) reads
// them every minute; the HTTP API writes them. Table Storage implements them beside the other ports.

import type { HistoryRef, OperationOptions, Page, PageOptions } from './ports.js';

/** How activity is judged: sessions reported by a reporter on the machines, or Azure Monitor's CPU. */
export type ActivitySource = 'sessions' | 'cpu';

/** When a machine counts as idle. */
export interface IdleRule {
  /** A machine (or pool instance) with no session for this long is idle. 1–1440. */
  idleMinutes: number;
  activity: ActivitySource;
  /** With `activity: 'cpu'`: below this average `Percentage CPU` over a minute counts as no session. 0–100. */
  cpuThresholdPercent: number;
}

/**
 * A pool's scaling policy. Inside a Start window of the pool's schedule the floor is `wakeCapacity`; after a
 * Stop (or with no schedule) it is `minCapacity`. Never above `maxCapacity`.
 * 0 ≤ minCapacity ≤ wakeCapacity ≤ maxCapacity ≤ 1000, wakeCapacity ≥ 1.
 */
export interface PoolPolicy extends IdleRule {
  minCapacity: number;
  wakeCapacity: number;
  maxCapacity: number;
  /** Sessions one instance serves; demand is ceil(sessions / sessionsPerInstance). 1–1000. */
  sessionsPerInstance: number;
}

/** An idle policy on a single VM or compute instance: stop it after `idleMinutes` without a session. */
export type IdlePolicy = IdleRule;

export interface StoredPolicy<P> {
  targetId: string;
  policy: P;
  /** The HTTP ETag of the policy. */
  etag: string;
  updatedAt: number;
  updatedBy?: string;
}

/** What is known of one machine's sessions (a pool instance, or the machine itself: `instanceId` ''). */
export interface InstanceActivity {
  /** The scale set's instance id; '' for a single VM or compute instance. */
  instanceId: string;
  /** Sessions in the newest report. */
  sessions: number;
  /** When the newest report arrived (UTC ms). */
  reportedAt: number;
  /** The newest report with at least one session (UTC ms); absent when none ever had one. */
  lastSessionAt?: number;
}

/** One report from a reporter: sessions per instance now (a single machine reports one row, instanceId ''). */
export interface ActivityReport {
  at: number;
  instances: { instanceId: string; sessions: number }[];
  /** Pools: sessions waiting for a place (e.g. JupyterHub spawns pending); counted as demand. */
  waiting?: number;
}

/** A target with a pool or idle policy: what the timer enqueues a reconcile for, every minute. */
export interface ScaledTarget {
  targetId: string;
  kind: 'pool' | 'idle';
}

/** How a policy is written. */
export interface PolicyWriteOptions extends OperationOptions {
  /** The revision (ETag) read; a stale one is a PreconditionFailedError. `*`: any policy. Absent: unconditional. */
  ifMatch?: string;
  updatedBy?: string;
  /** @default the system clock's now */
  updatedAt?: number;
}

/** Pool and idle policies, activity and wake requests, per target (in the target's own partition). */
export interface ScalingRepository {
  getPool(targetId: string, options?: OperationOptions): Promise<StoredPolicy<PoolPolicy> | undefined>;
  getIdle(targetId: string, options?: OperationOptions): Promise<StoredPolicy<IdlePolicy> | undefined>;
  /**
   * Creates or replaces the target's pool (or idle) policy, and lists the target among the scaled ones.
   * @param options `ifMatch`: the ETag read (a stale one is a PreconditionFailedError); absent: unconditional
   * @throws NotFoundError when the target is not registered
   */
  putPool(
    targetId: string,
    policy: PoolPolicy,
    options?: PolicyWriteOptions,
  ): Promise<StoredPolicy<PoolPolicy>>;
  putIdle(
    targetId: string,
    policy: IdlePolicy,
    options?: PolicyWriteOptions,
  ): Promise<StoredPolicy<IdlePolicy>>;
  /**
   * @returns false when there was none
   * @throws PreconditionFailedError when `ifMatch` is not the stored revision (or there is none)
   */
  deletePool(targetId: string, options?: OperationOptions & { ifMatch?: string }): Promise<boolean>;
  deleteIdle(targetId: string, options?: OperationOptions & { ifMatch?: string }): Promise<boolean>;
  /** Every target with a pool or idle policy, a page at a time (the timer's list: one query, not a scan of targets). */
  listScaled(options?: PageOptions): Promise<Page<ScaledTarget>>;
  /** Records a report: one upsert per instance, in one batch. `lastSessionAt` moves only when sessions > 0. */
  recordActivity(targetId: string, report: ActivityReport, options?: OperationOptions): Promise<void>;
  /**
   * Forgets what was reported of these instances (ones the pool no longer has: scale-set instance ids are
   * never reused, so their rows would otherwise pile up). Unknown ids are ignored.
   */
  forgetActivity(targetId: string, instanceIds: string[], options?: OperationOptions): Promise<void>;
  /** What is known of each instance's sessions, plus the newest `waiting` count and when it was reported. */
  readActivity(
    targetId: string,
    options?: OperationOptions,
  ): Promise<{ instances: InstanceActivity[]; waiting?: { count: number; reportedAt: number } }>;
  /** Records that someone asked the machine to wake (a wake or connect); the reconciler serves it. */
  recordWake(targetId: string, at: number, options?: OperationOptions): Promise<void>;
  /** @returns the newest wake request (UTC ms), or undefined */
  lastWake(targetId: string, options?: OperationOptions): Promise<number | undefined>;
}

/** An activity token as stored: never the token itself, only its hash. */
export interface ActivityToken {
  targetId: string;
  tokenId: string;
  createdAt: number;
  createdBy: string;
  /** Absent: valid until revoked. */
  expiresAt?: number;
  /**
   * The registration of the target it was made for: a machine deleted and registered again gets the same
   * target id, and must not accept the tokens of its earlier registration.
   */
  registration?: string;
}

/** Tokens a reporter uses to report activity for one target, and nothing else. */
export interface ActivityTokenRepository {
  /** Stores a new token's hash. */
  create(token: ActivityToken, secretHash: string, options?: OperationOptions): Promise<void>;
  /** @returns the token and its stored hash, or undefined when unknown or revoked */
  get(
    targetId: string,
    tokenId: string,
    options?: OperationOptions,
  ): Promise<{ token: ActivityToken; secretHash: string } | undefined>;
  list(targetId: string, options?: OperationOptions): Promise<ActivityToken[]>;
  /** @returns false when there was no such token */
  revoke(targetId: string, tokenId: string, options?: OperationOptions): Promise<boolean>;
}

/** What the reconciler read of a pool at one instant: one point of its history. */
export interface PoolReading {
  /** When it was read (UTC ms). */
  at: number;
  /** `sku.capacity`. */
  capacity: number;
  /** Instances running or starting, not being deleted. */
  serving: number;
  /** Sessions on the instances and waiting for a place, as the plan counted them. */
  sessions: number;
}

/**
 * What pools had over time, written only when it changes (docs/pools.md): one point per change, read a week
 * at a time. Points are kept per registration of the target (like runs) for five whole UTC weeks besides the
 * current one; older weeks are dropped as whole tables.
 */
export interface PoolHistoryRepository {
  /**
   * The newest point of the UTC week that holds `at`, or undefined when that week has none yet (so each week
   * starts with a point of its own, and a week's points are enough to draw it).
   */
  latest(history: HistoryRef, at: number, options?: OperationOptions): Promise<PoolReading | undefined>;
  /** Writes a point (the same instant again replaces it). Drops the weeks out of retention. */
  record(history: HistoryRef, point: PoolReading, options?: OperationOptions): Promise<void>;
  /**
   * The points in `[from, to]` in time order, led by the newest point before `from` of `from`'s week when
   * there is one (the state at `from`).
   */
  list(history: HistoryRef, from: number, to: number, options?: OperationOptions): Promise<PoolReading[]>;
}
