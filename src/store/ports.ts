// The repositories the engine depends on, as plain interfaces: Table Storage implements them in this
// folder, and tests of the tick or execute can substitute in-memory fakes. No Azure types leak through.
// How the tables are laid out, and which use case reads what when: docs/architecture.md.
//
// Every method may also throw StorageUnavailableError (storage did not answer in time: try again later; the
// API answers 503) or StorageError (any other storage failure, a system fault). The @throws below name only
// the errors a caller decides on.

import type { ScheduleAction, ScheduleEntry } from '../schedule/types.js';
import type { TargetKind } from '../targets/resource-id.js';
import type { ActivityTokenRepository, PoolHistoryRepository, ScalingRepository } from './pool-ports.js';

/** Every repository method takes an options bag; all accept an abort signal. */
export interface OperationOptions {
  /** Abandons the storage call; the method then rejects with the abort error. */
  abortSignal?: AbortSignal;
}

/** Options of the listing methods: one page at a time. */
export interface PageOptions extends OperationOptions {
  /** From the previous page; absent for the first. A token we did not issue is an InvalidRequestError. */
  continuationToken?: string;
  /**
   * Most items on the page, 1–1000 (values outside are clamped). A page may hold fewer and still have a token.
   * @default 100 for targets, 50 for runs
   */
  maxPageSize?: number;
}

export interface Page<T> {
  items: T[];
  /** Present when there may be more. */
  continuationToken?: string;
}

export interface PrincipalRef {
  id: string;
  name?: string;
}

/** A machine we schedule: a VM, a pool (scale set) or an Azure ML compute instance. */
export interface Target {
  id: string;
  /** As registered (ARM ids are case-insensitive; the id is derived from the lowercased form). */
  resourceId: string;
  kind: TargetKind;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  workspace?: string;
  owner: PrincipalRef;
  /** The principal id of the person the target was registered for, if an admin registered it. */
  assignedTo?: string;
  createdAt: number;
  /**
   * This registration of the machine: new each time it is registered, so a machine deleted and registered
   * again starts a fresh run history. Absent on targets registered before histories were kept apart.
   */
  registration?: string;
  /** Where `GET /api/targets/{id}/connect` sends people once the machine runs (an absolute http(s) URL). */
  connectUrl?: string;
}

export interface StoredTarget extends Target {
  etag: string;
}

/** A target's schedule as last written. A new target has one with no entries. */
export interface TargetSchedule {
  targetId: string;
  entries: ScheduleEntry[];
  /** Changes on every write; the HTTP ETag of the schedule. */
  revision: string;
  /** The instant recurrences without a startTime count their intervals from. */
  registeredAt: number;
  updatedAt: number;
  updatedBy?: string;
}

export interface ScheduleWrite {
  entries: ScheduleEntry[];
  /** Each entry's next occurrence (undefined when disabled or finished): where its due row goes. */
  nextOccurrences: (number | undefined)[];
  registeredAt: number;
  updatedAt: number;
  updatedBy?: string;
}

export interface ReplaceScheduleOptions extends OperationOptions {
  /** Write only if the stored revision is still this one (the caller's If-Match). */
  ifRevision?: string;
}

/** A row of the due index: one enabled entry at its next occurrence, with what a tick needs to act. */
export interface DueEntry {
  at: number;
  targetId: string;
  resourceId: string;
  kind: TargetKind;
  revision: string;
  entryIndex: number;
  action: ScheduleAction;
  entry: ScheduleEntry;
  registeredAt: number;
  /** Read under its minute alone: written before the minutes were split into shards (`duePartitionKey`). */
  unsharded?: true;
}

/**
 * What a run asked for: a power action, or a record of something the scheduler did or saw around one
 * (`ApplyPolicy`: a default policy gave the target its schedule; `Warn`: the warning before a stop;
 * `Delete`: the machine was deleted in Azure).
 */
export type RunAction = ScheduleAction | 'Restart' | 'ApplyPolicy' | 'Warn' | 'Delete';
/**
 * `pending` until acted on; `accepted` while Azure works on a call it accepted (its completion event, or a
 * later tick's read, ends it `succeeded` or `failed`); `skipped-already-there` is the recorded no-op (the
 * target was already in the state); `superseded` an occurrence coalesced away by a later one; `overridden`
 * a scheduled action while an override suspended the schedule; `poisoned` out of retries; `observed`
 * something that happened to the machine outside the scheduler (a start by someone else, a delete).
 */
export type RunOutcome =
  | 'pending'
  | 'accepted'
  | 'succeeded'
  | 'skipped-already-there'
  | 'superseded'
  | 'overridden'
  | 'failed'
  | 'poisoned'
  | 'observed';

/** Whose run history: a target as registered once. Runs of an earlier registration stay apart. */
export interface HistoryRef {
  targetId: string;
  registration?: string;
}

/**
 * What happened for one target at one occurrence. (target, registration, occurrenceAt) is the idempotency
 * key; manual requests get instants of their own, unique per target, so they never share a run.
 */
export interface Run extends HistoryRef {
  occurrenceAt: number;
  requestedAction: RunAction;
  /** Why the run exists: a schedule entry, a person's request, a pool's idle rule, … */
  source: string;
  outcome: RunOutcome;
  attempts: number;
  error?: { code: string; message: string };
  /** A human-readable remark, e.g. "already deallocated". */
  note?: string;
  /** The ARM operation called, e.g. "deallocate". */
  operation?: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  requestedBy?: string;
  /**
   * The newest carrier (queue message) an attempt of this run handed it on to, counted from 0: a message of
   * an earlier one steps aside (docs/decisions/0017). Absent: never handed on.
   */
  carrier?: number;
}

export interface StoredRun extends Run {
  etag: string;
}

/**
 * Per target history: the newest desired state asked for so far (by a due occurrence or a person) and the
 * run acting on the target right now. Only the run at `latestAt` may call Azure, and only one run acts at a
 * time, so an older action can never land after a newer one was judged (docs/invariants.md).
 */
export interface LatestAction extends HistoryRef {
  /** The newest occurrence claimed or requested for the target (UTC ms). */
  latestAt: number;
  latestAction: RunAction;
  /** The run acting now and the delivery holding it; after `until` another may take over. */
  actor?: { at: number; owner: string; until: number };
}

export interface StoredLatestAction extends LatestAction {
  etag: string;
}

/** A registration of a target that has a run history, for admins reading the history of earlier ones. */
export interface RegistrationHistory extends HistoryRef {
  latestAt: number;
  latestAction: RunAction;
}

export interface Checkpoint {
  name: string;
  /** The last instant (a whole UTC minute) the tick evaluated. */
  value: number;
  /**
   * What the tick's calls left of each ARM write bucket (bucket → the instant its planned calls use the budget
   * up to, UTC ms), so the next tick paces from there. Absent when every bucket was full again.
   */
  pacing?: Record<string, number>;
  etag: string;
}

/** Registered targets, with the index that lets each principal list their own. */
export interface TargetRepository {
  /**
   * @param targetId a target id (32 hex digits, see `targetIdFor`)
   * @returns the target with its ETag, or undefined when it is not registered
   */
  get(targetId: string, options?: OperationOptions): Promise<StoredTarget | undefined>;
  /**
   * Whether this process has lately created or read the target and not seen it gone: a hint for which to
   * try first, registering (read, or create), never a fact to act on.
   */
  seenLately(targetId: string): boolean;
  /**
   * Creates the target with an empty schedule (its `registeredAt` is `target.createdAt`) and indexes it for
   * its owner and assignee. A target without `registration` gets a new one: its run history starts afresh.
   * @returns the stored target, with its registration and ETag
   * @throws ConflictError when a target with this id exists (someone registered it first)
   */
  create(target: Target, options?: OperationOptions): Promise<StoredTarget>;
  /**
   * Changes who the target is assigned to, and moves it between the principals' lists.
   * @param target the target as read, whose ETag the write is conditional on
   * @param assignedTo the new assignee's principal id, or undefined for none
   * @returns the target as stored now
   * @throws PreconditionFailedError when `target.etag` is stale or the target was deleted meanwhile
   */
  updateAssignment(
    target: StoredTarget,
    assignedTo: string | undefined,
    options?: OperationOptions,
  ): Promise<StoredTarget>;
  /**
   * Sets or removes (undefined) the target's connect URL.
   * @param target the target as read, whose ETag the write is conditional on
   * @throws PreconditionFailedError when `target.etag` is stale or the target was deleted meanwhile
   */
  updateConnectUrl(
    target: StoredTarget,
    connectUrl: string | undefined,
    options?: OperationOptions,
  ): Promise<StoredTarget>;
  /** Makes sure the owner and assignee find the target in their lists (repairs an interrupted create). Idempotent. */
  indexAccess(target: Target, options?: OperationOptions): Promise<void>;
  /** Takes the target off one principal's list (nothing happens when it is not on it). */
  unindexAccess(principalId: string, targetId: string, options?: OperationOptions): Promise<void>;
  /**
   * Removes the target, its schedule and its due rows, and takes it off the principals' lists. Its run
   * history stays (admins can still read it). Safe to repeat after a failure.
   * @returns false when there was no such target
   */
  delete(targetId: string, options?: OperationOptions): Promise<boolean>;
  /**
   * The target with its current schedule, in one read: what the executor checks a message against.
   * @returns undefined when the target is not registered (or is being deleted)
   */
  getWithSchedule(
    targetId: string,
    options?: OperationOptions,
  ): Promise<{ target: StoredTarget; schedule: TargetSchedule; override?: Override } | undefined>;
  /**
   * Every target, a page at a time (for admins).
   * @throws InvalidRequestError for a continuation token we did not issue
   */
  listAll(options?: PageOptions): Promise<Page<StoredTarget>>;
  /**
   * Targets the principal owns or is assigned, a page at a time.
   * @throws InvalidRequestError for a continuation token we did not issue
   */
  listForPrincipal(principalId: string, options?: PageOptions): Promise<Page<StoredTarget>>;
}

/** Each target's schedule: its entries and, kept in step with them, their rows in the due index. */
export interface ScheduleRepository {
  /** @returns the schedule as last written, or undefined when the target is not registered or being deleted */
  get(targetId: string, options?: OperationOptions): Promise<TargetSchedule | undefined>;
  /**
   * Replaces all entries and moves their due rows, atomically for readers of the schedule: a new revision,
   * and one due row per entry at `write.nextOccurrences[i]` (none where that is undefined).
   * @param write the validated entries and where each is due next
   * @param options `ifRevision` makes the write conditional (default: unconditional)
   * @returns the schedule as stored, with its new revision
   * @throws NotFoundError for an unknown target (or one being deleted)
   * @throws PreconditionFailedError when `ifRevision` is not the stored revision
   */
  replace(targetId: string, write: ScheduleWrite, options?: ReplaceScheduleOptions): Promise<TargetSchedule>;
}

/** Where a due row goes: its entry's next occurrence, or nowhere (`nextAt` undefined). */
export interface DueMove {
  row: DueEntry;
  nextAt: number | undefined;
}

/** Where a due row lives: its instant and its key (target, schedule revision, entry). */
export interface DueRowRef {
  at: number;
  targetId: string;
  revision: string;
  entryIndex: number;
  /** As on `DueEntry`: only a row read from the index can say so; a key worked out is always sharded. */
  unsharded?: true;
}

/** The due index: one row per enabled entry at its next occurrence, read by the tick (docs/decisions/0003). */
export interface DueIndex {
  /**
   * Due rows with `after < at <= until`, in time order. Reads only the hour tables that cover those
   * minutes, and only those minutes' partitions in them: the cost follows what is due, not the fleet.
   * @param after exclusive, UTC ms
   * @param until inclusive, UTC ms
   */
  listDue(after: number, until: number, options?: OperationOptions): AsyncIterable<DueEntry>;
  /**
   * Whether the row belongs to the target's current schedule: its entry is there with the row's revision.
   * One read of the target's partition; the tick does not call it (docs/decisions/0015).
   */
  isCurrent(due: DueEntry, options?: OperationOptions): Promise<boolean>;
  /**
   * Moves the row to the entry's next occurrence, or removes it when there is none. Idempotent.
   * @param nextAt UTC ms of the entry's next occurrence, or undefined when it has none
   */
  reschedule(due: DueEntry, nextAt: number | undefined, options?: OperationOptions): Promise<void>;
  /**
   * Moves many rows as `reschedule` moves one, touching only the due index: the next rows in one
   * transaction per partition (at most 100 each), then the old rows deleted in one transaction per
   * partition. It neither reads nor writes the targets' partitions, so a row of a replaced schedule moves
   * on too: whoever acts on it checks the schedule (the executor) and `forget`s it. A crash between any two
   * calls leaves what the next tick repeats (the same upserts, the same deletes).
   */
  rescheduleAll(moves: readonly DueMove[], options?: OperationOptions): Promise<void>;
  /** Deletes rows (of a replaced or deleted schedule); rows, or hour tables, already gone are fine. */
  forget(rows: readonly DueRowRef[], options?: OperationOptions): Promise<void>;
  /**
   * Housekeeping after the checkpoint moved to `instant`: drops the index's storage for the UTC hours
   * strictly before `instant`'s hour that hold no rows (rows still there are kept). Returns how many hours
   * it dropped. Cheap enough to call every tick (writers only add rows at instants still to come).
   */
  pruneBefore(instant: number, options?: OperationOptions): Promise<number>;
}

/** Run histories, one per registration of a target, and the `latest` row that orders each (docs/invariants.md). */
export interface RunRepository {
  /**
   * Creates the run unless one exists for (target, registration, occurrence): the idempotency of acting.
   * @returns the stored run either way, and whether this call created it
   */
  createIfAbsent(run: Run, options?: OperationOptions): Promise<{ run: StoredRun; created: boolean }>;
  /** @returns the run of that history at that occurrence (UTC ms), or undefined */
  get(history: HistoryRef, occurrenceAt: number, options?: OperationOptions): Promise<StoredRun | undefined>;
  /**
   * Replaces the run, conditional on its ETag.
   * @returns the run as stored now
   * @throws PreconditionFailedError when `run.etag` is stale or the run is gone
   */
  update(run: StoredRun, options?: OperationOptions): Promise<StoredRun>;
  /**
   * The history's runs, newest occurrence first, a page at a time.
   * @throws InvalidRequestError for a continuation token we did not issue
   */
  list(history: HistoryRef, options?: PageOptions): Promise<Page<StoredRun>>;
  /** @returns the history's `latest` row, or undefined before anything was asked of it */
  getLatest(history: HistoryRef, options?: OperationOptions): Promise<StoredLatestAction | undefined>;
  /**
   * Writes the history's `latest` row.
   * @param options without `etag`, creates the row; with it, replaces the row only if unchanged since read
   * @returns the row as stored, with its new ETag
   * @throws ConflictError without `etag`, when the row exists
   * @throws PreconditionFailedError with `etag`, when the row changed or is gone
   */
  putLatest(
    latest: LatestAction,
    options?: OperationOptions & { etag?: string },
  ): Promise<StoredLatestAction>;
  /** Every registration of the target that has runs, newest action first. */
  listRegistrations(targetId: string, options?: OperationOptions): Promise<RegistrationHistory[]>;
}

/** Named checkpoints; the tick keeps its own (`tick`). */
export interface CheckpointRepository {
  /** @returns the checkpoint with its ETag, or undefined before it was first set */
  get(name: string, options?: OperationOptions): Promise<Checkpoint | undefined>;
  /**
   * Moves the checkpoint to `value` (UTC ms). Two ticks cannot both win.
   * @param options without `etag`, creates the checkpoint; with it, updates only if unchanged since read
   * @throws ConflictError without `etag`, when the checkpoint exists
   * @throws PreconditionFailedError with `etag`, when the checkpoint moved since it was read
   */
  set(
    name: string,
    value: number,
    options?: OperationOptions & { etag?: string; pacing?: Record<string, number> },
  ): Promise<Checkpoint>;
}

/** Where a policy calls before a stop: a webhook and how many minutes ahead. */
export interface WarningHook {
  /** An https URL (http only to loopback, for local tests) that receives a JSON POST. */
  webhook: string;
  /** Minutes before each scheduled stop; 1–1440. */
  leadMinutes: number;
}

/**
 * A default policy: machines of these kinds inside the scope that have no schedule get these entries
 * (docs/policies.md). The scope is a resource-id prefix: a subscription, a resource group or deeper.
 */
export interface Policy {
  /** 1–63 lowercase letters, digits and `-`; the URL's `{name}`. */
  name: string;
  /** As sent, e.g. `/subscriptions/{s}/resourceGroups/{rg}`; compared lowercased on whole segments. */
  scope: string;
  targetKinds: TargetKind[];
  /** Validated entries, as a target's schedule would store them. */
  entries: ScheduleEntry[];
  /** Whether targets given this policy are enforced (a stopped target started by hand is stopped again). */
  enforce: boolean;
  warning?: WarningHook;
  updatedAt: number;
  updatedBy: string;
}

export interface StoredPolicy extends Policy {
  etag: string;
}

/** Admins' default policies. */
export interface PolicyRepository {
  /** @returns the policy, or undefined when there is none of that name */
  get(name: string, options?: OperationOptions): Promise<StoredPolicy | undefined>;
  /**
   * Creates or replaces the policy.
   * @returns the policy as stored and whether this call created it
   */
  put(policy: Policy, options?: OperationOptions): Promise<{ policy: StoredPolicy; created: boolean }>;
  /** @returns false when there was no such policy */
  delete(name: string, options?: OperationOptions): Promise<boolean>;
  /** Every policy, by name (admins keep a handful: one partition, one read). */
  list(options?: OperationOptions): Promise<StoredPolicy[]>;
}

/** A target's warning before each scheduled stop, as last set (by its owner, an admin or a policy). */
export interface WarningSettings extends WarningHook {
  targetId: string;
  /** The registration it was set for: a machine deleted and registered again does not inherit it. */
  registration?: string;
  /** `target` when set on the target, `policy:{name}` when a policy gave it. */
  source: string;
  updatedAt: number;
  updatedBy: string;
}

/** Warning settings per target, and which lead times are in use (the warning timer reads one minute per lead). */
export interface WarningRepository {
  get(targetId: string, options?: OperationOptions): Promise<WarningSettings | undefined>;
  /** Stores the settings and remembers their lead time as in use. */
  put(settings: WarningSettings, options?: OperationOptions): Promise<WarningSettings>;
  /** @returns false when the target had no warning */
  delete(targetId: string, options?: OperationOptions): Promise<boolean>;
  /** Every lead time (minutes) some target's warning has used, ascending. */
  leadsInUse(options?: OperationOptions): Promise<number[]>;
}

/** Whether a target's schedule is enforced: a start by someone else while it should be stopped is undone. */
export interface Enforcement {
  enforce: boolean;
  /** How long such a start may run before the scheduler stops it. */
  graceMinutes: number;
  updatedAt: number;
  updatedBy?: string;
}

/** A snooze: the target's schedule is suspended until `until`, and the target kept in `state` meanwhile. */
export interface Override {
  until: number;
  state: 'Running' | 'Stopped';
  setAt: number;
  setBy?: string;
}

/** A control as stored, with the revision that is its HTTP ETag. */
export interface StoredControl<T> {
  value: T;
  revision: string;
}

/** Conditional writes of a control: only if the stored revision is still this one (the caller's If-Match). */
export interface ControlWriteOptions extends OperationOptions {
  ifRevision?: string;
}

/**
 * A target's controls beside its schedule: enforcement and override. Each belongs to one registration of
 * the target and goes when the target is deleted.
 */
export interface TargetControlRepository {
  enforcement: TargetControl<Enforcement>;
  override: TargetControl<Override>;
}

/** One of a target's controls: a row in the target's partition, written under its revision. */
export interface TargetControl<T> {
  /** @returns the control, or undefined when none was set (or one set for an earlier registration) */
  get(target: Target, options?: OperationOptions): Promise<StoredControl<T> | undefined>;
  /** @throws PreconditionFailedError when `ifRevision` is not the stored revision */
  put(target: Target, value: T, options?: ControlWriteOptions): Promise<StoredControl<T>>;
  /** @returns false when there was none; @throws PreconditionFailedError when `ifRevision` is stale */
  delete(target: Target, options?: ControlWriteOptions): Promise<boolean>;
}

/**
 * Resource events already handled, per resource (keyed like targets, so also for machines not registered):
 * Event Grid delivers at least once, and each event id is reacted to once.
 */
export interface EventLog {
  /** @param resourceKey `targetIdFor` the event's resource id */
  isHandled(resourceKey: string, eventId: string, options?: OperationOptions): Promise<boolean>;
  /** Records the event as handled, with what came of it. Idempotent. */
  markHandled(
    resourceKey: string,
    eventId: string,
    record: { at: number; type: string; reaction: string },
    options?: OperationOptions,
  ): Promise<void>;
  /** The newest power change by someone else reacted to on the resource (UTC ms of its event), if any. */
  lastObserved(resourceKey: string, options?: OperationOptions): Promise<number | undefined>;
  /** Moves the newest observed instant on to `at`, unless it is already later. */
  observe(resourceKey: string, at: number, options?: OperationOptions): Promise<void>;
}

/** Everything the engine stores, as one bag of ports. */
export interface Store {
  controls: TargetControlRepository;
  events: EventLog;
  targets: TargetRepository;
  schedules: ScheduleRepository;
  due: DueIndex;
  runs: RunRepository;
  checkpoints: CheckpointRepository;
  /** Pool and idle policies, activity and wakes (pool-ports.ts). */
  scaling: ScalingRepository;
  /** The tokens reporters of activity authenticate with. */
  activityTokens: ActivityTokenRepository;
  /** What each pool had over time: capacity, serving instances, sessions (pool-ports.ts). */
  poolHistory: PoolHistoryRepository;
  policies: PolicyRepository;
  warnings: WarningRepository;
}
