// The whole pipeline on a virtual clock: the registry's functions (HTTP registration, the tick, the
// executor), Azurite for tables and queues, and the ARM emulator with its documented throttling, driven
// minute by minute as fast as the machine allows, with the scenario's faults and outages.

import functions from '@azure/functions';
import https from 'node:https';
import { ManualClock } from '../../src/clock.js';
import { ArmComputeGateway } from '../../src/compute/arm-gateway.js';
import { readConfig } from '../../src/config.js';
import { decodeActionDelivery } from '../../src/engine/action-message.js';
import { createDependencies } from '../../src/functions/dependencies.js';
import {
  createFunctionRegistry,
  hasTrigger,
  type DefinitionOf,
  type FunctionDefinition,
} from '../../src/functions/registry.js';
import { emulatorCredential, startArmEmulator, type ArmEmulator } from '../arm-emulator/index.js';
import { startAzurite } from '../azurite.js';
import { HostCrash, QueuePoller } from '../local-host/queue-poller.js';
import { invokeTimer } from '../local-host/timer-driver.js';
import {
  lastOccurrence,
  occurrences,
  validateSchedules,
  type DesiredState,
  type ScheduleEntry,
} from '../../src/schedule/index.js';
import { StorageActionQueue, StoragePoolQueue } from '../../src/queue/storage-action-queue.js';
import { provisionStorage } from '../../src/store/index.js';
import { parseResourceId } from '../../src/targets/resource-id.js';
import { currentInvocation, FaultInjectingGateway } from './fault-gateway.js';
import { countMissed, countRuns, failuresIn, forgotten, readHistories, markDeleted } from './histories.js';
import { hasPeople, People, putControls, warningMinutes, type PeopleReport } from './people.js';
import { hasPools, PoolDriver, putSetting, type PoolReport, type SubscriptionArm } from './pool-driver.js';
import { CostMeter, type SimulationCost } from './cost-meter.js';
import { ScenarioError, type Scenario } from './scenario.js';
import { VirtualDelayQueue, VirtualPoolQueue } from './virtual-queue.js';

// @azure/functions is CommonJS: Node's ESM loader sees `app` as a named export, but not its classes.
const { HttpRequest, InvocationContext } = functions;

const MINUTE_MS = 60_000;
/** How long machines take to change state, in simulated time. */
const TRANSITION_MS = 90_000;

export interface SimulationCall {
  at: string;
  resourceId: string;
  operation: string;
  status: number;
}

export interface SimulationResult {
  calls: SimulationCall[];
  final: { resourceId: string; state: string; capacity?: number }[];
  runs: {
    /** Accepted by Azure and not yet reported done (operations still running at the end). */
    accepted: number;
    succeeded: number;
    skipped: number;
    superseded: number;
    failed: number;
    poisoned: number;
    pending: number;
  };
  /** Each failed or poisoned run and why, so that a count above zero can be read without opening the store. */
  failures: RunFailure[];
  duplicates: number;
  missed: number;
  /**
   * Targets whose final state is not the state their schedules want at `to` (a machine still on its way
   * there, from an operation started in the last minutes, counts as there).
   */
  wrongFinal: number;
  /** Azure calls made for an occurrence older than one already handed to the executor for that target. */
  staleActions: number;
  /** Per pool or idle machine: what it used against always-on and the oracle, and what its users felt. */
  pools?: PoolReport[];
  /** With pools: each subscription's ARM reads and writes per minute and the 429s seen, against its budget. */
  armPerSubscription?: SubscriptionArm[];
  /** With people's starts, deletes or warnings in the scenario: what they did and what came of it. */
  people?: PeopleReport;
  /** What the window would be billed for: storage transactions, executions, ARM requests ([cost.md](../../docs/cost.md)). */
  cost: SimulationCost;
}

export interface RunFailure {
  resourceId: string;
  occurrenceAt: string;
  action: string;
  outcome: 'failed' | 'poisoned';
  attempts: number;
  note?: string;
  error?: { code: string; message: string };
}

export interface SimulationOptions {
  /** Called with the share of simulated time done, 0–1. */
  onProgress?: (done: number) => void;
  /** Filled in with what the faults did, for those who want to check the storm really happened. */
  stats?: { hostCrashes: number };
  /**
   * Release delayed retries within the minute, moving the virtual clock in steps of this size (e.g. 1000:
   * Queue Storage's visibility delays are whole seconds), instead of holding them to the next whole minute.
   * Ticks still run only at whole minutes. Token buckets refill with the clock, so this is what a burst
   * against a bucket that refills every second (ARM's 10 writes/s) looks like on the real clock. Default:
   * whole minutes.
   */
  retryResolutionInMs?: number;
  /**
   * Tick every minute, as Azure does, instead of skipping minutes in which nothing is due or waiting (which
   * changes no outcome, only what the run costs): for counting what a day costs. Default: skip them.
   */
  tickEveryMinute?: boolean;
}

const ADMIN_PRINCIPAL = Buffer.from(
  JSON.stringify({
    auth_typ: 'aad',
    name_typ: 'name',
    role_typ: 'roles',
    claims: [
      { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: 'simulator' },
      { typ: 'name', val: 'simulator' },
      { typ: 'roles', val: 'Scheduler.Admin' },
    ],
  }),
).toString('base64');

function addFleet(emulator: ArmEmulator, scenario: Scenario): void {
  for (const machine of scenario.fleet) {
    const kind = parseResourceId(machine.resourceId).kind;
    if (kind === 'vm')
      emulator.addVirtualMachine(machine.resourceId, {
        powerState: machine.state === 'running' ? 'running' : 'deallocated',
      });
    else if (kind === 'pool') {
      const capacity = machine.capacity ?? (machine.state === 'running' ? 1 : 0);
      emulator.addScaleSet(machine.resourceId, {
        capacity,
        powerState: machine.state === 'running' ? 'running' : 'deallocated',
      });
    } else
      emulator.addComputeInstance(machine.resourceId, {
        state: machine.state === 'Running' ? 'Running' : 'Stopped',
      });
  }
}

async function callHttp(
  registry: FunctionDefinition[],
  name: string,
  init: { method: string; url: string; body?: unknown; params?: Record<string, string> },
): Promise<{ status: number; body: unknown }> {
  const definition = registry.find((d) => d.name === name);
  if (!definition || !hasTrigger(definition, 'http')) throw new Error(`simulate: no HTTP function ${name}`);
  const request = new HttpRequest({
    method: init.method,
    url: init.url,
    headers: { 'content-type': 'application/json', 'x-ms-client-principal': ADMIN_PRINCIPAL },
    ...(init.params ? { params: init.params } : {}),
    ...(init.body !== undefined ? { body: { string: JSON.stringify(init.body) } } : {}),
  });
  const response = await definition.handler(
    request,
    new InvocationContext({ functionName: name, logHandler: () => undefined }),
  );
  const text = typeof response.body === 'string' ? response.body : '';
  return { status: response.status ?? 200, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** Registers every target and its schedule through the API functions, as a user would. */
async function register(registry: FunctionDefinition[], scenario: Scenario): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const [i, target] of scenario.targets.entries()) {
    const created = await callHttp(registry, 'registerTarget', {
      method: 'POST',
      url: 'http://simulator/api/targets',
      body: { resourceId: target.resourceId },
    });
    if (created.status >= 300)
      throw new ScenarioError(`/targets/${i}/resourceId`, `registration refused (${created.status})`);
    const id = (created.body as { id: string }).id;
    await putSetting((name, init) => callHttp(registry, name, init), 'putSchedules', {
      id,
      path: 'schedules',
      body: target.schedules,
      pointer: `/targets/${i}/schedules`,
    });
    ids.set(target.resourceId.toLowerCase(), id);
  }
  return ids;
}

/** Who the scheduler is in the emulator: its calls' events carry this object id. */
const SCHEDULER_IDENTITY = 'compute-scheduler';

const ACTION_PATH = /^(.*?)\/(start|deallocate|powerOff|restart|stop)$/i;

/** What one simulation runs on: the pieces `simulate` starts, drives and reads back. */
interface Pipeline {
  clock: ManualClock;
  emulator: ArmEmulator;
  gateway: FaultInjectingGateway;
  actions: VirtualDelayQueue;
  deps: ReturnType<typeof createDependencies>;
  tick: DefinitionOf<'timer'>;
  /** The Event Grid function, and how many of the emulator's events it has been handed. */
  resourceEvents: DefinitionOf<'eventGrid'>;
  eventsDelivered: { count: number };
  poller: QueuePoller;
  targetIds: Map<string, string>;
  /** The pools' side, when the scenario has pool or idle policies. */
  pools?: { queue: VirtualPoolQueue; round: DefinitionOf<'timer'>; poller: QueuePoller; driver: PoolDriver };
  /** The pool round, which Azure runs every minute even with no pools to scale (`tickEveryMinute` runs it). */
  poolRound?: DefinitionOf<'timer'>;
  /** Action calls seen so far (the emulator's request log is emptied every minute). */
  calls: SimulationCall[];
  people: People;
  warn: DefinitionOf<'timer'>;
  meter: CostMeter;
}

/**
 * Runs the scenario through the whole pipeline on a virtual clock and reports what happened.
 * @throws ScenarioError when a target or schedule of the scenario is refused at registration
 */
export async function simulate(
  scenario: Scenario,
  options: SimulationOptions = {},
): Promise<SimulationResult> {
  const stops: (() => Promise<void>)[] = [];
  try {
    const pipeline = await startPipeline(scenario, stops);
    const planned = planScenario(scenario);
    pipeline.meter.start(pipeline.emulator.requests.length);
    await runMinutes(pipeline, scenario, planned, options);
    const { clock, emulator, gateway, deps, targetIds } = pipeline;
    clock.set(scenario.to);
    emulator.settle();
    await deliverEvents(pipeline);
    options.onProgress?.(1);
    if (options.stats) options.stats.hostCrashes = gateway.crashes;
    const final = scenario.fleet.map((m) => finalState(emulator, m.resourceId));
    collectCalls(pipeline);
    const histories = await readHistories(deps, targetIds);
    // A deleted machine has nothing left to do after its delete.
    const alive = planned.map((p) => markDeleted(p, pipeline.people.deletedAt(p.resourceId)));
    return {
      calls: sortCalls(pipeline.calls),
      final,
      runs: countRuns([...histories.values()].flat()),
      failures: failuresIn(histories),
      duplicates: [...gateway.actionsPerOccurrence.values()].filter((n) => n > 1).length,
      missed: countMissed(alive, histories),
      wrongFinal: countWrongFinal(scenario, judgedFinal(scenario, alive), final),
      staleActions: gateway.staleActions,
      ...(pipeline.pools
        ? {
            pools: pipeline.pools.driver.report(),
            armPerSubscription: pipeline.pools.driver.armPerSubscription(),
          }
        : {}),
      ...(hasPeople(scenario)
        ? { people: pipeline.people.report(histories, forgotten(scenario, targetIds, histories)) }
        : {}),
      cost: pipeline.meter.report(),
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

/** Azurite, the emulator with the scenario's fleet and faults, the registry's functions, the targets registered. */
async function startPipeline(scenario: Scenario, stops: (() => Promise<void>)[]): Promise<Pipeline> {
  const clock = new ManualClock(scenario.from);
  const azurite = await startAzurite({ ports: 'free' });
  stops.push(() => azurite.stop());
  const emulator = await startArmEmulator({
    clock,
    settleAutomatically: false,
    transitionDurationsInMs: TRANSITION_MS,
    faults: {
      seed: scenario.seed,
      throttleRate: scenario.faults.throttle,
      serverErrorRate: scenario.faults.error,
    },
  });
  stops.push(() => emulator.close());
  addFleet(emulator, scenario);
  const people = new People(scenario, emulator);

  const config = readConfig({
    AzureWebJobsStorage: azurite.connectionString,
    SCHEDULER_TRUST_PRINCIPAL_HEADER: 'true',
    SCHEDULER_IDENTITY_IDS: SCHEDULER_IDENTITY,
    // The scenario's people may act on its machines: the simulation is about what the scheduler does.
    SCHEDULER_PERMISSION_CHECK: 'off',
    SCHEDULER_WARNING_SIGNING_KEY: people.signingKey,
    SCHEDULER_PUBLIC_URL: 'http://localhost:7071',
  });
  const base = createDependencies(config, { clock });
  const actions = new VirtualDelayQueue(
    new StorageActionQueue(base.storage.queueService, base.storage.names.queues.actions),
    clock,
  );
  const gateway = new FaultInjectingGateway(
    new ArmComputeGateway({
      endpoint: emulator.url,
      credential: emulatorCredential({ principalId: SCHEDULER_IDENTITY }),
      agent: new https.Agent({ ca: emulator.certificatePem, keepAlive: true, maxSockets: 32 }),
      pollIntervalInMs: 1,
      retryDelayInMs: 1,
      clock,
      // Every wait goes through the queue, on the virtual clock.
      maxRetryAfterInMs: 0,
    }),
    scenario.faults.crash,
    scenario.seed,
    (targetId) => actions.newestSent(targetId),
  );
  const poolQueue = new VirtualPoolQueue(
    new StoragePoolQueue(base.storage.queueService, base.storage.names.queues.pools),
    clock,
  );
  const deps = createDependencies(config, {
    clock,
    gateway,
    actions,
    pools: poolQueue,
    webhooks: people.webhooks,
    // Retries of a webhook wait on the virtual clock's terms: not at all.
    warnOptions: { sleep: () => Promise.resolve() },
  });
  // An envelope's actions one at a time: a host crash then stops it where it is, and a scenario replays the
  // same way (members carried out together would race the redelivery).
  deps.executeOptions = { ...deps.executeOptions, membersAtOnce: 1 };
  await provisionStorage(deps.storage);
  const meter = new CostMeter(() => clock.now());
  const registry = createFunctionRegistry(deps).map((definition) => meter.meter(definition));
  const targetIds = await register(registry, scenario);
  await putControls((name, init) => callHttp(registry, name, init), scenario, targetIds);
  const pools = hasPools(scenario)
    ? await poolSide(registry, scenario, emulator, poolQueue, deps, targetIds)
    : undefined;
  const tick = registry.find((d): d is DefinitionOf<'timer'> => hasTrigger(d, 'timer') && d.name === 'tick');
  const execute = registry.find(
    (d): d is DefinitionOf<'queue'> => hasTrigger(d, 'queue') && d.name === 'execute',
  );
  const resourceEvents = registry.find((d): d is DefinitionOf<'eventGrid'> => hasTrigger(d, 'eventGrid'));
  const warn = registry.find(
    (d): d is DefinitionOf<'timer'> => hasTrigger(d, 'timer') && d.name === 'warnBeforeStops',
  );
  if (!tick || !execute || !resourceEvents || !warn) {
    throw new Error(
      'simulate: the registry has no tick, execute, resourceEvents or warnBeforeStops function',
    );
  }
  const poller = new QueuePoller({
    service: deps.storage.queueService,
    definition: { ...execute, handler: crashable(execute.handler) },
    log: () => undefined,
    releaseAfterCrash: true,
    visibilityTimeoutInSeconds: 600,
  });
  const eventsDelivered = { count: 0 };
  const poolRound = registry.find(
    (d): d is DefinitionOf<'timer'> => hasTrigger(d, 'timer') && d.name === 'poolRound',
  );
  return {
    clock,
    emulator,
    gateway,
    actions,
    deps,
    tick,
    resourceEvents,
    eventsDelivered,
    poller,
    targetIds,
    calls: [],
    people,
    warn,
    meter,
    ...(pools ? { pools } : {}),
    ...(poolRound ? { poolRound } : {}),
  };
}

/** The pool round, the reconciler's poller and the driver that plays the users, with the policies put. */
async function poolSide(
  registry: FunctionDefinition[],
  scenario: Scenario,
  emulator: ArmEmulator,
  queue: VirtualPoolQueue,
  deps: ReturnType<typeof createDependencies>,
  targetIds: Map<string, string>,
): Promise<NonNullable<Pipeline['pools']>> {
  const round = registry.find(
    (d): d is DefinitionOf<'timer'> => hasTrigger(d, 'timer') && d.name === 'poolRound',
  );
  const reconcile = registry.find(
    (d): d is DefinitionOf<'queue'> => hasTrigger(d, 'queue') && d.name === 'reconcile',
  );
  if (!round || !reconcile) throw new Error('simulate: the registry has no poolRound or reconcile function');
  const driver = new PoolDriver(scenario, emulator, (name, init) => callHttp(registry, name, init));
  await driver.putPolicies(targetIds);
  const poller = new QueuePoller({
    service: deps.storage.queueService,
    definition: reconcile,
    log: () => undefined,
    releaseAfterCrash: true,
    visibilityTimeoutInSeconds: 600,
  });
  return { queue, round, poller, driver };
}

/** Moves the action calls out of the emulator's request log (the pool driver has counted its reads). */
function collectCalls(pipeline: Pipeline): void {
  pipeline.meter.countArm(pipeline.emulator.requests);
  pipeline.calls.push(...actionCalls(pipeline.emulator));
  pipeline.emulator.clearRequests();
}

/** Event Grid's part: the emulator's resource events raised since the last call, handed to the function in order. */
async function deliverEvents(pipeline: Pipeline): Promise<void> {
  const { emulator, resourceEvents, eventsDelivered } = pipeline;
  const context = new InvocationContext({ functionName: resourceEvents.name, logHandler: () => undefined });
  while (eventsDelivered.count < emulator.events.length) {
    const event = emulator.events[eventsDelivered.count]!;
    await resourceEvents.handler(event as unknown as Parameters<typeof resourceEvents.handler>[0], context);
    eventsDelivered.count++;
  }
}

/**
 * Moves the clock minute by minute: each minute outside an outage, held retries are released, the tick
 * runs and the queue is drained. Minutes where nothing is due, nothing waits and no outage ends would
 * tick for nothing and are skipped: the tick reads (checkpoint, now], so skipping idle minutes changes
 * neither what it sees nor how it coalesces.
 */
async function runMinutes(
  pipeline: Pipeline,
  scenario: Scenario,
  planned: Planned[],
  options: SimulationOptions,
): Promise<void> {
  const { clock, emulator, actions, tick, poller, pools, people, warn } = pipeline;
  const inOutage = (t: number) => scenario.faults.outages.some((o) => t >= o.from && t < o.to);
  const release = async () => {
    await actions.release();
    if (pools) await pools.queue.release();
  };
  const drain = async () => {
    // Redeliveries after crashes come straight back within the same instant.
    for (;;) {
      const handled = (await poller.pollOnce()) + (pools ? await pools.poller.pollOnce() : 0);
      if (handled === 0) return;
      await release();
    }
  };
  const busy = busyMinutes(scenario, planned, [
    ...people.minutes(TRANSITION_MS),
    ...warningMinutes(scenario, planned),
  ]);
  const span = Math.max(1, scenario.to - scenario.from);
  let t = Math.floor(scenario.from / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  while (t <= scenario.to) {
    clock.set(t);
    emulator.settle();
    options.onProgress?.((t - scenario.from) / span);
    if (!inOutage(t)) {
      people.act(t);
      await deliverEvents(pipeline);
      if (pools) await pools.driver.beforeRound(t);
      await release();
      await invokeTimer(tick, () => undefined, t, t);
      await invokeTimer(warn, () => undefined, t, t);
      if (pools) await invokeTimer(pools.round, () => undefined, t, t);
      else if (options.tickEveryMinute && pipeline.poolRound)
        await invokeTimer(pipeline.poolRound, () => undefined, t, t);
      await release();
      await drain();
      if (pools) await poolSteps(pipeline, t, { inOutage, release, drain });
    }
    await retrySteps(pipeline, { t, to: scenario.to }, options, { inOutage, release, drain });
    collectCalls(pipeline);
    const nextDue = Math.min(actions.nextDueAt ?? Infinity, pools?.queue.nextDueAt ?? Infinity);
    // With pools, the minutes are stepped second by second (`poolSteps`): a message due within a minute is
    // released at its second, so that minute must be visited; rounding up to the next would release every
    // message due in a skipped minute at once, a burst Azure would not see.
    const minuteOf = pools ? Math.floor : Math.ceil;
    const waiting = nextDue === Infinity ? Infinity : minuteOf(nextDue / MINUTE_MS) * MINUTE_MS;
    const quiet = pools ? pools.driver.quietUntil(t) : Infinity;
    const next = Math.min(busy.after(t), waiting, quiet, scenario.to + MINUTE_MS);
    t = options.tickEveryMinute ? t + MINUTE_MS : Math.max(t + MINUTE_MS, next);
  }
}

interface Steps {
  inOutage: (t: number) => boolean;
  release: () => Promise<void>;
  drain: () => Promise<void>;
}

/**
 * The pools' round spreads its messages over the minute (so a subscription's reads are spread too): step
 * the clock to each held message's second, release it, and let the driver see the machines after each step.
 */
async function poolSteps(pipeline: Pipeline, t: number, steps: Steps): Promise<void> {
  const { clock, emulator, pools, actions } = pipeline;
  if (!pools) return;
  pools.driver.afterRound(t);
  for (;;) {
    const due = Math.min(pools.queue.nextDueAt ?? Infinity, actions.nextDueAt ?? Infinity);
    // Queue Storage's visibility delays are whole seconds.
    const at = Math.max(clock.now(), Math.ceil(due / 1000) * 1000);
    if (at >= t + MINUTE_MS || steps.inOutage(at)) return;
    clock.set(at);
    emulator.settle();
    await steps.release();
    await steps.drain();
    pools.driver.afterRound(at);
    collectCalls(pipeline);
  }
}

/** With `retryResolutionInMs`, releases delayed retries within the minute instead of at the next one. */
async function retrySteps(
  pipeline: Pipeline,
  { t, to }: { t: number; to: number },
  options: SimulationOptions,
  steps: Steps,
): Promise<void> {
  const { clock, emulator, actions } = pipeline;
  const step = options.retryResolutionInMs;
  if (step === undefined || step <= 0) return;
  for (let due = actions.nextDueAt; due !== undefined; due = actions.nextDueAt) {
    const at = Math.ceil(due / step) * step;
    if (at >= t + MINUTE_MS || at > to || steps.inOutage(at)) break;
    clock.set(at);
    emulator.settle();
    await steps.release();
    await steps.drain();
  }
}

/** Runs the handler inside an invocation the fault gateway can crash: the host then abandons it. */
function crashable(handler: DefinitionOf<'queue'>['handler']): DefinitionOf<'queue'>['handler'] {
  return (queueEntry, context) =>
    new Promise<unknown>((resolve, reject) => {
      const delivery = decodeActionDelivery(queueEntry);
      const messages = delivery.kind === 'single' ? [delivery.message] : delivery.actions;
      const invocation = { messages, crash: () => reject(new HostCrash('the host died mid-invocation')) };
      currentInvocation.run(invocation, () => {
        Promise.resolve(handler(queueEntry, context)).then(resolve, reject);
      });
    });
}

function actionCalls(emulator: ArmEmulator): SimulationCall[] {
  const calls: SimulationCall[] = [];
  for (const request of emulator.requests) {
    let resourceId: string | undefined;
    let operation: string | undefined;
    const match = request.method === 'POST' ? ACTION_PATH.exec(request.path) : undefined;
    if (match) {
      resourceId = match[1];
      operation = match[2];
    } else if (request.method === 'PATCH' && /virtualMachineScaleSets\/[^/]+$/i.test(request.path)) {
      resourceId = request.path;
      operation = 'scale';
    }
    if (resourceId && operation)
      calls.push({ at: new Date(request.at).toISOString(), resourceId, operation, status: request.status });
  }
  return calls;
}

/**
 * Invocations run concurrently, so calls at one virtual instant reach the emulator in any order across
 * targets; each target's own calls are in order. A stable sort by instant and target gives one order.
 */
function sortCalls(calls: SimulationCall[]): SimulationCall[] {
  return calls.sort(
    (a, b) =>
      (a.at < b.at ? -1 : a.at > b.at ? 1 : 0) ||
      (a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : 0),
  );
}

function finalState(emulator: ArmEmulator, resourceId: string): SimulationResult['final'][number] {
  const state = emulator.stateOf(resourceId);
  if (!state) return { resourceId, state: 'missing' };
  if (state.kind === 'vm') return { resourceId, state: state.powerState };
  if (state.kind === 'computeInstance') return { resourceId, state: state.state };
  const running = state.instances.running ?? 0;
  return {
    resourceId,
    state: state.capacity > 0 && running > 0 ? 'running' : 'deallocated',
    capacity: state.capacity,
  };
}

/** Each target's schedule and its occurrences in (from, to], read once from the scenario. */
export interface Planned {
  resourceId: string;
  entries: ScheduleEntry[];
  occurrences: Set<number>;
  /** Deleted during the simulation: what fell due after is not the scheduler's to do. */
  deleted?: boolean;
}

/** Registration has already accepted every schedule, so validating them here cannot fail. */
function planScenario(scenario: Scenario): Planned[] {
  return scenario.targets.map((target) => {
    const { computeStartStop: entries } = validateSchedules(target.schedules, { now: scenario.from });
    const due = new Set<number>();
    for (const entry of entries) {
      const window = { after: scenario.from, until: scenario.to, registeredAt: scenario.from };
      for (const at of occurrences(entry, window)) due.add(at);
    }
    return { resourceId: target.resourceId, entries, occurrences: due };
  });
}

/** Whether a final state is the desired one, or on its way there. */
function reaches(final: SimulationResult['final'][number], desired: DesiredState): boolean {
  const running = ['running', 'starting', 'Running', 'Starting', 'Restarting'];
  const stopped = ['deallocated', 'deallocating', 'Stopped', 'Stopping'];
  if (final.capacity !== undefined) return desired === 'Running' ? final.capacity > 0 : final.capacity === 0;
  return (desired === 'Running' ? running : stopped).includes(final.state);
}

/** Targets not in the state their schedules want at `to`; a target with no occurrence yet wants nothing. */
function countWrongFinal(scenario: Scenario, planned: Planned[], final: SimulationResult['final']): number {
  const byId = new Map(final.map((f) => [f.resourceId.toLowerCase(), f]));
  let wrong = 0;
  for (const target of planned) {
    const machine = byId.get(target.resourceId.toLowerCase());
    // Only what fell due after registration is the scheduler's to do.
    const last = lastOccurrence(target.entries, scenario.to, scenario.from);
    if (!machine || !last || last.at <= scenario.from) continue;
    if (!reaches(machine, last.action === 'Start' ? 'Running' : 'Stopped')) wrong++;
  }
  return wrong;
}

/**
 * The targets whose final state is the scheduler's to answer for: not a pool or machine with a scaling
 * policy (it follows its sessions: judged in `pools`), not a deleted one, and not one someone else started
 * after its last occurrence without enforcement (then running is that person's doing).
 */
function judgedFinal(scenario: Scenario, planned: Planned[]): Planned[] {
  const ids = (keep: (t: Scenario['targets'][number]) => boolean) =>
    new Set(scenario.targets.filter(keep).map((t) => t.resourceId.toLowerCase()));
  const scaled = ids((t) => t.pool !== undefined || t.idle !== undefined);
  const enforced = ids((t) => (t.enforcement as { enforce?: unknown } | undefined)?.enforce === true);
  return planned.filter((p) => {
    const id = p.resourceId.toLowerCase();
    if (scaled.has(id) || p.deleted) return false;
    const last = lastOccurrence(p.entries, scenario.to, scenario.from)?.at ?? scenario.from;
    const startedSince = scenario.manualStarts.some((m) => m.resourceId.toLowerCase() === id && m.at > last);
    return enforced.has(id) || !startedSince;
  });
}

/** The minutes a tick must run in: every occurrence of every schedule, and the end of every outage. */
function busyMinutes(scenario: Scenario, planned: Planned[], also: number[]): { after(t: number): number } {
  const minutes = new Set<number>(also);
  for (const target of planned) {
    for (const at of target.occurrences) minutes.add(Math.ceil(at / MINUTE_MS) * MINUTE_MS);
  }
  for (const outage of scenario.faults.outages) minutes.add(Math.ceil(outage.to / MINUTE_MS) * MINUTE_MS);
  const sorted = [...minutes].sort((a, b) => a - b);
  return {
    after(t: number): number {
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid]! <= t) lo = mid + 1;
        else hi = mid;
      }
      return sorted[lo] ?? Infinity;
    },
  };
}
