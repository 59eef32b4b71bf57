// The tick on its own, with in-memory ports: what falls due is enqueued once per target with the latest
// desired state, rows move on, the checkpoint advances, and running it again changes nothing.

import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { execute, REVISION_RECHECK_DELAY_MS } from '../../src/engine/execute.js';
import type { ActionMessage } from '../../src/engine/action-message.js';
import type { SendOptions } from '../../src/engine/ports.js';
import { tick } from '../../src/engine/tick.js';
import { validateEntry, type ScheduleEntry } from '../../src/schedule/index.js';
import type { DueEntry } from '../../src/store/ports.js';
import {
  FakeGateway,
  MemoryActionQueue,
  MemoryCheckpoints,
  MemoryDueIndex,
  MemoryRuns,
  MemoryTargets,
  memoryExecuteStore,
} from './fakes.js';
import { resolveExecuteOptions, resolveTickOptions } from '../../src/engine/options.js';

const options = resolveExecuteOptions();

const VM = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1';
const stopAt18 = validateEntry({
  triggerType: 'Cron',
  action: 'Stop',
  cron: { expression: '0 18 * * *', timeZone: 'Pacific Standard Time' },
});
const startAt8 = validateEntry({
  triggerType: 'Cron',
  action: 'Start',
  cron: { expression: '0 8 * * *', timeZone: 'Pacific Standard Time' },
});

function dueRow(entry: ScheduleEntry, entryIndex: number, at: string, targetId = 't1'): DueEntry {
  return {
    at: Date.parse(at),
    targetId,
    resourceId: VM.replace('vm1', targetId),
    kind: 'vm',
    revision: 'r1',
    entryIndex,
    action: entry.action,
    entry,
    registeredAt: Date.parse('2026-01-01T00:00:00Z'),
  };
}

/** How many delays fall in each whole second after the tick. */
function countPerSecond(delays: number[]): Map<number, number> {
  const perSecond = new Map<number, number>();
  for (const d of delays) {
    const second = Math.ceil(d / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  }
  return perSecond;
}

describe('tick', () => {
  let due: MemoryDueIndex;
  let checkpoints: MemoryCheckpoints;
  let actions: MemoryActionQueue;
  let clock: ManualClock;
  const deps = () => ({ store: { due, checkpoints }, actions, clock, options: resolveTickOptions() });

  beforeEach(async () => {
    due = new MemoryDueIndex();
    checkpoints = new MemoryCheckpoints();
    actions = new MemoryActionQueue();
    clock = new ManualClock('2026-11-25T01:59:00Z');
    await checkpoints.set('tick', Date.parse('2026-11-25T01:59:00Z'));
  });

  it('enqueues a due stop once, moves its row to the next day and advances the checkpoint', async () => {
    // 18:00 PST on 24 November is 02:00Z on the 25th.
    due.put(dueRow(stopAt18, 0, '2026-11-25T02:00:00Z'));
    clock.set('2026-11-25T02:00:07Z');
    const report = await tick(deps());
    expect(report).toMatchObject({ dueRows: 1, enqueued: 1, superseded: 0, advanced: true });
    expect(actions.sent.map((s) => s.message)).toEqual([
      expect.objectContaining({
        targetId: 't1',
        action: 'Stop',
        occurrenceAt: Date.parse('2026-11-25T02:00:00Z'),
      }),
    ]);
    expect([...due.rows.values()].map((r) => new Date(r.at).toISOString())).toEqual([
      '2026-11-26T02:00:00.000Z',
    ]);
    expect((await checkpoints.get('tick'))?.value).toBe(Date.parse('2026-11-25T02:00:00Z'));
  });

  it('running twice in the same minute changes nothing the second time', async () => {
    due.put(dueRow(stopAt18, 0, '2026-11-25T02:00:00Z'));
    clock.set('2026-11-25T02:00:30Z');
    await tick(deps());
    const second = await tick(deps());
    expect(second.enqueued).toBe(0);
    expect(actions.sent).toHaveLength(1);
  });

  it('two hosts ticking together act once: duplicate messages are absorbed by the run row', async () => {
    due.put(dueRow(stopAt18, 0, '2026-11-25T02:00:00Z'));
    clock.set('2026-11-25T02:00:01Z');
    const reports = await Promise.all([tick(deps()), tick(deps())]);
    expect(reports.filter((r) => r.advanced)).toHaveLength(1);
    const gateway = new FakeGateway();
    gateway.states.set(VM.replace('vm1', 't1'), 'running');
    const runs = new MemoryRuns();
    const targets = new MemoryTargets();
    targets.add('t1', VM.replace('vm1', 't1'), { schedule: { entries: [stopAt18] } });
    for (const [i, { message }] of actions.sent.entries()) {
      await execute({ store: memoryExecuteStore(runs, targets), gateway, actions, clock, options }, message, {
        messageId: `m${i}`,
        dequeueCount: 1,
      });
    }
    expect(gateway.calls).toEqual([{ resourceId: VM.replace('vm1', 't1'), action: 'stop' }]);
    expect([...due.rows.values()].map((r) => new Date(r.at).toISOString())).toEqual([
      '2026-11-26T02:00:00.000Z',
    ]);
  });

  it('after an outage of exactly the catch-up window, still records the occurrence at its first minute', async () => {
    // The last tick read up to 01:59; the host was down from 02:00 for exactly 24 hours.
    const startAt3 = validateEntry({
      triggerType: 'Cron',
      action: 'Start',
      cron: { expression: '0 3 * * *', timeZone: 'UTC' },
    });
    const stopAt2 = validateEntry({
      triggerType: 'Cron',
      action: 'Stop',
      cron: { expression: '0 2 * * *', timeZone: 'UTC' },
    });
    due.put(dueRow(stopAt2, 0, '2026-11-25T02:00:00Z'));
    due.put(dueRow(startAt3, 1, '2026-11-25T03:00:00Z'));
    clock.set('2026-11-26T02:00:00Z');
    const report = await tick(deps());
    expect(report.enqueued).toBe(1);
    const message = actions.sent[0]!.message;
    expect([message.action, new Date(message.occurrenceAt).toISOString()]).toEqual([
      'Stop',
      '2026-11-26T02:00:00.000Z',
    ]);
    // Each occurrence of the outage gets its run row, the first minute's included.
    expect(message.superseded?.map(([at, action]) => [new Date(at).toISOString(), action])).toEqual([
      ['2026-11-25T02:00:00.000Z', 'Stop'],
      ['2026-11-25T03:00:00.000Z', 'Start'],
    ]);
  });

  it('after an outage across a stop, catches the stop up', async () => {
    due.put(dueRow(stopAt18, 0, '2026-11-25T02:00:00Z'));
    clock.set('2026-11-25T05:00:00Z'); // three hours later
    await tick(deps());
    expect(
      actions.sent.map((s) => [s.message.action, new Date(s.message.occurrenceAt).toISOString()]),
    ).toEqual([['Stop', '2026-11-25T02:00:00.000Z']]);
  });

  it('after an outage across a stop and the next start, sends only the start; the stop is superseded', async () => {
    due.put(dueRow(stopAt18, 0, '2026-11-25T02:00:00Z'));
    due.put(dueRow(startAt8, 1, '2026-11-25T16:00:00Z'));
    clock.set('2026-11-25T17:30:00Z');
    const report = await tick(deps());
    expect(report).toMatchObject({ enqueued: 1, superseded: 1 });
    expect(actions.sent).toHaveLength(1);
    const message = actions.sent[0]!.message;
    expect(message.action).toBe('Start');
    expect(message.occurrenceAt).toBe(Date.parse('2026-11-25T16:00:00Z'));
    expect(message.superseded).toEqual([[Date.parse('2026-11-25T02:00:00Z'), 'Stop']]);

    const gateway = new FakeGateway();
    gateway.states.set(VM.replace('vm1', 't1'), 'running');
    const runs = new MemoryRuns();
    const targets = new MemoryTargets();
    targets.add('t1', VM.replace('vm1', 't1'), { schedule: { entries: [stopAt18, startAt8] } });
    await execute({ store: memoryExecuteStore(runs, targets), gateway, actions, clock, options }, message, {
      messageId: 'm1',
      dequeueCount: 1,
    });
    expect(gateway.calls).toEqual([]); // the machine never stopped, and is where the start wants it
    expect(
      runs.all().map((r) => [new Date(r.occurrenceAt).toISOString(), r.requestedAction, r.outcome]),
    ).toEqual([
      ['2026-11-25T02:00:00.000Z', 'Stop', 'superseded'],
      ['2026-11-25T16:00:00.000Z', 'Start', 'skipped-already-there'],
    ]);
  });

  it('acts only on occurrences inside the catch-up window, and still moves older rows on', async () => {
    due.put(dueRow(stopAt18, 0, '2026-11-25T02:00:00Z'));
    clock.set('2026-11-28T03:00:00Z'); // three days later, window 24 h
    await tick(deps());
    expect(actions.sent.map((s) => new Date(s.message.occurrenceAt).toISOString())).toEqual([
      '2026-11-28T02:00:00.000Z',
    ]);
    expect(actions.sent[0]?.message.superseded).toBeUndefined();
    expect([...due.rows.values()].map((r) => new Date(r.at).toISOString())).toEqual([
      '2026-11-29T02:00:00.000Z',
    ]);
  });

  describe('a row left behind by a replaced schedule', () => {
    async function tickThenExecute(current: { revision: string; entries: ScheduleEntry[] }) {
      due.put(dueRow(stopAt18, 0, '2026-11-25T02:00:00Z'));
      due.currentRevision.set('t1', current.revision);
      clock.set('2026-11-25T02:00:00Z');
      const report = await tick(deps());
      const gateway = new FakeGateway();
      gateway.states.set(VM.replace('vm1', 't1'), 'running');
      const runs = new MemoryRuns();
      const targets = new MemoryTargets();
      targets.add('t1', VM.replace('vm1', 't1'), { schedule: current });
      const executeDeps = { store: { runs, targets, due }, gateway, actions, clock, options };
      const [sent] = actions.sent;
      let executed = await execute(executeDeps, sent!.message, { messageId: 'm1', dequeueCount: 1 });
      if (current.revision !== 'r1') {
        // Not the target's revision: it looks again a little later (a schedule write may have been landing),
        // and nothing is called or deleted meanwhile.
        expect(executed).toMatchObject({ outcome: 'pending', retryInMs: REVISION_RECHECK_DELAY_MS });
        expect(gateway.calls).toEqual([]);
        expect(due.rows.size).toBe(1);
        const recheck = actions.sent[1]!;
        expect(recheck).toMatchObject({
          message: { ...sent!.message, revisionRechecked: true },
          visibilityDelayInMs: REVISION_RECHECK_DELAY_MS,
        });
        executed = await execute(executeDeps, recheck.message, { messageId: 'm2', dequeueCount: 1 });
      }
      return { report, sent: sent!.message, executed, gateway, runs };
    }

    it('moves on without the tick reading the schedule; the executor acts on nothing and deletes it', async () => {
      const { report, sent, executed, gateway, runs } = await tickThenExecute({
        revision: 'r2',
        entries: [startAt8],
      });
      expect(report.enqueued).toBe(1);
      expect(sent).toMatchObject({ revision: 'r1', nextRows: [[0, Date.parse('2026-11-26T02:00:00Z')]] });
      expect(executed).toMatchObject({ outcome: 'superseded', stale: true });
      expect(gateway.calls).toEqual([]);
      expect(runs.rows.size).toBe(0);
      expect(due.rows.size).toBe(0);
    });

    it('still acts when the current schedule asks for the same action at that instant, and deletes the row', async () => {
      const { executed, gateway } = await tickThenExecute({ revision: 'r2', entries: [stopAt18] });
      expect(executed.outcome).toBe('succeeded');
      expect(gateway.calls).toEqual([{ resourceId: VM.replace('vm1', 't1'), action: 'stop' }]);
      expect(due.rows.size).toBe(0);
    });

    it('whose revision lands a moment later (a schedule write in progress) is acted on and kept', async () => {
      due.put(dueRow(stopAt18, 0, '2026-11-25T02:00:00Z'));
      clock.set('2026-11-25T02:00:00Z');
      await tick(deps());
      const gateway = new FakeGateway();
      gateway.states.set(VM.replace('vm1', 't1'), 'running');
      const runs = new MemoryRuns();
      const targets = new MemoryTargets();
      targets.add('t1', VM.replace('vm1', 't1'), { schedule: { revision: 'r0', entries: [] } });
      const executeDeps = { store: { runs, targets, due }, gateway, actions, clock, options };
      await execute(executeDeps, actions.sent[0]!.message, { messageId: 'm1', dequeueCount: 1 });
      targets.add('t1', VM.replace('vm1', 't1'), { schedule: { revision: 'r1', entries: [stopAt18] } });
      const executed = await execute(executeDeps, actions.sent[1]!.message, {
        messageId: 'm2',
        dequeueCount: 1,
      });
      expect(executed.outcome).toBe('succeeded');
      expect([...due.rows.values()].map((r) => new Date(r.at).toISOString())).toEqual([
        '2026-11-26T02:00:00.000Z',
      ]);
    });

    it('is kept, and acted on, while its revision is the current one', async () => {
      const { executed } = await tickThenExecute({ revision: 'r1', entries: [stopAt18] });
      expect(executed.outcome).toBe('succeeded');
      expect([...due.rows.values()].map((r) => new Date(r.at).toISOString())).toEqual([
        '2026-11-26T02:00:00.000Z',
      ]);
    });
  });

  it('picks up a row written into a minute just after the previous tick read it', async () => {
    clock.set('2026-11-25T02:00:00Z');
    await tick(deps()); // reads (01:59, 02:00]: nothing yet
    // A schedule saved at 01:59:59.9 lands its 02:00 row only now.
    due.put(dueRow(stopAt18, 0, '2026-11-25T02:00:00Z'));
    clock.set('2026-11-25T02:01:00Z');
    await tick(deps());
    expect(actions.sent.map((s) => new Date(s.message.occurrenceAt).toISOString())).toEqual([
      '2026-11-25T02:00:00.000Z',
    ]);
  });

  it('keeps each target separate: one message per target', async () => {
    due.put(dueRow(stopAt18, 0, '2026-11-25T02:00:00Z', 't1'));
    due.put(dueRow(stopAt18, 0, '2026-11-25T02:00:00Z', 't2'));
    clock.set('2026-11-25T02:00:00Z');
    await tick(deps());
    expect(actions.sent.map((s) => s.message.targetId).sort()).toEqual(['t1', 't2']);
  });
});

describe('tick spreading a large minute over the subscriptions’ write budgets', () => {
  const SUBSCRIPTION_A = '11111111-1111-1111-1111-111111111111';
  const SUBSCRIPTION_B = '22222222-2222-2222-2222-222222222222';
  const minute = '2026-11-25T02:00:00Z';

  async function tickWith(
    fleet: { subscription: string; kind: DueEntry['kind']; count: number }[],
    pacing?: { burst: number; perSecond: number } | false,
  ) {
    const due = new MemoryDueIndex();
    const checkpoints = new MemoryCheckpoints();
    const actions = new MemoryActionQueue();
    await checkpoints.set('tick', Date.parse('2026-11-25T01:59:00Z'));
    let n = 0;
    for (const { subscription, kind, count } of fleet) {
      for (let i = 0; i < count; i++, n++) {
        const type = kind === 'pool' ? 'virtualMachineScaleSets' : 'virtualMachines';
        due.put({
          ...dueRow(stopAt18, 0, minute, `t${n}`),
          kind,
          resourceId: `/subscriptions/${subscription}/resourceGroups/rg/providers/Microsoft.Compute/${type}/m${n}`,
        });
      }
    }
    const report = await tick({
      store: { due, checkpoints },
      actions,
      clock: new ManualClock('2026-11-25T02:00:01Z'),
      options: resolveTickOptions(pacing !== undefined ? { pacing } : {}),
    });
    const delays = (subscription: string) =>
      actions.sent
        .filter((s) => s.message.resourceId.includes(subscription))
        .map((s) => s.visibilityDelayInMs)
        .sort((a, b) => a - b);
    return { report, delays, actions };
  }

  it('sends what the read and write buckets hold at once, then what they refill, each subscription apart', async () => {
    const { report, delays } = await tickWith([
      { subscription: SUBSCRIPTION_A, kind: 'vm', count: 450 },
      { subscription: SUBSCRIPTION_B, kind: 'vm', count: 150 },
    ]);
    expect(report.enqueued).toBe(600);
    const a = delays(SUBSCRIPTION_A);
    // Each reads the VM before its write: the actions' share of the read bucket (150, then 15 a second)
    // binds first. The 151st waits for one read token (1/15 s); from the 300th on, the write bucket (200,
    // then 10 a second) binds: the 450th waits for 250 write tokens (25 s). Actions due in the same second
    // share a queue message visible at the latest of their slots (the queue's delays are whole seconds), so
    // the 151st is visible at 1 s and the 299th (slot 9.93 s) with the 300th (slot 10 s).
    expect(a.filter((d) => d === 0)).toHaveLength(150);
    expect(a[150]).toBe(1000);
    expect(a[298]).toBe(10_000);
    expect(a[449]).toBe(25_000);
    // No second holds more than the faster refill.
    const readPhase = a.filter((d) => d > 0 && d <= 9_000);
    expect(Math.max(...countPerSecond(readPhase).values())).toBe(15);
    expect(Math.max(...countPerSecond(a.filter((d) => d > 11_000)).values())).toBe(10);
    expect(report.spreadOverInMs).toBe(25_000);
    // Another subscription has its own budget: 150 fit in its burst.
    expect(delays(SUBSCRIPTION_B).every((d) => d === 0)).toBe(true);
  });

  it('past some 13 minutes the Compute provider’s own bucket (1,500 + 500 a minute) binds', async () => {
    const { delays } = await tickWith([{ subscription: SUBSCRIPTION_A, kind: 'vm', count: 9000 }]);
    const a = delays(SUBSCRIPTION_A);
    // By ARM's bucket alone the 9,000th call would go at (9000 − 200) / 10 = 880 s; Compute's says
    // (9000 − 1500) / (500 / 60) = 900 s.
    expect(a[8999]).toBe(900_000);
    // The 5,001st's slot is 480.1 s: it goes in the message of second 481.
    expect(a[5000]).toBe(481_000);
  });

  it('two heavy minutes in a row do not overlap in the bucket: the second starts where the first left it', async () => {
    const due = new MemoryDueIndex();
    const checkpoints = new MemoryCheckpoints();
    const actions = new MemoryActionQueue();
    await checkpoints.set('tick', Date.parse('2026-11-25T01:59:00Z'));
    const stopAt1801 = validateEntry({
      triggerType: 'Cron',
      action: 'Stop',
      cron: { expression: '1 18 * * *', timeZone: 'Pacific Standard Time' },
    });
    const vm = (n: number) =>
      `/subscriptions/${SUBSCRIPTION_A}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/m${n}`;
    for (let n = 0; n < 2000; n++) {
      const row =
        n < 1000
          ? dueRow(stopAt18, 0, minute, `t${n}`)
          : dueRow(stopAt1801, 0, '2026-11-25T02:01:00Z', `t${n}`);
      due.put({ ...row, resourceId: vm(n) });
    }
    const tickAt = async (at: string) => {
      const sentBefore = actions.sent.length;
      const clock = new ManualClock(at);
      await tick({ store: { due, checkpoints }, actions, clock, options: resolveTickOptions() });
      return actions.sent
        .slice(sentBefore)
        .map((s) => s.visibilityDelayInMs ?? 0)
        .sort((a, b) => a - b);
    };
    const first = await tickAt('2026-11-25T02:00:01Z');
    // 200 at once, then ten a second: the 1,000th goes 80 s in, and the bucket is used up to 100 s in. The
    // reads' share (150, then 15 a second) is used up to 66.7 s in.
    expect(first[999]).toBe(80_000);
    expect((await checkpoints.get('tick'))?.pacing).toEqual({
      [`arm/${SUBSCRIPTION_A}`]: Date.parse('2026-11-25T02:01:41Z'),
      [`reads/${SUBSCRIPTION_A}`]: Date.parse('2026-11-25T02:01:07.667Z'),
      [`vm/${SUBSCRIPTION_A}`]: Date.parse('2026-11-25T02:02:01Z'),
    });
    const second = await tickAt('2026-11-25T02:01:01Z');
    // A minute later the bucket has no burst left to give: the next call goes when the first minute's last
    // has (20 s into this tick, 81 s after the first), then ten a second, never faster than the budget: the
    // first slot is 20.1 s, in the message of second 21.
    expect(second[0]).toBe(21_000);
    expect(second[999]).toBe(120_000);
  });

  it('counts the spread from the start of the tick, however long the tick takes to send', async () => {
    const due = new MemoryDueIndex();
    const checkpoints = new MemoryCheckpoints();
    await checkpoints.set('tick', Date.parse('2026-11-25T01:59:00Z'));
    for (let n = 0; n < 450; n++) {
      due.put({
        ...dueRow(stopAt18, 0, minute, `t${n}`),
        resourceId: `/subscriptions/${SUBSCRIPTION_A}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/m${n}`,
      });
    }
    const clock = new ManualClock('2026-11-25T02:00:01Z');
    const startedAt = clock.now();
    // Each queue message takes 20 ms of the tick's time.
    const visibleAt: number[] = [];
    const actions = new MemoryActionQueue();
    const slow = {
      send: async (message: ActionMessage, options?: SendOptions) => {
        visibleAt.push(clock.now() + (options?.visibilityDelayInMs ?? 0));
        clock.advance(20);
        await actions.send(message, options);
      },
      sendTogether: async (messages: readonly ActionMessage[], options?: SendOptions) => {
        for (const _ of messages) visibleAt.push(clock.now() + (options?.visibilityDelayInMs ?? 0));
        clock.advance(20);
        await actions.sendTogether(messages, options);
      },
      sendToPoison: (message: ActionMessage) => actions.sendToPoison(message),
    };
    await tick({ store: { due, checkpoints }, actions: slow, clock, options: resolveTickOptions() });
    visibleAt.sort((a, b) => a - b);
    // The first 200 went out as the tick reached them (no later than 4 s in); the 450th is visible 25 s
    // after the tick began, not 25 s after it was sent. The 301st (slot 10.1 s) shares the message of second 11.
    expect(visibleAt[449]! - startedAt).toBe(25_000);
    expect(visibleAt[300]! - startedAt).toBe(11_000);
    expect(visibleAt[199]! - startedAt).toBeLessThanOrEqual(4000);
  });

  it('can be told another budget, or to send everything at once', async () => {
    const slower = await tickWith([{ subscription: SUBSCRIPTION_A, kind: 'vm', count: 60 }], {
      burst: 50,
      perSecond: 2,
    });
    expect(slower.delays(SUBSCRIPTION_A).at(-1)).toBe(5000);
    const unpaced = await tickWith([{ subscription: SUBSCRIPTION_A, kind: 'vm', count: 450 }], false);
    expect(unpaced.delays(SUBSCRIPTION_A).every((d) => d === 0)).toBe(true);
    expect(unpaced.report.spreadOverInMs).toBe(0);
  });
});
