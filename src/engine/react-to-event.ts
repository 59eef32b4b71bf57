// Reactions to resource events: a deleted machine is forgotten, a start someone else made while the schedule
// wants the machine stopped is recorded (and undone after a grace period on enforced targets), and the
// scheduler's own operations settle the runs Azure had only accepted. docs/invariants.md, 7.

import type { Clock } from '../clock.js';
import { isWriteRace } from '../errors.js';
import { desiredStateAt, formatInstant } from '../schedule/index.js';
import { targetIdFor } from '../store/keys.js';
import type { HistoryRef, Override, Run, Store, StoredTarget, TargetSchedule } from '../store/ports.js';
import { actionMessageFor } from './action-message.js';
import { applyDefaultPolicies, type DefaultPolicyDependencies } from './default-policies.js';
import { enforcementOf, setEnforcement } from './enforcement.js';
import type { ActionQueue } from './ports.js';
import { powerChangeOf, type ResourceEvent } from './resource-event.js';
import { historyOf } from './run-history.js';
import { isFinalOutcome } from './run-records.js';
import { settleOwnRun, type OwnEventDependencies } from './settle-runs.js';

export interface ReactionDependencies {
  store: Pick<Store, 'targets' | 'runs' | 'events' | 'controls' | 'policies' | 'schedules' | 'warnings'>;
  actions: ActionQueue;
  /** Reads a new machine's tags (its opt-out from default policies), and a machine whose operation failed. */
  gateway: DefaultPolicyDependencies['gateway'] & OwnEventDependencies['gateway'];
  clock: Clock;
  /** The scheduler's own identity in Azure: object or application ids that mean "us" in `data.claims`. */
  identityIds: readonly string[];
}

export interface Reaction {
  /** What was done, in a word: `forgot-target`, `recorded-start`, `queued-enforced-stop`, `settled-run`, … */
  reaction: string;
  /** Why, for the log. */
  detail?: string;
}

const MINUTE_MS = 60_000;

/**
 * Reacts to one resource event, once per event id: redeliveries find it recorded and do nothing. Every
 * reaction is idempotent too (run rows created only if absent), so a crash before the event is recorded
 * repeats nothing that was done.
 * @throws StorageError when storage fails: the event is delivered again later
 */
export async function reactToEvent(deps: ReactionDependencies, event: ResourceEvent): Promise<Reaction> {
  const key = targetIdFor(event.resourceId);
  if (await deps.store.events.isHandled(key, event.id)) return { reaction: 'duplicate' };
  const result = await react(deps, key, event);
  await deps.store.events.markHandled(key, event.id, {
    at: event.at,
    type: `${event.category}${event.status}`,
    reaction: result.detail ? `${result.reaction}: ${result.detail}` : result.reaction,
  });
  return result;
}

const ignored = (detail: string): Reaction => ({ reaction: 'ignored', detail });

async function react(deps: ReactionDependencies, key: string, event: ResourceEvent): Promise<Reaction> {
  const own = isOwn(deps.identityIds, event);
  if (!own && event.category === 'write' && event.status === 'Success') return giveDefaultPolicy(deps, event);
  // Our own operation's event settles its run, which needs the target alone: one read, where the schedule
  // and the override are two more (most events are our own).
  if (own) {
    const found = await registrationOf(
      event,
      deps.store.targets.get(key).then((target) => target && { target }),
    );
    return 'reaction' in found ? found : settleOwnRun(deps, found.target, event);
  }
  const registered = await registrationOf(event, deps.store.targets.getWithSchedule(key));
  if ('reaction' in registered) return registered;
  const { target } = registered;
  if (event.category === 'delete') {
    return event.status === 'Success' ? forget(deps, target, event) : ignored(`delete ${event.status}`);
  }
  if (event.category === 'action' && event.status === 'Success') {
    return observePowerChange(deps, key, { ...registered, event });
  }
  return ignored(`${event.category} ${event.status} by someone else`);
}

/**
 * What was read of the registration the event is about, or why the event is ignored: none is stored under
 * its key, or the event is older than the registration.
 */
async function registrationOf<Read extends { target: StoredTarget }>(
  event: ResourceEvent,
  read: Promise<Read | undefined>,
): Promise<Read | Reaction> {
  const found = await read;
  if (!found) return ignored('not a registered target');
  if (found.target.createdAt > event.at) return ignored('older than the target’s registration');
  return found;
}

/** A machine created (or changed) by someone: the default policy whose scope holds it, if it has no schedule. */
async function giveDefaultPolicy(deps: ReactionDependencies, event: ResourceEvent): Promise<Reaction> {
  const { objectId, display } = event.caller;
  const result = await applyDefaultPolicies(
    {
      store: deps.store,
      gateway: deps.gateway,
      clock: deps.clock,
      setEnforcement: async (target, enforce) => {
        await setEnforcement(
          { ...deps.store, clock: deps.clock },
          target,
          { enforce },
          { updatedBy: 'policy' },
        );
      },
    },
    { resourceId: event.resourceId, createdBy: { id: (objectId ?? display).slice(0, 128), name: display } },
  );
  return result.outcome === 'applied'
    ? { reaction: 'applied-policy', detail: `${result.policy ?? ''} ${result.targetId ?? ''}`.trim() }
    : ignored(`write: ${result.outcome}`);
}

/** Whether the scheduler made the call: its identity in the claims (object id or application id). */
export function isOwn(identityIds: readonly string[], event: Pick<ResourceEvent, 'caller'>): boolean {
  const ids = new Set(identityIds.map((id) => id.toLowerCase()));
  const { objectId, appId } = event.caller;
  return (
    (objectId !== undefined && ids.has(objectId.toLowerCase())) ||
    (appId !== undefined && ids.has(appId.toLowerCase()))
  );
}

/** The machine is gone: its run history says so, then the target, schedule, controls and due rows go. */
async function forget(
  deps: ReactionDependencies,
  target: StoredTarget,
  event: ResourceEvent,
): Promise<Reaction> {
  await recordObserved(deps, historyOf(target), {
    at: event.at,
    requestedAction: 'Delete',
    note: `deleted in Azure by ${event.caller.display} at ${formatInstant(event.at)}; the scheduler forgot the target and its schedule`,
    requestedBy: event.caller.objectId ?? event.caller.display,
  });
  await closeHistory(deps, historyOf(target), offTheMinute(event.at));
  await deps.store.targets.delete(target.id);
  return { reaction: 'forgot-target', detail: target.id };
}

/** The history's last word is the delete: admins find it among the target's registrations. */
async function closeHistory(deps: ReactionDependencies, history: HistoryRef, at: number): Promise<void> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const latest = await deps.store.runs.getLatest(history);
    if (latest && latest.latestAt >= at) return;
    try {
      await deps.store.runs.putLatest(
        { ...history, latestAt: at, latestAction: 'Delete' },
        latest ? { etag: latest.etag } : {},
      );
      return;
    } catch (error) {
      if (!isWriteRace(error)) throw error;
    }
  }
}

/** Someone else started, stopped or restarted the machine. */
async function observePowerChange(
  deps: ReactionDependencies,
  key: string,
  seen: { target: StoredTarget; schedule: TargetSchedule; override?: Override; event: ResourceEvent },
): Promise<Reaction> {
  const { target, schedule, override, event } = seen;
  const change = powerChangeOf(event.operationName);
  if (!change) return ignored(`operation ${event.operationName}`);
  // Out of order: a later change (by anyone, or asked of the scheduler) already says where the machine is.
  const observed = await deps.store.events.lastObserved(key);
  if (observed !== undefined && observed > event.at) return ignored('older than a change already seen');
  const latest = await deps.store.runs.getLatest(historyOf(target));
  if (latest && latest.latestAt > event.at) return ignored('older than the scheduler’s latest action');
  await deps.store.events.observe(key, event.at);
  if (change !== 'Start') return ignored(`${change.toLowerCase()} by ${event.caller.display}`);
  const overriding = override && override.until > event.at ? override : undefined;
  const desired = overriding
    ? overriding.state
    : desiredStateAt(schedule.entries, event.at, schedule.registeredAt);
  if (desired !== 'Stopped') return ignored('started while the schedule wants it running');
  return recordStart(deps, { target, event, ...(overriding ? { overriding } : {}) });
}

async function recordStart(
  deps: ReactionDependencies,
  start: { target: StoredTarget; event: ResourceEvent; overriding?: Override },
): Promise<Reaction> {
  const { target, event, overriding } = start;
  const history = historyOf(target);
  const who = event.caller.display;
  const { value: enforcement } = await enforcementOf(deps.store, target);
  const consequence = !enforcement.enforce
    ? 'not enforced, so it keeps running until the schedule stops it'
    : overriding
      ? `not stopped: an override keeps the schedule suspended until ${formatInstant(overriding.until)}`
      : `enforced: it is stopped after ${enforcement.graceMinutes} minutes’ grace`;
  await recordObserved(deps, history, {
    at: event.at,
    requestedAction: 'Start',
    note: `started by ${who} while the schedule wants it stopped; ${consequence}`,
    requestedBy: event.caller.objectId ?? who,
  });
  if (!enforcement.enforce || overriding) return { reaction: 'recorded-start', detail: who };
  // One millisecond after the grace period's end: never the instant of the start's own line (no grace).
  const stopAt = offTheMinute(event.at + enforcement.graceMinutes * MINUTE_MS) + 1;
  await queueEnforcedStop(
    deps,
    target,
    stopAt,
    `enforcing the schedule: ${who} started it at ${formatInstant(event.at)}`,
  );
  return { reaction: 'queued-enforced-stop', detail: formatInstant(stopAt) };
}

/** The stop runs as a request of its own, at its own instant, through the same queue and run rules. */
async function queueEnforcedStop(
  deps: ReactionDependencies,
  target: StoredTarget,
  stopAt: number,
  note: string,
): Promise<void> {
  const history = historyOf(target);
  const now = deps.clock.now();
  const { run } = await deps.store.runs.createIfAbsent({
    ...history,
    occurrenceAt: stopAt,
    requestedAction: 'Stop',
    source: 'enforce',
    outcome: 'pending',
    attempts: 0,
    createdAt: now,
    note,
  });
  // Already carried out by an earlier delivery of this event: nothing to send again.
  if (isFinalOutcome(run.outcome)) return;
  const message = actionMessageFor(target, 'Stop', stopAt, { source: 'enforce' });
  await deps.actions.send(message, { visibilityDelayInMs: Math.max(0, stopAt - now) });
}

/** Whole minutes are the schedules' instants: a reaction's run steps one millisecond off them. */
function offTheMinute(at: number): number {
  return at % MINUTE_MS === 0 ? at + 1 : at;
}

/** A line in the history for something that happened to the machine outside the scheduler. */
export async function recordObserved(
  deps: { store: Pick<Store, 'runs'>; clock: Clock },
  history: HistoryRef,
  what: { at: number; requestedAction: Run['requestedAction']; note: string; requestedBy: string },
): Promise<void> {
  const now = deps.clock.now();
  await deps.store.runs.createIfAbsent({
    ...history,
    occurrenceAt: offTheMinute(what.at),
    requestedAction: what.requestedAction,
    source: 'event',
    outcome: 'observed',
    attempts: 0,
    createdAt: now,
    finishedAt: now,
    note: what.note.slice(0, 1000),
    requestedBy: what.requestedBy.slice(0, 128),
  });
}
