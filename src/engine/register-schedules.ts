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

export interface ScheduleDependencies {
  targets: TargetRepository;
  schedules: ScheduleRepository;
  clock: Clock;
  maxScheduleEntries: Record<TargetKind, number>;
}

/** An entry with what it means: shown to people so they can check it before it acts. */
export interface ExpandedEntry {
  entry: ScheduleEntry;
  description: string;
  nextOccurrences: number[];
}

export interface SchedulesView {
  target: StoredTarget;
  schedule: TargetSchedule;
  entries: ExpandedEntry[];
}

export const NEXT_OCCURRENCES = 5;
// Table Storage caps a string property at 64 KiB (32K UTF-16 units); no sane entry comes near it.
const MAX_ENTRY_CHARS = 16_000;

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
