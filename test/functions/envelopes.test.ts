/* eslint-disable @typescript-eslint/no-unsafe-member-access --
   Response bodies are untyped JSON on purpose: these tests assert their shape field by field. */
// One queue message for several targets (docs/decisions/0016), end to end: schedules registered over HTTP on
// Azurite, the real tick sending envelopes to the real queue, the registry's executor taking them from it as
// the host does, the real SDK clients against the ARM emulator. Each member is carried out as if it had come
// alone: retried alone, handed on alone, poisoned with its run saying why, and never twice.

import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayFor } from '../compute/gateway-fixture.js';
import type { ComputeGateway } from '../../src/compute/gateway.js';
import { decodeActionDelivery, type ActionMessage } from '../../src/engine/action-message.js';
import { resolveTickOptions } from '../../src/engine/options.js';
import type { ActionQueue, SendOptions } from '../../src/engine/ports.js';
import { tick } from '../../src/engine/tick.js';
import { createDependencies } from '../../src/functions/dependencies.js';
import { createFunctionRegistry, hasTrigger, type DefinitionOf } from '../../src/functions/registry.js';
import { decodeQueueBody, HostCrash, QueuePoller } from '../../toolkit/local-host/queue-poller.js';
import { emulatorCredential, startArmEmulator, type ArmEmulator } from '../../toolkit/arm-emulator/index.js';
import { testApi, vmId } from '../support/api.js';

let emulator: ArmEmulator;
beforeAll(async () => {
  emulator = await startArmEmulator({ transitionDurationsInMs: 0 });
});
afterAll(async () => {
  await emulator.close();
});

const START_AT_2105 = {
  computeStartStop: [
    {
      triggerType: 'Cron',
      action: 'Start',
      status: 'Enabled',
      cron: { expression: '5 21 * * *', timeZone: 'UTC' },
    },
  ],
};
const DUE = Date.parse('2026-11-25T21:05:00Z');

/** The real queue, with what was sent written down, and sends that can be made to fail. */
class RecordingQueue implements ActionQueue {
  readonly sent: { messages: ActionMessage[]; together: boolean; delayInMs: number }[] = [];
  /** Throws instead of sending when it says so (the queue unavailable). */
  failWhen: (messages: readonly ActionMessage[], together: boolean) => boolean = () => false;

  constructor(private readonly inner: ActionQueue) {}

  async send(message: ActionMessage, options: SendOptions = {}): Promise<void> {
    if (this.failWhen([message], false)) throw new Error('test: the queue is unavailable');
    await this.inner.send(message, options);
    this.sent.push({ messages: [message], together: false, delayInMs: options.visibilityDelayInMs ?? 0 });
  }

  async sendTogether(messages: readonly ActionMessage[], options: SendOptions = {}): Promise<void> {
    if (this.failWhen(messages, true)) throw new Error('test: the queue is unavailable');
    await this.inner.sendTogether(messages, options);
    this.sent.push({ messages: [...messages], together: true, delayInMs: options.visibilityDelayInMs ?? 0 });
  }

  sendToPoison(message: ActionMessage | string): Promise<void> {
    return this.inner.sendToPoison(message);
  }
}

/** `count` VMs with a Start at 21:05 UTC, registered over HTTP, and the tick and executor around them. */
async function fleet(name: string, count: number) {
  const api = await testApi();
  const resourceIds = Array.from({ length: count }, (_, i) => vmId(`${name}-${String(i).padStart(3, '0')}`));
  const ids = new Map<string, string>();
  for (const resourceId of resourceIds) {
    emulator.addVirtualMachine(resourceId, { powerState: 'deallocated' });
    const created = await api.call('POST', '/api/targets', { body: { resourceId } });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    expect((await api.call('PUT', `/api/targets/${id}/schedules`, { body: START_AT_2105 })).status).toBe(200);
    ids.set(resourceId, id);
  }
  api.clock.set(DUE + 50);
  const real = gatewayFor(emulator, {
    credential: emulatorCredential({ principalId: 'compute-scheduler' }),
    agent: new https.Agent({ ca: emulator.certificatePem, keepAlive: true }),
    pollIntervalInMs: 1,
    retryDelayInMs: 1,
    maxRetryAfterInMs: 0,
  });
  const gateway = new SwitchableGateway(real) as SwitchableGateway & ComputeGateway;
  const base = createDependencies(api.config, { clock: api.clock, store: api.store });
  const queue = new RecordingQueue(base.actions);
  const deps = createDependencies(api.config, {
    clock: api.clock,
    store: api.store,
    gateway,
    actions: queue,
  });
  const execute = createFunctionRegistry(deps).find(
    (d): d is DefinitionOf<'queue'> => hasTrigger(d, 'queue') && d.name === 'execute',
  )!;
  return {
    api,
    deps,
    ids,
    resourceIds,
    queue,
    gateway,
    execute,
    tick: (pacing?: { burst: number; perSecond: number }) =>
      tick({
        store: api.store,
        actions: queue,
        clock: api.clock,
        options: resolveTickOptions(pacing ? { pacing } : {}),
      }),
  };
}

/**
 * The real gateway, but for the machines in `failing` every call fails with an error no retry policy knows
 * (a bug, say); and once `hangAfterStart` is set, the start of that machine reaches Azure and then never
 * answers, as if the host died right after the call (`onHang` is told).
 */
class SwitchableGateway {
  readonly failing = new Set<string>();
  hangAfterStart: { resourceId: string; onHang: () => void } | undefined;

  constructor(inner: ComputeGateway) {
    return new Proxy(this, {
      get: (target, property) => {
        if (property === 'failing' || property === 'hangAfterStart') return target[property];
        const method: unknown = Reflect.get(inner, property);
        if (typeof method !== 'function') return method;
        return async (machine: { resourceId: string }, ...rest: unknown[]) => {
          const resourceId = machine.resourceId.toLowerCase();
          if (target.failing.has(resourceId)) throw new TypeError('test: something nobody expected');
          const answer: unknown = await (method as (...args: unknown[]) => Promise<unknown>).call(
            inner,
            machine,
            ...rest,
          );
          const hang = target.hangAfterStart;
          if (property === 'act' && hang?.resourceId.toLowerCase() === resourceId) {
            target.hangAfterStart = undefined;
            hang.onHang();
            return new Promise(() => undefined);
          }
          return answer;
        };
      },
      set: (target, property, value) => Reflect.set(target, property, value),
    });
  }
}

type Fleet = Awaited<ReturnType<typeof fleet>>;

const poller = (f: Fleet, handler = f.execute.handler) =>
  new QueuePoller({
    service: f.api.clients.queueService,
    definition: { ...f.execute, handler },
    log: () => undefined,
    releaseAfterCrash: true,
  });

/** Polls until nothing has been visible for a while (retries wait a second or two on the real queue). */
async function drain(p: QueuePoller, quietPolls = 1): Promise<void> {
  for (let quiet = 0; quiet < quietPolls;) {
    if ((await p.pollOnce()) > 0) quiet = 0;
    else if (++quiet < quietPolls) await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const startCalls = (resourceId: string) =>
  emulator.requests.filter(
    (r) => r.method === 'POST' && r.path.toLowerCase() === `${resourceId.toLowerCase()}/start`,
  ).length;

async function runsOf(f: Fleet, resourceId: string) {
  const runs = await f.api.call('GET', `/api/targets/${f.ids.get(resourceId)}/runs`);
  return runs.json.value as { outcome: string; note?: string; attempts: number }[];
}

async function queued(f: Fleet, queueName = f.api.clients.names.queues.actions) {
  const peeked = await f.api.clients.queueService
    .getQueueClient(queueName)
    .peekMessages({ numberOfMessages: 32 });
  return peeked.peekedMessageItems.map((m) => decodeActionDelivery(decodeQueueBody(m.messageText)));
}

describe('the tick puts a minute’s actions in envelopes', () => {
  it('40 due at once: two queue messages of 32 and 8, visible now, in the shape the executor reads', async () => {
    const f = await fleet('vm-burst', 40);
    const report = await f.tick();
    expect(report).toMatchObject({ dueRows: 40, enqueued: 40, queueMessages: 2 });
    const deliveries = await queued(f);
    expect(deliveries.map((d) => (d.kind === 'envelope' ? d.actions.length : 1)).sort()).toEqual([32, 8]);
    const members = deliveries.flatMap((d) => (d.kind === 'envelope' ? d.actions : [d.message]));
    expect(members.map((m) => m.resourceId).sort()).toEqual([...f.resourceIds].sort());
    expect(f.queue.sent.every((s) => s.delayInMs === 0)).toBe(true);
  }, 120_000);

  it('a large minute: each envelope holds one second’s slots, visible at the latest, never ahead of the budget', async () => {
    const f = await fleet('vm-paced', 30);
    // A budget of 5 writes at once, then 2 a second: the k-th call may go (k − 5) / 2 s after the tick.
    const report = await f.tick({ burst: 5, perSecond: 2 });
    expect(report).toMatchObject({ enqueued: 30, queueMessages: 1 + 13 });
    const sends = [...f.queue.sent].sort((a, b) => a.delayInMs - b.delayInMs);
    expect(sends.map((s) => s.messages.length)).toEqual([5, ...Array<number>(12).fill(2), 1]);
    expect(sends.map((s) => s.delayInMs)).toEqual([
      0,
      ...Array.from({ length: 12 }, (_, i) => (i + 1) * 1000),
      12_500,
    ]);
    // Inside the budget: by any second s, no more actions are visible than 5 + 2 × s.
    let visible = 0;
    for (const send of sends) {
      visible += send.messages.length;
      expect(visible).toBeLessThanOrEqual(5 + 2 * (send.delayInMs / 1000));
    }
    // The one left over at the 12.5 s slot goes alone, in today's shape.
    expect(sends.at(-1)?.together).toBe(true);
    const deliveries = await queued(f);
    expect(deliveries.map((d) => d.kind)).toEqual(['envelope']);
  }, 120_000);

  it('a tick that dies between its envelope sends, or after them, sends again; each VM is started once', async () => {
    const f = await fleet('vm-crash', 40);
    let sends = 0;
    f.queue.failWhen = () => ++sends === 2;
    await expect(f.tick()).rejects.toThrow('unavailable');
    f.queue.failWhen = () => false;
    // Dies after every send, before the rows move: the next tick sends the same again.
    const rescheduleAll = f.api.store.due.rescheduleAll.bind(f.api.store.due);
    f.api.store.due.rescheduleAll = () => Promise.reject(new Error('test: the host died'));
    await expect(f.tick()).rejects.toThrow('died');
    f.api.store.due.rescheduleAll = rescheduleAll;
    expect(await f.tick()).toMatchObject({ enqueued: 40, advanced: true });
    expect(f.queue.sent.reduce((n, s) => n + s.messages.length, 0)).toBe(32 + 40 + 40);
    await drain(poller(f));
    for (const resourceId of f.resourceIds) {
      expect(startCalls(resourceId)).toBe(1);
      expect((await runsOf(f, resourceId)).map((r) => r.outcome)).toEqual(['accepted']);
    }
    expect(await f.tick()).toMatchObject({ dueRows: 0, enqueued: 0 });
  }, 120_000);
});

/**
 * ARM answers the first start of this VM with a 429 (retry after 1 s); returns its lowercased id and how
 * many of its starts the fault was asked about.
 */
function throttleFirstStart(resourceId: string): { throttled: string; asked: () => number } {
  const throttled = resourceId.toLowerCase();
  let refused = 0;
  emulator.setFaults({
    throttleRate: 1,
    throttleRetryAfterInSeconds: 1,
    appliesTo: (r) => r.method === 'POST' && r.path.toLowerCase() === `${throttled}/start` && refused++ === 0,
  });
  return { throttled, asked: () => refused };
}

describe('the executor carries out each member of an envelope as if it had come alone', () => {
  it('a throttled member is retried alone, in today’s message shape, with its count', async () => {
    const f = await fleet('vm-throttled', 6);
    const { throttled } = throttleFirstStart(f.resourceIds[2]!);
    try {
      await f.tick();
      await drain(poller(f), 8);
    } finally {
      emulator.setFaults({});
    }
    const retries = f.queue.sent.filter((s) => !s.together && s.messages[0]?.check === undefined);
    expect(retries).toHaveLength(1);
    expect(retries[0]?.messages[0]).toMatchObject({ resourceId: f.resourceIds[2], throttled: 1 });
    for (const resourceId of f.resourceIds)
      expect(startCalls(resourceId)).toBe(resourceId.toLowerCase() === throttled ? 2 : 1);
    expect((await runsOf(f, f.resourceIds[2]!)).map((r) => [r.outcome, r.attempts])).toEqual([
      ['accepted', 2],
    ]);
  }, 120_000);

  it('a member that fails unexpectedly is sent on alone, a few seconds later, in doubt; its neighbours go on', async () => {
    const f = await fleet('vm-bug', 5);
    const failing = f.resourceIds[1]!.toLowerCase();
    f.gateway.failing.add(failing);
    f.deps.executeOptions = { ...f.deps.executeOptions, waitInMs: 1000 };
    await f.tick();
    await drain(poller(f));
    const handedOn = f.queue.sent.filter((s) => !s.together && s.messages[0]?.check === undefined);
    expect(handedOn).toEqual([
      {
        messages: [
          expect.objectContaining({
            resourceId: f.resourceIds[1],
            resumed: true,
            carrier: 1,
          }),
        ],
        together: false,
        delayInMs: 1000,
      },
    ]);
    // It names the claim its attempt took: the member's delivery within the envelope.
    expect(handedOn[0]?.messages[0]?.claimedAs?.owner).toMatch(/\/\d+$/);
    for (const resourceId of f.resourceIds.filter((r) => r.toLowerCase() !== failing)) {
      expect((await runsOf(f, resourceId)).map((r) => r.outcome)).toEqual(['accepted']);
    }
    expect(startCalls(f.resourceIds[1]!)).toBe(0);
    // The bug is gone by its next delivery: the single message carries it out.
    f.gateway.failing.clear();
    await drain(poller(f), 8);
    expect(startCalls(f.resourceIds[1]!)).toBe(1);
    expect((await runsOf(f, f.resourceIds[1]!)).map((r) => r.outcome)).toEqual(['accepted']);
  }, 120_000);

  it('a member that failed holding a claim storage would not give back is resumed at once by its hand-off', async () => {
    const f = await fleet('vm-held', 4);
    const failing = f.resourceIds[2]!;
    const targetId = f.ids.get(failing)!;
    f.gateway.failing.add(failing.toLowerCase());
    f.deps.executeOptions = { ...f.deps.executeOptions, waitInMs: 1000 };
    // Storage refuses to give that target back once, so the claim stays held for its whole lease.
    const runs = f.api.store.runs;
    const put = runs.putLatest.bind(runs);
    let refused = 0;
    runs.putLatest = (latest, options) =>
      latest.targetId === targetId && latest.actor === undefined && refused++ === 0
        ? Promise.reject(new Error('test: storage refused the write'))
        : put(latest, options);
    try {
      await f.tick();
      await drain(poller(f));
      expect(refused).toBe(1);
      const history = { targetId, registration: (await f.api.store.targets.get(targetId))!.registration };
      const held = await runs.getLatest(history);
      expect(held?.actor?.until).toBeGreaterThan(f.api.clock.now());
      f.gateway.failing.clear();
      // The clock stands still: the lease has not lapsed when the hand-off comes, a second later.
      await drain(poller(f), 8);
      expect(startCalls(failing)).toBe(1);
      expect((await runsOf(f, failing)).map((r) => [r.outcome, r.attempts])).toEqual([['accepted', 2]]);
      expect((await runs.getLatest(history))?.actor).toBeUndefined();
    } finally {
      runs.putLatest = put;
    }
  }, 120_000);

  it('an envelope whose failing members cannot be sent on goes to the poison queue, and each of their runs says so', async () => {
    const f = await fleet('vm-poison', 4);
    for (const resourceId of f.resourceIds.slice(1)) f.gateway.failing.add(resourceId.toLowerCase());
    // Sending anything on alone fails (the accepted run's check still goes).
    f.queue.failWhen = (messages, together) => !together && messages[0]?.check === undefined;
    await f.tick();
    await drain(poller(f));
    const poisoned = await queued(f, `${f.api.clients.names.queues.actions}-poison`);
    expect(poisoned.map((d) => (d.kind === 'envelope' ? d.actions.length : 1))).toEqual([4]);
    expect((await runsOf(f, f.resourceIds[0]!)).map((r) => r.outcome)).toEqual(['accepted']);
    for (const resourceId of f.resourceIds.slice(1)) {
      const [run] = await runsOf(f, resourceId);
      expect(run?.outcome).toBe('poisoned');
      expect(run?.note).toMatch(
        /^gave up after 5 deliveries of the message it came in; the message is in the poison queue/,
      );
      expect(startCalls(resourceId)).toBe(0);
    }
    expect(startCalls(f.resourceIds[0]!)).toBe(1);
    expect(await queued(f)).toEqual([]);
  }, 120_000);

  it('an envelope delivered again after its host died, mid-way or after the work, starts no VM twice', async () => {
    const f = await fleet('vm-redelivered', 8);
    // One member at a time, so the host's death stops the envelope where it is, as a real host's would.
    f.deps.executeOptions = { ...f.deps.executeOptions, membersAtOnce: 1 };
    // The first delivery dies right after Azure took the fourth VM's start; the second after all its work,
    // before the message is deleted.
    let die: (() => void) | undefined;
    let deliveries = 0;
    f.gateway.hangAfterStart = { resourceId: f.resourceIds[3]!, onHang: () => die?.() };
    const dying: typeof f.execute.handler = (entry, context) =>
      new Promise((resolve, reject) => {
        deliveries++;
        die = () => reject(new HostCrash('test: the host died'));
        Promise.resolve(f.execute.handler(entry, context)).then(
          () => (deliveries === 2 ? die!() : resolve(undefined)),
          (error: unknown) => reject(error as Error),
        );
      });
    await f.tick();
    await drain(poller(f, dying));
    expect(deliveries).toBe(3);
    for (const resourceId of f.resourceIds) {
      expect(startCalls(resourceId)).toBe(1);
      const runs = await runsOf(f, resourceId);
      expect(runs).toHaveLength(1);
      expect(['accepted', 'succeeded']).toContain(runs[0]?.outcome);
    }
    // The fourth VM's run, taken up again by the second delivery, found the start its first had made.
    expect((await runsOf(f, f.resourceIds[3]!))[0]).toMatchObject({
      outcome: 'succeeded',
      note: 'completed by an earlier attempt',
    });
  }, 120_000);

  it('an envelope delivered again after a member’s retry went on alone: that member steps aside, its retry carries the run', async () => {
    const f = await fleet('vm-raced', 6);
    f.deps.executeOptions = { ...f.deps.executeOptions, membersAtOnce: 1 };
    const { throttled, asked } = throttleFirstStart(f.resourceIds[1]!);
    // The first delivery dies right after Azure took the fifth VM's start, after the second VM's retry was sent.
    let die: (() => void) | undefined;
    let deliveries = 0;
    const requestsFor = (resourceId: string) =>
      emulator.requests.filter((r) => r.path.toLowerCase().startsWith(resourceId)).length;
    let duringRedelivery: number | undefined;
    f.gateway.hangAfterStart = { resourceId: f.resourceIds[4]!, onHang: () => die?.() };
    const dying: typeof f.execute.handler = (entry, context) =>
      new Promise((resolve, reject) => {
        const delivery = ++deliveries;
        const before = requestsFor(throttled);
        die = () => reject(new HostCrash('test: the host died'));
        Promise.resolve(f.execute.handler(entry, context)).then(
          () => {
            if (delivery === 2) duringRedelivery = requestsFor(throttled) - before;
            resolve(undefined);
          },
          (error: unknown) => reject(error as Error),
        );
      });
    try {
      await f.tick();
      await drain(poller(f, dying), 8);
    } finally {
      emulator.setFaults({});
    }
    expect(asked()).toBeGreaterThan(1);
    // The envelope came twice, then the retry alone: the envelope's second delivery left that VM alone.
    expect(deliveries).toBe(3);
    expect(duringRedelivery).toBe(0);
    expect(startCalls(throttled)).toBe(2);
    for (const resourceId of f.resourceIds) {
      const runs = await runsOf(f, resourceId);
      expect(runs).toHaveLength(1);
      expect(['accepted', 'succeeded']).toContain(runs[0]?.outcome);
      if (resourceId.toLowerCase() !== throttled) expect(startCalls(resourceId)).toBe(1);
    }
  }, 120_000);
});
