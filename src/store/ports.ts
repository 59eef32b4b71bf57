// The repositories the engine depends on, as plain interfaces: Table Storage implements them in this
// folder, and tests of the tick or execute can substitute in-memory fakes. No Azure types leak through.

import type { ScheduleAction, ScheduleEntry } from '../schedule/types.js';
import type { TargetKind } from '../targets/resource-id.js';

/** Every repository method takes an options bag; all accept an abort signal. */
export interface OperationOptions {
  abortSignal?: AbortSignal;
}

export interface PageOptions extends OperationOptions {
  /** From the previous page; absent for the first. */
  continuationToken?: string;
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
}

export type RunAction = ScheduleAction | 'Restart';
/**
 * `pending` until acted on; `skipped-already-there` is the recorded no-op (the target was already in the
 * state); `superseded` an occurrence coalesced away by a later one; `poisoned` out of retries.
 */
export type RunOutcome =
  'pending' | 'succeeded' | 'skipped-already-there' | 'superseded' | 'failed' | 'poisoned';

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
  etag: string;
}

export interface TargetRepository {
  get(targetId: string, options?: OperationOptions): Promise<StoredTarget | undefined>;
  /** Creates the target with an empty schedule. Throws ConflictError when the target exists. */
  create(target: Target, options?: OperationOptions): Promise<StoredTarget>;
  /** Changes who the target is assigned to; throws PreconditionFailedError if `target.etag` is stale. */
  updateAssignment(
    target: StoredTarget,
    assignedTo: string | undefined,
    options?: OperationOptions,
  ): Promise<StoredTarget>;
  /** Makes sure the owner and assignee find the target in their lists (repairs an interrupted create). */
  indexAccess(target: Target, options?: OperationOptions): Promise<void>;
  /** Removes the target, its schedule and its due rows. Returns false when there was no such target. */
  delete(targetId: string, options?: OperationOptions): Promise<boolean>;
  /**
   * The target with its current schedule, in one read: what the executor checks a message against.
   * Undefined when the target is not registered (or is being deleted).
   */
  getWithSchedule(
    targetId: string,
    options?: OperationOptions,
  ): Promise<{ target: StoredTarget; schedule: TargetSchedule } | undefined>;
  listAll(options?: PageOptions): Promise<Page<StoredTarget>>;
  /** Targets the principal owns or is assigned. */
  listForPrincipal(principalId: string, options?: PageOptions): Promise<Page<StoredTarget>>;
}

export interface ScheduleRepository {
  get(targetId: string, options?: OperationOptions): Promise<TargetSchedule | undefined>;
  /**
   * Replaces all entries and moves their due rows, atomically for readers of the schedule.
   * Throws NotFoundError for an unknown target, PreconditionFailedError when `ifRevision` is stale.
   */
  replace(targetId: string, write: ScheduleWrite, options?: ReplaceScheduleOptions): Promise<TargetSchedule>;
}

export interface DueIndex {
  /**
   * Due rows with `after < at <= until`, in time order. Reads only the hour tables that cover those
   * minutes, and only those minutes' partitions in them: the cost follows what is due, not the fleet.
   */
  listDue(after: number, until: number, options?: OperationOptions): AsyncIterable<DueEntry>;
  /** Whether the row still belongs to the target's current schedule (a replaced schedule leaves none, but a crash might). */
  isCurrent(due: DueEntry, options?: OperationOptions): Promise<boolean>;
  /** Moves the row to the entry's next occurrence, or removes it when there is none. Idempotent. */
  reschedule(due: DueEntry, nextAt: number | undefined, options?: OperationOptions): Promise<void>;
  /**
   * Housekeeping after the checkpoint moved to `instant`: drops the index's storage for the UTC hours
   * strictly before `instant`'s hour that hold no rows (rows still there are kept). Returns how many hours
   * it dropped. Cheap enough to call every tick (writers only add rows at instants still to come).
   */
  pruneBefore(instant: number, options?: OperationOptions): Promise<number>;
}

export interface RunRepository {
  /** Creates the run unless one exists for (target, occurrence); returns the stored run either way. */
  createIfAbsent(run: Run, options?: OperationOptions): Promise<{ run: StoredRun; created: boolean }>;
  get(history: HistoryRef, occurrenceAt: number, options?: OperationOptions): Promise<StoredRun | undefined>;
  /** Throws PreconditionFailedError when `run.etag` is stale. */
  update(run: StoredRun, options?: OperationOptions): Promise<StoredRun>;
  /** Newest first. */
  list(history: HistoryRef, options?: PageOptions): Promise<Page<StoredRun>>;
  getLatest(history: HistoryRef, options?: OperationOptions): Promise<StoredLatestAction | undefined>;
  /**
   * Without `etag`, creates the record (ConflictError if one exists); with it, replaces it only if it is
   * unchanged since read (PreconditionFailedError otherwise).
   */
  putLatest(
    latest: LatestAction,
    options?: OperationOptions & { etag?: string },
  ): Promise<StoredLatestAction>;
  /** Every registration of the target that has runs, newest action first. */
  listRegistrations(targetId: string, options?: OperationOptions): Promise<RegistrationHistory[]>;
}

export interface CheckpointRepository {
  get(name: string, options?: OperationOptions): Promise<Checkpoint | undefined>;
  /**
   * Without `etag`, creates the checkpoint (ConflictError if it exists); with it, updates only if the
   * checkpoint is unchanged since read (PreconditionFailedError otherwise). Two ticks cannot both win.
   */
  set(name: string, value: number, options?: OperationOptions & { etag?: string }): Promise<Checkpoint>;
}

/** Everything the engine stores, as one bag of ports. */
export interface Store {
  targets: TargetRepository;
  schedules: ScheduleRepository;
  due: DueIndex;
  runs: RunRepository;
  checkpoints: CheckpointRepository;
}
