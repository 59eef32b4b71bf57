// What a schedule does over a window of time: the merged occurrences with the state wanted after each,
// for a registered target's schedule or for one previewed without storing it.

import type { Principal } from '../auth/principal.js';
import { InvalidRequestError } from '../errors.js';
import {
  desiredStateAt,
  timeline,
  validateSchedules,
  type DesiredState,
  type ScheduleEntry,
  type TimelinePoint,
} from '../schedule/index.js';
import type { StoredTarget } from '../store/ports.js';
import {
  expandEntries,
  NEXT_OCCURRENCES,
  requireSchedule,
  type ExpandedEntry,
  type ScheduleDependencies,
} from './register-schedules.js';
import { getTarget } from './register-targets.js';

export interface TimelineView {
  from: number;
  to: number;
  desiredStateAtFrom?: DesiredState;
  points: TimelinePoint[];
}

export const DEFAULT_TIMELINE_MS = 7 * 86_400_000;
export const MAX_TIMELINE_MS = 31 * 86_400_000;

export async function getTimeline(
  deps: Omit<ScheduleDependencies, 'maxScheduleEntries'>,
  principal: Principal,
  targetId: string,
  window: { from?: number; to?: number },
): Promise<{ target: StoredTarget; timeline: TimelineView }> {
  const target = await getTarget(deps, principal, targetId);
  const schedule = await requireSchedule(deps, target);
  const { from, to } = checkWindow(window, deps.clock.now());
  return { target, timeline: timelineOf(schedule.entries, from, to, schedule.registeredAt) };
}

export function previewSchedules(
  deps: Pick<ScheduleDependencies, 'clock' | 'maxScheduleEntries'>,
  body: unknown,
  options: { from?: number; to?: number; count?: number },
): { entries: ExpandedEntry[]; timeline: TimelineView } {
  const now = deps.clock.now();
  const { from, to } = checkWindow(options, now);
  const { computeStartStop: entries } = validateSchedules(body, {
    maxEntries: Math.max(...Object.values(deps.maxScheduleEntries)),
    now: from,
  });
  // As if registered at `from`: recurrences without a startTime count from there.
  return {
    entries: expandEntries(entries, from, from, options.count ?? NEXT_OCCURRENCES),
    timeline: timelineOf(entries, from, to, from),
  };
}

function timelineOf(entries: ScheduleEntry[], from: number, to: number, registeredAt: number): TimelineView {
  const before = desiredStateAt(entries, from - 1, registeredAt);
  return {
    from,
    to,
    ...(before !== undefined ? { desiredStateAtFrom: before } : {}),
    points: timeline(entries, from, to, registeredAt),
  };
}

function checkWindow(window: { from?: number; to?: number }, now: number): { from: number; to: number } {
  const from = window.from ?? now;
  return windowOf(from, window.to ?? from + DEFAULT_TIMELINE_MS, MAX_TIMELINE_MS);
}

/**
 * A window someone asked for, once its defaults are filled in: it must not end before it starts, nor last
 * longer than `maxMs` (31 days, for the timeline and a pool's history).
 * @throws InvalidRequestError naming `to`
 */
export function windowOf(from: number, to: number, maxMs: number): { from: number; to: number } {
  if (to < from) {
    throw new InvalidRequestError('The window ends before it starts.', [
      { parameter: 'to', reason: 'must not be before from' },
    ]);
  }
  if (to - from > maxMs) {
    throw new InvalidRequestError('The window is too long.', [
      { parameter: 'to', reason: `must be at most ${maxMs / 86_400_000} days after from` },
    ]);
  }
  return { from, to };
}
