// How targets, schedules and timelines look on the wire: instants as YYYY-MM-DDTHH:MM:SSZ, links under
// /api, and schedule entries exactly as stored plus what they mean (description, next occurrences).

import { formatInstant } from '../schedule/index.js';
import type { ExpandedEntry, SchedulesView } from '../engine/register-schedules.js';
import type { TimelineView } from '../engine/timeline.js';
import type { StoredRun, StoredTarget } from '../store/ports.js';
import { ROUTE_PREFIX } from './operations.js';

export function targetPath(targetId: string): string {
  return `${ROUTE_PREFIX}/targets/${targetId}`;
}

export function targetJson(target: StoredTarget): Record<string, unknown> {
  const self = targetPath(target.id);
  return {
    id: target.id,
    resourceId: target.resourceId,
    kind: target.kind,
    subscriptionId: target.subscriptionId,
    resourceGroup: target.resourceGroup,
    name: target.name,
    ...(target.workspace !== undefined ? { workspace: target.workspace } : {}),
    owner: target.owner,
    ...(target.assignedTo !== undefined ? { assignedTo: target.assignedTo } : {}),
    createdAt: formatInstant(target.createdAt),
    ...(target.registration ? { registration: target.registration } : {}),
    ...(target.connectUrl ? { connectUrl: target.connectUrl } : {}),
    links: {
      self,
      schedules: `${self}/schedules`,
      timeline: `${self}/timeline`,
      runs: `${self}/runs`,
      override: `${self}/override`,
      wake: `${self}/wake`,
    },
  };
}

export function expandedEntriesJson(entries: ExpandedEntry[]): Record<string, unknown>[] {
  return entries.map(({ entry, description, nextOccurrences }) => ({
    ...entry,
    description,
    nextOccurrences: nextOccurrences.map(formatInstant),
  }));
}

export function schedulesJson(view: SchedulesView): Record<string, unknown> {
  const { schedule } = view;
  return {
    targetId: view.target.id,
    computeStartStop: expandedEntriesJson(view.entries),
    registeredAt: formatInstant(schedule.registeredAt),
    updatedAt: formatInstant(schedule.updatedAt),
    ...(schedule.updatedBy !== undefined ? { updatedBy: schedule.updatedBy } : {}),
  };
}

export function timelineJson(view: TimelineView, targetId?: string): Record<string, unknown> {
  return {
    ...(targetId !== undefined ? { targetId } : {}),
    from: formatInstant(view.from),
    to: formatInstant(view.to),
    ...(view.desiredStateAtFrom !== undefined ? { desiredStateAtFrom: view.desiredStateAtFrom } : {}),
    points: view.points.map((p) => ({
      at: formatInstant(p.at),
      action: p.action,
      entryIndex: p.entryIndex,
      desiredState: p.desiredState,
    })),
  };
}

export function runJson(run: StoredRun): Record<string, unknown> {
  return {
    id: String(run.occurrenceAt),
    occurrence: formatInstant(run.occurrenceAt),
    requestedAction: run.requestedAction,
    source: run.source,
    outcome: run.outcome,
    attempts: run.attempts,
    ...(run.operation !== undefined ? { operation: run.operation } : {}),
    ...(run.note !== undefined ? { note: run.note } : {}),
    ...(run.error !== undefined ? { error: run.error } : {}),
    ...(run.requestedBy !== undefined ? { requestedBy: run.requestedBy } : {}),
    createdAt: formatInstant(run.createdAt),
    ...(run.startedAt !== undefined ? { startedAt: formatInstant(run.startedAt) } : {}),
    ...(run.finishedAt !== undefined ? { finishedAt: formatInstant(run.finishedAt) } : {}),
  };
}
