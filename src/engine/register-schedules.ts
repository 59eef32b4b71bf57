// Registering a target's schedule and reading it back with what it means (descriptions, next occurrences).
// Validation is the schedule engine's; timelines and previews are `timeline.ts`.

import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import { InvalidRequestError, NotFoundError, PreconditionFailedError } from '../errors.js';
import {
  describe,
  nextOccurrence,
  occurrences,
  validateSchedules,
  type ScheduleEntry,
} from '../schedule/index.js';
import type { TargetKind } from '../targets/resource-id.js';
import type { ScheduleRepository, StoredTarget, TargetRepository, TargetSchedule } from '../store/ports.js';
import { getTarget } from './register-targets.js';

/** The ports and settings the schedule use cases need. */
export interface ScheduleDependencies {
  targets: TargetRepository;
  schedules: ScheduleRepository;
  /** "Now": where conflicts and next occurrences are computed from, and the registration instant. */
  clock: Clock;
  /** Entries a target of each kind may have (`SCHEDULER_MAX_ENTRIES_*`; default 4 each). */
  maxScheduleEntries: Record<TargetKind, number>;
}

/** An entry with what it means: shown to people so they can check it before it acts. */
export interface ExpandedEntry {
  /** The entry as stored, normalised by validation. */
  entry: ScheduleEntry;
  /** One sentence saying when it fires (`describe`). */
  description: string;
  /** Its next occurrences, UTC ms; none for a disabled entry. */
  nextOccurrences: number[];
}

/** A target's schedule as the API shows it. */
export interface SchedulesView {
  target: StoredTarget;
  schedule: TargetSchedule;
  entries: ExpandedEntry[];
}

/** How many next occurrences a schedule shows per entry. */
export const NEXT_OCCURRENCES = 5;
// Table Storage caps a string property at 64 KiB (32K UTF-16 units); no sane entry comes near it.
const MAX_ENTRY_CHARS = 16_000;

/**
 * Replaces a target's schedule with a pasted `{"computeStartStop": [...]}` document, after checking it
 * the way docs/schedules.md says (fields, the per-kind entry limit, entries that can never fire, a Start and
 * a Stop at the same instant from now on). Each enabled entry gets its row in the due index at its next
 * occurrence. Sending the same entries again keeps the registration instant, so recurrences that count from
 * it do not shift.
 * @param principal the caller, who must be allowed to act on the target
 * @param targetId the target's id, from the URL
 * @param body the parsed request body, of any type
 * @param options `ifMatch`: the If-Match ETags (`*` or a list); the write then happens only if one of them is
 *   the current revision (default: unconditional)
 * @returns the target, the stored schedule with its new revision, and each entry with its description and
 *   next five occurrences
 * @throws ScheduleValidationError listing every problem in the document with a pointer to its field
 * @throws InvalidRequestError when an entry is longer than 16,000 characters as JSON
 * @throws NotFoundError when the target is not registered (or is being deleted)
 * @throws ForbiddenError when the target is someone else's
 * @throws PreconditionFailedError when no If-Match ETag is the current revision
 */
export async function putSchedules(
  deps: ScheduleDependencies,
  principal: Principal,
  targetId: string,
  body: unknown,
  options: { ifMatch?: '*' | string[] } = {},
): Promise<SchedulesView> {
  const target = await getTarget(deps, principal, targetId);
  const now = deps.clock.now();
  const { computeStartStop: entries } = validateSchedules(body, {
    maxEntries: deps.maxScheduleEntries[target.kind],
    now,
  });
  entries.forEach((entry, i) => {
    if (JSON.stringify(entry).length > MAX_ENTRY_CHARS) {
      throw new InvalidRequestError('A schedule entry is too large to store.', [
        { pointer: `/computeStartStop/${i}`, reason: `is longer than ${MAX_ENTRY_CHARS} characters as JSON` },
      ]);
    }
  });
  const current = await deps.schedules.get(target.id);
  const ifRevision = chooseRevision(options.ifMatch, current?.revision);
  // Re-sending the same entries must not shift recurrences that count from registration.
  const unchanged = current !== undefined && JSON.stringify(current.entries) === JSON.stringify(entries);
  const registeredAt = unchanged ? current.registeredAt : now;
  const schedule = await deps.schedules.replace(
    target.id,
    {
      entries,
      nextOccurrences: entries.map((entry) => nextOccurrence(entry, now, registeredAt)),
      registeredAt,
      updatedAt: now,
      updatedBy: principal.id,
    },
    ifRevision === undefined ? {} : { ifRevision },
  );
  return {
    target,
    schedule,
    entries: expandEntries(schedule.entries, now, schedule.registeredAt, NEXT_OCCURRENCES),
  };
}

/** If-Match → the revision the write is conditional on (undefined: unconditional). */
function chooseRevision(
  ifMatch: '*' | string[] | undefined,
  current: string | undefined,
): string | undefined {
  if (ifMatch === undefined || ifMatch === '*') return undefined;
  if (current !== undefined && ifMatch.includes(current)) return current;
  if (ifMatch.length === 1) return ifMatch[0];
  throw new PreconditionFailedError('None of the ETags in If-Match is current; read the schedule again.');
}

/**
 * A target's schedule, each entry with its description and next five occurrences from now.
 * @throws NotFoundError when the target is not registered (or is being deleted)
 * @throws ForbiddenError when the target is someone else's
 */
export async function getSchedules(
  deps: Omit<ScheduleDependencies, 'maxScheduleEntries'>,
  principal: Principal,
  targetId: string,
): Promise<SchedulesView> {
  const target = await getTarget(deps, principal, targetId);
  const schedule = await requireSchedule(deps, target);
  const now = deps.clock.now();
  return {
    target,
    schedule,
    entries: expandEntries(schedule.entries, now, schedule.registeredAt, NEXT_OCCURRENCES),
  };
}

/**
 * Each entry with what it means: its description and its next `count` occurrences strictly after `after`.
 * @param registeredAt anchors recurrences without a `startTime` (the schedule's registration instant)
 */
export function expandEntries(
  entries: ScheduleEntry[],
  after: number,
  registeredAt: number,
  count: number,
): ExpandedEntry[] {
  return entries.map((entry) => ({
    entry,
    description: describe(entry),
    nextOccurrences: [...occurrences(entry, { after, limit: count, registeredAt })],
  }));
}

/**
 * The target's schedule, which exists for every registered target.
 * @throws NotFoundError when it does not: the target is being deleted
 */
export async function requireSchedule(
  deps: { schedules: ScheduleRepository },
  target: StoredTarget,
): Promise<TargetSchedule> {
  const schedule = await deps.schedules.get(target.id);
  if (!schedule) {
    // The target row exists but its schedule does not: it is being deleted right now.
    throw new NotFoundError(`target ${target.id} is being deleted`);
  }
  return schedule;
}
