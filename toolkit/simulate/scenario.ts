// A simulation scenario: a window of time, a fleet in the ARM emulator, targets with Azure ML schedules,
// and faults. Parsed strictly, so a mistake in the file is named by its JSON pointer (CLI exit 2).

import { SchedulerError } from '../../src/errors.js';
import { parseInstant } from '../../src/schedule/index.js';
import { parseResourceId } from '../../src/targets/resource-id.js';

export interface ScenarioMachine {
  resourceId: string;
  state: 'running' | 'deallocated' | 'Running' | 'Stopped';
  capacity?: number;
}

export interface ScenarioTarget {
  resourceId: string;
  schedules: unknown;
  /** A pool's scaling policy, as `PUT /api/targets/{id}/pool` takes it. */
  pool?: unknown;
  /** A single machine's idle policy, as `PUT /api/targets/{id}/idle` takes it. */
  idle?: unknown;
  /** Whether its schedule holds against people's starts, as `PUT /api/targets/{id}/enforcement` takes it. */
  enforcement?: unknown;
  /** A warning before each scheduled stop, as `PUT /api/targets/{id}/warning` takes it. */
  warning?: unknown;
}

/** Someone else starting the machine (in the portal, say) at `at`: Azure raises the event as theirs. */
export interface ScenarioManualStart {
  resourceId: string;
  at: number;
  principal: string;
}

/** Someone deleting the machine at `at`. */
export interface ScenarioDelete {
  resourceId: string;
  at: number;
  principal: string;
}

/** People working on a machine: `sessions` sessions open from `from` to `to`. */
export interface ScenarioActivity {
  resourceId: string;
  from: number;
  to: number;
  sessions: number;
}

/** Someone opening the machine's connect link (a bookmark) at `at`. */
export interface ScenarioConnect {
  resourceId: string;
  at: number;
}

export interface Outage {
  from: number;
  to: number;
}

export interface ScenarioFaults {
  /** Share of ARM requests answered 429. */
  throttle: number;
  /** Share of ARM requests answered 500. */
  error: number;
  /** Share of invocations in which the function host dies mid-way (the message is redelivered). */
  crash: number;
  /** Share of warning webhook posts answered 500. */
  webhook: number;
  outages: Outage[];
}

export interface Scenario {
  from: number;
  to: number;
  fleet: ScenarioMachine[];
  targets: ScenarioTarget[];
  faults: ScenarioFaults;
  activity: ScenarioActivity[];
  connects: ScenarioConnect[];
  manualStarts: ScenarioManualStart[];
  deletes: ScenarioDelete[];
  /** Seed for every random choice, so a run can be repeated exactly. */
  seed: number;
}

/** A mistake in the scenario file, named by its JSON pointer. */
export class ScenarioError extends SchedulerError {
  readonly isUserError = true;
  override readonly name = 'ScenarioError';

  constructor(pointer: string, reason: string) {
    super(`scenario ${pointer || '/'}: ${reason}`);
  }
}

const MAX_DAYS = 62;

function object(value: unknown, pointer: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ScenarioError(pointer, 'must be an object');
  return value as Record<string, unknown>;
}

function allowOnly(value: Record<string, unknown>, keys: string[], pointer: string): void {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key))
      throw new ScenarioError(`${pointer}/${key}`, `unknown field; expected ${keys.join(', ')}`);
  }
}

function instant(value: unknown, pointer: string): number {
  if (typeof value !== 'string')
    throw new ScenarioError(pointer, 'must be an ISO 8601 instant such as 2026-03-02T00:00:00Z');
  try {
    return parseInstant(value);
  } catch (error) {
    throw new ScenarioError(pointer, error instanceof Error ? error.message : String(error));
  }
}

function rate(value: unknown, pointer: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1))
    throw new ScenarioError(pointer, 'must be a number from 0 to 1');
  return value;
}

/**
 * Reads a scenario document strictly.
 * @throws ScenarioError naming the JSON pointer of the first mistake
 */
export function parseScenario(raw: unknown): Scenario {
  const doc = object(raw, '');
  allowOnly(
    doc,
    ['from', 'to', 'fleet', 'targets', 'faults', 'seed', 'activity', 'connects', 'manualStarts', 'deletes'],
    '',
  );
  const from = instant(doc.from, '/from');
  const to = instant(doc.to, '/to');
  if (to <= from) throw new ScenarioError('/to', 'must be after from');
  if (to - from > MAX_DAYS * 86_400_000)
    throw new ScenarioError('/to', `a simulation covers at most ${MAX_DAYS} days`);
  if (!Array.isArray(doc.fleet)) throw new ScenarioError('/fleet', 'must be an array of machines');
  const seen = new Set<string>();
  const fleet = doc.fleet.map((item, i) => parseMachine(item, `/fleet/${i}`, seen));
  if (!Array.isArray(doc.targets)) throw new ScenarioError('/targets', 'must be an array');
  const targeted = new Map<string, number>();
  const targets = doc.targets.map((item, i) => parseTarget(item, i, seen, targeted));
  const seed = doc.seed === undefined ? 1 : doc.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed))
    throw new ScenarioError('/seed', 'must be a whole number');
  const activity = list(doc.activity, '/activity').map((item, i) =>
    parseActivity(item, `/activity/${i}`, seen),
  );
  const connects = list(doc.connects, '/connects').map((item, i) =>
    parseConnect(item, `/connects/${i}`, seen),
  );
  const manualStarts = list(doc.manualStarts, '/manualStarts').map((item, i) =>
    parsePersonAt(item, `/manualStarts/${i}`, seen),
  );
  const deletes = list(doc.deletes, '/deletes').map((item, i) => parsePersonAt(item, `/deletes/${i}`, seen));
  return {
    from,
    to,
    fleet,
    targets,
    faults: parseFaults(doc.faults),
    seed,
    activity,
    connects,
    manualStarts,
    deletes,
  };
}

/** `{resourceId, at, principal}`: someone acting on a machine of the fleet (principal defaults to `someone`). */
function parsePersonAt(item: unknown, pointer: string, fleet: ReadonlySet<string>): ScenarioManualStart {
  const step = object(item, pointer);
  allowOnly(step, ['resourceId', 'at', 'principal'], pointer);
  const principal = step.principal ?? 'someone';
  if (typeof principal !== 'string' || principal.length === 0 || principal.length > 128)
    throw new ScenarioError(`${pointer}/principal`, 'must be a name of 1 to 128 characters');
  return {
    resourceId: inFleet(step.resourceId, `${pointer}/resourceId`, fleet),
    at: instant(step.at, `${pointer}/at`),
    principal,
  };
}

function list(value: unknown, pointer: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ScenarioError(pointer, 'must be an array');
  return value;
}

function inFleet(value: unknown, pointer: string, fleet: ReadonlySet<string>): string {
  const resourceId = resourceIdOf(value, pointer);
  if (!fleet.has(resourceId.toLowerCase())) throw new ScenarioError(pointer, 'is not in the fleet');
  return resourceId;
}

function parseActivity(item: unknown, pointer: string, fleet: ReadonlySet<string>): ScenarioActivity {
  const activity = object(item, pointer);
  allowOnly(activity, ['resourceId', 'from', 'to', 'sessions'], pointer);
  const resourceId = inFleet(activity.resourceId, `${pointer}/resourceId`, fleet);
  const from = instant(activity.from, `${pointer}/from`);
  const to = instant(activity.to, `${pointer}/to`);
  if (to <= from) throw new ScenarioError(`${pointer}/to`, 'must be after from');
  const sessions = activity.sessions;
  if (typeof sessions !== 'number' || !Number.isInteger(sessions) || sessions < 1 || sessions > 1000) {
    throw new ScenarioError(`${pointer}/sessions`, 'must be a whole number from 1 to 1000');
  }
  return { resourceId, from, to, sessions };
}

function parseConnect(item: unknown, pointer: string, fleet: ReadonlySet<string>): ScenarioConnect {
  const connect = object(item, pointer);
  allowOnly(connect, ['resourceId', 'at'], pointer);
  return {
    resourceId: inFleet(connect.resourceId, `${pointer}/resourceId`, fleet),
    at: instant(connect.at, `${pointer}/at`),
  };
}

function parseMachine(item: unknown, pointer: string, seen: Set<string>): ScenarioMachine {
  const machine = object(item, pointer);
  allowOnly(machine, ['resourceId', 'state', 'capacity'], pointer);
  const resourceId = resourceIdOf(machine.resourceId, `${pointer}/resourceId`);
  const kind = parseResourceId(resourceId).kind;
  if (seen.has(resourceId.toLowerCase()))
    throw new ScenarioError(`${pointer}/resourceId`, 'appears twice in the fleet');
  seen.add(resourceId.toLowerCase());
  const states = kind === 'computeInstance' ? ['Running', 'Stopped'] : ['running', 'deallocated'];
  if (typeof machine.state !== 'string' || !states.includes(machine.state)) {
    throw new ScenarioError(`${pointer}/state`, `must be ${states.join(' or ')} for a ${kind}`);
  }
  const out: ScenarioMachine = { resourceId, state: machine.state as ScenarioMachine['state'] };
  if (machine.capacity === undefined) return out;
  if (kind !== 'pool')
    throw new ScenarioError(`${pointer}/capacity`, 'only a scale set (pool) has a capacity');
  const capacity = machine.capacity;
  if (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 0 || capacity > 1000) {
    throw new ScenarioError(`${pointer}/capacity`, 'must be a whole number from 0 to 1000');
  }
  return { ...out, capacity };
}

function parseTarget(
  item: unknown,
  index: number,
  fleet: ReadonlySet<string>,
  targeted: Map<string, number>,
): ScenarioTarget {
  const pointer = `/targets/${index}`;
  const target = object(item, pointer);
  allowOnly(target, ['resourceId', 'schedules', 'pool', 'idle', 'enforcement', 'warning'], pointer);
  const resourceId = resourceIdOf(target.resourceId, `${pointer}/resourceId`);
  if (!fleet.has(resourceId.toLowerCase()))
    throw new ScenarioError(`${pointer}/resourceId`, 'is not in the fleet');
  // A target registers one schedule document; two would silently replace each other.
  const first = targeted.get(resourceId.toLowerCase());
  if (first !== undefined)
    throw new ScenarioError(`${pointer}/resourceId`, `is already a target at /targets/${first}`);
  targeted.set(resourceId.toLowerCase(), index);
  if (target.schedules === undefined)
    throw new ScenarioError(`${pointer}/schedules`, 'required: {"computeStartStop": [...]}');
  const kind = parseResourceId(resourceId).kind;
  if (target.pool !== undefined && kind !== 'pool')
    throw new ScenarioError(`${pointer}/pool`, 'only a scale set (pool) has a pool policy; use idle');
  if (target.idle !== undefined && kind === 'pool')
    throw new ScenarioError(`${pointer}/idle`, 'a pool scales by its pool policy; use pool');
  return {
    resourceId,
    schedules: target.schedules,
    ...(target.pool !== undefined ? { pool: target.pool } : {}),
    ...(target.idle !== undefined ? { idle: target.idle } : {}),
    ...(target.enforcement !== undefined ? { enforcement: target.enforcement } : {}),
    ...(target.warning !== undefined ? { warning: target.warning } : {}),
  };
}

function parseFaults(raw: unknown): ScenarioFaults {
  const faults = raw === undefined ? {} : object(raw, '/faults');
  allowOnly(faults, ['throttle', 'error', 'crash', 'webhook', 'outages'], '/faults');
  const outagesRaw = faults.outages ?? [];
  if (!Array.isArray(outagesRaw))
    throw new ScenarioError('/faults/outages', 'must be an array of {from, to}');
  const outages = outagesRaw.map((item, i): Outage => {
    const pointer = `/faults/outages/${i}`;
    const outage = object(item, pointer);
    allowOnly(outage, ['from', 'to'], pointer);
    const window = { from: instant(outage.from, `${pointer}/from`), to: instant(outage.to, `${pointer}/to`) };
    if (window.to <= window.from) throw new ScenarioError(`${pointer}/to`, 'must be after from');
    return window;
  });
  return {
    throttle: rate(faults.throttle, '/faults/throttle'),
    error: rate(faults.error, '/faults/error'),
    crash: rate(faults.crash, '/faults/crash'),
    webhook: rate(faults.webhook, '/faults/webhook'),
    outages,
  };
}

function resourceIdOf(value: unknown, pointer: string): string {
  if (typeof value !== 'string') throw new ScenarioError(pointer, 'must be an ARM resource id');
  try {
    parseResourceId(value);
  } catch (error) {
    throw new ScenarioError(pointer, error instanceof Error ? error.message : String(error));
  }
  return value;
}
