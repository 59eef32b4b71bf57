// Only the latest desired state acts, one run at a time, at every interleaving we can make: fast-check
// chooses the order of ticks, deliveries, retries, throttling, requests and host crashes for one VM whose
// schedule starts it at 08:00 and stops it at 08:05, and the rules of docs/invariants.md must hold.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import {
  ThrottledError,
  type ActResult,
  type ComputeGateway,
  type TargetAction,
  type TargetState,
} from '../../src/compute/gateway.js';
import type { ActionMessage, RequestedAction } from '../../src/engine/action-message.js';
import { execute } from '../../src/engine/execute.js';
import { requestAction } from '../../src/engine/manual-actions.js';
import type { ActionQueue, SendOptions } from '../../src/engine/ports.js';
import { validateEntry } from '../../src/schedule/index.js';
import { FakePools, MemoryRuns, MemoryTargets, memoryExecuteStore } from './fakes.js';
import { resolveExecuteOptions } from '../../src/engine/options.js';

const VM = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1';
const START_AT = Date.parse('2026-03-02T08:00:00Z');
const STOP_AT = Date.parse('2026-03-02T08:05:00Z');
const entries = [
  validateEntry({ triggerType: 'Cron', action: 'Start', cron: { expression: '0 8 * * *', timeZone: 'UTC' } }),
  validateEntry({ triggerType: 'Cron', action: 'Stop', cron: { expression: '5 8 * * *', timeZone: 'UTC' } }),
];
const owner = { id: 'owner', roles: [], isAdmin: false };

interface Queued {
  id: string;
  message: ActionMessage;
  visibleAt: number;
  dequeueCount: number;
}

/** What fast-check makes happen to the one delivery it picks. */
interface Fault {
  throttleRead: boolean;
  throttleAct: boolean;
  crash: 'none' | 'beforeAct' | 'afterAct';
  /** The ARM call is slow: it lands only at a later `land` step, while other deliveries go on. */
  slowAct: boolean;
}

type Step =
  | { kind: 'advance'; ms: number }
  | { kind: 'deliver'; pick: number; fault: Fault }
  | { kind: 'request'; action: RequestedAction }
  /** Slow calls in flight land at Azure. */
  | { kind: 'land' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.constant({ kind: 'land' as const }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 200_000 }) }),
  fc.record({
    kind: fc.constant('deliver' as const),
    pick: fc.nat(),
    fault: fc.record({
      throttleRead: fc.boolean(),
      throttleAct: fc.boolean(),
      crash: fc.constantFrom('none' as const, 'none' as const, 'beforeAct' as const, 'afterAct' as const),
      slowAct: fc.boolean(),
    }),
  }),
  fc.record({
    kind: fc.constant('request' as const),
    action: fc.constantFrom<RequestedAction>('Start', 'Stop'),
  }),
);

/** A VM that flips at once; faults and crashes as the current delivery's `fault` says. */
class ScriptedGateway extends FakePools implements ComputeGateway {
  power: TargetState['power'] = 'stopped';
  fault: Fault = { throttleRead: false, throttleAct: false, crash: 'none', slowAct: false };
  crashed?: () => void;
  stalled?: () => void;
  readonly calls: { occurrenceAt: number; action: TargetAction }[] = [];
  current?: ActionMessage;
  /** Calls in flight, landing at the next `land` step. */
  private slow: (() => void)[] = [];

  constructor(private readonly onCall: (occurrenceAt: number, action: TargetAction) => void) {
    super();
  }

  /** Slow calls land. */
  land(): void {
    for (const done of this.slow.splice(0)) done();
  }

  private die(crashed = this.crashed): Promise<never> {
    crashed?.();
    return new Promise<never>(() => undefined);
  }

  readTags(): Promise<Record<string, string>> {
    return Promise.resolve({});
  }

  readState(): Promise<TargetState> {
    if (this.fault.crash === 'beforeAct') return this.die();
    if (this.fault.throttleRead)
      return Promise.reject(
        new ThrottledError('throttled', { resourceId: VM, statusCode: 429, retryAfterInMs: 30_000 }),
      );
    return Promise.resolve({ power: this.power, raw: this.power });
  }

  async act(_target: unknown, action: TargetAction): Promise<ActResult> {
    // Bound to this invocation: others may be delivered while its call is in flight.
    const { fault, crashed } = this;
    if (fault.throttleAct)
      throw new ThrottledError('throttled', { resourceId: VM, statusCode: 429, retryAfterInMs: 30_000 });
    const occurrenceAt = this.current!.occurrenceAt;
    this.calls.push({ occurrenceAt, action });
    this.onCall(occurrenceAt, action);
    if (fault.slowAct) {
      this.stalled?.();
      await new Promise<void>((resolve) => this.slow.push(resolve));
    }
    this.power = action === 'stop' ? 'stopped' : 'running';
    if (fault.crash === 'afterAct') return this.die(crashed);
    return { action, outcome: 'accepted', operation: action === 'stop' ? 'deallocate' : action };
  }
}

async function play(steps: Step[]) {
  const clock = new ManualClock(START_AT);
  const runs = new MemoryRuns();
  const targets = new MemoryTargets();
  const target = targets.add('0123456789abcdef0123456789abcdef', VM, {
    schedule: { entries, registeredAt: START_AT - 86_400_000 },
  });
  let queue: Queued[] = [];
  let ids = 0;
  /** The newest occurrence handed to the executor so far: any call for an older one is stale. */
  let newestSent = -Infinity;
  const stale: string[] = [];
  const gateway = new ScriptedGateway((at, action) => {
    if (at < newestSent) stale.push(`${action} for ${new Date(at).toISOString()}`);
  });
  const inFlight: Promise<void>[] = [];
  const actions: ActionQueue = {
    send(message: ActionMessage, options: SendOptions = {}) {
      queue.push({
        id: `m${++ids}`,
        message,
        visibleAt: clock.now() + (options.visibilityDelayInMs ?? 0),
        dequeueCount: 0,
      });
      newestSent = Math.max(newestSent, message.occurrenceAt);
      return Promise.resolve();
    },
    sendToPoison: () => Promise.resolve(),
    sendTogether: () => Promise.reject(new Error('only the tick sends envelopes')),
  };
  const message = (action: 'Start' | 'Stop', at: number): ActionMessage => ({
    v: 1,
    targetId: target.id,
    resourceId: VM,
    kind: 'vm',
    action,
    occurrenceAt: at,
    source: 'schedule',
  });
  // The tick: the Start is due now, the Stop once the clock reaches it.
  await actions.send(message('Start', START_AT));
  let stopSent = false;
  const tick = async () => {
    if (!stopSent && clock.now() >= STOP_AT) {
      stopSent = true;
      await actions.send(message('Stop', STOP_AT));
    }
  };
  const deliver = async (item: Queued, fault: Fault) => {
    queue = queue.filter((q) => q !== item);
    item.dequeueCount++;
    gateway.fault = fault;
    gateway.current = item.message;
    const paused = new Promise<void>((resolve) => {
      // A crashed host's message comes back, with the same id, once its invisibility ends.
      gateway.crashed = () => {
        queue.push({ ...item, visibleAt: clock.now() + 60_000 });
        resolve();
      };
      gateway.stalled = resolve;
    });
    const work = execute(
      {
        store: memoryExecuteStore(runs, targets),
        gateway,
        actions,
        clock,
        options: resolveExecuteOptions(),
      },
      item.message,
      {
        messageId: item.id,
        dequeueCount: item.dequeueCount,
      },
    ).then(() => undefined);
    inFlight.push(work);
    // A slow call leaves its invocation running while the next steps happen.
    await Promise.race([work, paused]);
  };
  const settle = async () => {
    gateway.land();
    // Let the invocations whose calls landed finish their bookkeeping.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  };

  for (const step of steps) {
    if (step.kind === 'advance') {
      clock.advance(step.ms);
      await tick();
    } else if (step.kind === 'land') {
      await settle();
    } else if (step.kind === 'request') {
      await requestAction({ targets: targets as never, runs, actions, clock }, owner, target.id, step.action);
    } else {
      const visible = queue.filter((q) => q.visibleAt <= clock.now());
      if (visible.length > 0) await deliver(visible[step.pick % visible.length]!, step.fault);
    }
  }
  // Then the faults stop and everything is carried out: time passes until the queue is empty.
  const calm: Fault = { throttleRead: false, throttleAct: false, crash: 'none', slowAct: false };
  await settle();
  for (let guard = 0; guard < 500 && (queue.length > 0 || !stopSent); guard++) {
    const next = queue.reduce((min, q) => Math.min(min, q.visibleAt), Infinity);
    if (next > clock.now())
      clock.set(Math.min(Math.max(next, clock.now()), Math.max(clock.now() + 60_000, STOP_AT)));
    await tick();
    const visible = queue.filter((q) => q.visibleAt <= clock.now());
    if (visible[0]) await deliver(visible[0], calm);
  }
  await settle();
  return { gateway, runs, queue, stale, target };
}

describe('only the latest desired state acts', () => {
  it('at every interleaving of ticks, deliveries, retries, throttling, requests and crashes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { maxLength: 40 }), async (steps) => {
        const { gateway, runs, queue, stale, target } = await play(steps);
        expect(queue).toEqual([]);
        // No Azure call for an occurrence older than one already handed to the executor.
        expect(stale).toEqual([]);
        // Nothing done twice: at most one call per run.
        const perRun = new Map<number, number>();
        for (const call of gateway.calls)
          perRun.set(call.occurrenceAt, (perRun.get(call.occurrenceAt) ?? 0) + 1);
        expect([...perRun.values()].filter((n) => n > 1)).toEqual([]);
        // The machine ends where the newest desired state wants it.
        const history = (
          await runs.list({
            targetId: target.id,
            ...(target.registration ? { registration: target.registration } : {}),
          })
        ).items;
        const newest = history.reduce((a, b) => (b.occurrenceAt > a.occurrenceAt ? b : a));
        expect(gateway.power).toBe(newest.requestedAction === 'Stop' ? 'stopped' : 'running');
        // Every run ended, and only the newest may have acted after another was judged.
        expect(history.filter((r) => r.outcome === 'pending')).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it('a throttled start retried after the stop found the machine stopped is superseded, not run', async () => {
    const throttled: Fault = { throttleRead: true, throttleAct: true, crash: 'none', slowAct: false };
    const calm: Fault = { throttleRead: false, throttleAct: false, crash: 'none', slowAct: false };
    const { gateway, runs, stale } = await play([
      { kind: 'deliver', pick: 0, fault: throttled }, // the Start is throttled and waits in the queue
      { kind: 'advance', ms: 300_000 }, // 08:05: the Stop is due; the Start's retry is visible too
      { kind: 'deliver', pick: 1, fault: calm }, // the Stop first: already deallocated
      { kind: 'deliver', pick: 0, fault: calm }, // then the Start's retry
    ]);
    expect(stale).toEqual([]);
    expect(gateway.calls).toEqual([]);
    expect(gateway.power).toBe('stopped');
    expect(runs.all().map((r) => [r.requestedAction, r.outcome])).toEqual([
      ['Start', 'superseded'],
      ['Stop', 'skipped-already-there'],
    ]);
  });

  it('a newer run waits while an older one is still calling Azure, then acts on what that call did', async () => {
    const calm: Fault = { throttleRead: false, throttleAct: false, crash: 'none', slowAct: false };
    const { gateway, runs, stale } = await play([
      { kind: 'deliver', pick: 0, fault: { ...calm, slowAct: true } }, // the Start's call is slow
      { kind: 'advance', ms: 300_000 }, // 08:05: the Stop is due while the Start's call is in flight
      { kind: 'deliver', pick: 0, fault: calm }, // the Stop must not judge "already stopped" now
      { kind: 'land' },
    ]);
    expect(stale).toEqual([]);
    expect(gateway.calls.map((c) => c.action)).toEqual(['start', 'stop']);
    expect(gateway.power).toBe('stopped');
    // The Stop's check read the machine stopped; the Start's cannot tell its own doing from the Stop's.
    expect(runs.all().map((r) => [r.requestedAction, r.outcome])).toEqual([
      ['Start', 'accepted'],
      ['Stop', 'succeeded'],
    ]);
  });

  it('a run that may have called Azure before its host died never calls again, even when reads are throttled', async () => {
    const calm: Fault = { throttleRead: false, throttleAct: false, crash: 'none', slowAct: false };
    const { gateway, stale } = await play([
      { kind: 'deliver', pick: 0, fault: { ...calm, crash: 'afterAct' } },
      { kind: 'advance', ms: 60_000 },
      { kind: 'deliver', pick: 0, fault: { ...calm, throttleRead: true } }, // the redelivery cannot read
      { kind: 'advance', ms: 40_000 },
      { kind: 'deliver', pick: 0, fault: { ...calm, throttleRead: true } }, // nor can its retry
    ]);
    expect(stale).toEqual([]);
    expect(gateway.calls.map((c) => c.action)).toEqual(['start', 'stop']);
  });
});
