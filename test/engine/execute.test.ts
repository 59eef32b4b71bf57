// Execute on its own: one action per (target, occurrence) whatever the deliveries, a recorded no-op when
// the machine is already there, and waits handed to the queue for throttling and conflicts.

import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import {
  OperationFailedError,
  TargetConflictError,
  TargetNotFoundError,
  ThrottledError,
  TransientError,
} from '../../src/compute/gateway.js';
import { execute, type ExecuteDependencies } from '../../src/engine/execute.js';
import {
  FakeGateway,
  MemoryActionQueue,
  MemoryRuns,
  MemoryTargets,
  stop,
  VM,
  memoryExecuteStore,
} from './fakes.js';
import { resolveExecuteOptions } from '../../src/engine/options.js';
import { StorageError } from '../../src/errors.js';

describe('execute', () => {
  let runs: MemoryRuns;
  let targets: MemoryTargets;
  let gateway: FakeGateway;
  let actions: MemoryActionQueue;
  let clock: ManualClock;
  let deps: ExecuteDependencies;

  beforeEach(() => {
    runs = new MemoryRuns();
    targets = new MemoryTargets();
    targets.add('t1', VM);
    gateway = new FakeGateway();
    gateway.states.set(VM, 'running');
    actions = new MemoryActionQueue();
    clock = new ManualClock('2026-11-25T02:00:03Z');
    deps = {
      store: memoryExecuteStore(runs, targets),
      gateway,
      actions,
      clock,
      options: resolveExecuteOptions(),
    };
  });

  const onlyRun = () => {
    const all = runs.all();
    expect(all).toHaveLength(1);
    return all[0]!;
  };

  it('stops a running VM and records the run as succeeded', async () => {
    const report = await execute(deps, stop, { messageId: 'm1', dequeueCount: 1 });
    expect(report).toMatchObject({ outcome: 'succeeded', duplicate: false });
    expect(gateway.calls).toEqual([{ resourceId: VM, action: 'stop' }]);
    expect(onlyRun()).toMatchObject({ outcome: 'succeeded', attempts: 1, operation: 'deallocate' });
    // The target is free again for the next run.
    expect((await runs.getLatest({ targetId: 't1' }))?.actor).toBeUndefined();
  });

  it('records a no-op without calling Azure when the VM is already stopped', async () => {
    gateway.states.set(VM, 'stopped');
    const report = await execute(deps, stop, { messageId: 'm1', dequeueCount: 1 });
    expect(report.outcome).toBe('skipped-already-there');
    expect(gateway.calls).toEqual([]);
  });

  it('a redelivered message after success does nothing', async () => {
    await execute(deps, stop, { messageId: 'm1', dequeueCount: 1 });
    gateway.states.set(VM, 'running'); // even if someone started it meanwhile
    const again = await execute(deps, stop, { messageId: 'm1', dequeueCount: 2 });
    expect(again).toMatchObject({ duplicate: true, outcome: 'succeeded' });
    expect(gateway.calls).toHaveLength(1);
  });

  it('a duplicate message keeps away while another delivery holds the run', async () => {
    await runs.putLatest({
      targetId: 't1',
      latestAt: stop.occurrenceAt,
      latestAction: 'Stop',
      actor: { at: stop.occurrenceAt, owner: 'other', until: clock.now() + 60_000 },
    });
    const report = await execute(deps, stop, { messageId: 'm2', dequeueCount: 1 });
    expect(report.duplicate).toBe(true);
    expect(gateway.calls).toEqual([]);
  });

  it('after a crash between the call and the record, the redelivery sees the effect and does not call again', async () => {
    // The first delivery claimed the target and the run and called Azure, then died before recording it.
    await runs.putLatest({
      targetId: 't1',
      latestAt: stop.occurrenceAt,
      latestAction: 'Stop',
      actor: { at: stop.occurrenceAt, owner: 'm1', until: clock.now() + 600_000 },
    });
    await runs.createIfAbsent({
      targetId: 't1',
      occurrenceAt: stop.occurrenceAt,
      requestedAction: 'Stop',
      source: 'schedule',
      outcome: 'pending',
      attempts: 1,
      createdAt: clock.now(),
    });
    gateway.states.set(VM, 'stopping');
    const report = await execute(deps, stop, { messageId: 'm1', dequeueCount: 2 });
    expect(report.outcome).toBe('succeeded');
    expect(gateway.calls).toEqual([]);
    expect(onlyRun()).toMatchObject({
      outcome: 'succeeded',
      attempts: 2,
      note: 'completed by an earlier attempt',
    });
  });

  it('a host that dies while reading the machine leaves no claim: the redelivery is not in doubt', async () => {
    const real = gateway.readState.bind(gateway);
    let reads = 0;
    // The first read never answers: the host died in it.
    gateway.readState = (target) => (++reads === 1 ? new Promise(() => undefined) : real(target));
    void execute(deps, stop, { messageId: 'm1', dequeueCount: 1 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(reads).toBe(1);
    expect((await runs.getLatest({ targetId: 't1' }))?.actor).toBeUndefined();
    // Someone else stopped it meanwhile: that is "already there", not this run's earlier call succeeding.
    gateway.states.set(VM, 'stopped');
    const report = await execute(deps, stop, { messageId: 'm1', dequeueCount: 2 });
    expect(report.outcome).toBe('skipped-already-there');
    expect(gateway.calls).toEqual([]);
  });

  it('what was read is what the claim acts on: a run that acted in between makes the claim fail and the machine is read again', async () => {
    const real = gateway.readState.bind(gateway);
    let reads = 0;
    gateway.readState = async (target) => {
      const state = await real(target);
      if (++reads === 1) {
        // While this read was under way, an older run claimed the target, stopped the VM and let go.
        await runs.putLatest({ targetId: 't1', latestAt: stop.occurrenceAt - 60_000, latestAction: 'Stop' });
        gateway.states.set(VM, 'stopped');
      }
      return state;
    };
    const report = await execute(deps, stop, { messageId: 'm1', dequeueCount: 1 });
    expect(reads).toBe(2);
    expect(report.outcome).toBe('skipped-already-there');
    expect(gateway.calls).toEqual([]);
  });

  it('a retry whose schedule was replaced by one that no longer asks for it closes its run superseded', async () => {
    const scheduled = { ...stop, revision: 'r1' };
    gateway.failures.push(
      new ThrottledError('throttled', { resourceId: VM, statusCode: 429, retryAfterInMs: 1000 }),
    );
    await execute(deps, scheduled, { messageId: 'm1', dequeueCount: 1 });
    const callsBefore = gateway.calls.length;
    // The owner moves the stop from 18:00 to 19:00 (a new revision) while the retry waits.
    targets.add('t1', VM, { schedule: { revision: 'r2' } });
    const retry = actions.sent[0]!.message;
    await execute(deps, retry, { messageId: 'm2', dequeueCount: 1 });
    // The first look sends it back for a second one (the write could still have been landing).
    const recheck = actions.sent[1]!.message;
    expect(recheck).toMatchObject({ revisionRechecked: true });
    expect(onlyRun().outcome).toBe('pending');
    const report = await execute(deps, recheck, { messageId: 'm3', dequeueCount: 1 });
    expect(report).toMatchObject({ outcome: 'superseded', stale: true });
    expect(gateway.calls.length).toBe(callsBefore);
    expect(onlyRun()).toMatchObject({
      outcome: 'superseded',
      note: 'not acted on: the schedule was changed since it fell due',
    });
  });

  it('a 429 re-enqueues the action after its Retry-After, within a spread window, capped', async () => {
    gateway.failures.push(
      new ThrottledError('throttled', { resourceId: VM, statusCode: 429, retryAfterInMs: 120_000 }),
    );
    const report = await execute(deps, stop, { messageId: 'm1', dequeueCount: 1 });
    expect(report.outcome).toBe('pending');
    // The first throttled attempt comes back within a second after Retry-After.
    expect(report.retryInMs).toBeGreaterThanOrEqual(120_000);
    expect(report.retryInMs).toBeLessThan(121_000);
    // The retry is the run's next carrier, naming the claim this attempt held (docs/decisions/0017).
    expect(actions.sent).toHaveLength(1);
    const { claimedAs, ...retried } = actions.sent[0]!.message;
    expect(retried).toEqual({ ...stop, throttled: 1, carrier: 1 });
    expect(actions.sent[0]!.visibilityDelayInMs).toBe(report.retryInMs);
    expect(claimedAs?.owner).toBe('m1');
    expect(onlyRun()).toMatchObject({ outcome: 'pending', attempts: 1, error: { code: 'ThrottledError' } });
    expect((await runs.getLatest({ targetId: 't1' }))?.actor).toBeUndefined();

    gateway.failures.push(
      new ThrottledError('throttled', { resourceId: VM, statusCode: 429, retryAfterInMs: 1_200_000 }),
    );
    const second = await execute(deps, actions.sent[0]!.message, { messageId: 'm2', dequeueCount: 1 });
    expect(second.retryInMs).toBe(15 * 60_000);
  });

  it('spreads the runs throttled together over a window that widens with each throttled attempt', async () => {
    const delays = async (throttledBefore: number) => {
      const found: number[] = [];
      for (let i = 0; i < 200; i++) {
        const r = new MemoryRuns();
        const t = new MemoryTargets();
        t.add(`t${i}`, VM);
        const g = new FakeGateway();
        g.states.set(VM, 'running');
        g.failures.push(
          new ThrottledError('throttled', { resourceId: VM, statusCode: 429, retryAfterInMs: 1000 }),
        );
        const message = { ...stop, targetId: `t${i}`, throttled: throttledBefore };
        const report = await execute({ ...deps, store: memoryExecuteStore(r, t), gateway: g }, message, {
          messageId: `m${i}`,
          dequeueCount: 1,
        });
        found.push(report.retryInMs!);
      }
      return found;
    };
    const first = await delays(0);
    const sixth = await delays(5);
    const late = await delays(20);
    const range = (values: number[]): [number, number] => [Math.min(...values), Math.max(...values)];
    // Window 1 s, then 32 s, then capped at 90 s, all after the 1 s Retry-After.
    expect(range(first)[0]).toBeGreaterThanOrEqual(1000);
    expect(range(first)[1]).toBeLessThan(2000);
    expect(range(sixth)[0]).toBeGreaterThanOrEqual(1000);
    expect(range(sixth)[1]).toBeLessThan(33_000);
    expect(range(sixth)[1] - range(sixth)[0]).toBeGreaterThan(20_000);
    expect(range(late)[1]).toBeLessThan(91_000);
    expect(range(late)[1] - range(late)[0]).toBeGreaterThan(70_000);
    // Spread, not bunched: most of the 200 runs come back in a different second.
    expect(new Set(sixth.map((d) => Math.floor(d / 1000))).size).toBeGreaterThan(25);
    // The same run at the same count always waits the same: a replay or another host agrees.
    expect(await delays(5)).toEqual(sixth);
  });

  it('throttling has its own budget, in time: a throttled run keeps its place for a day', async () => {
    gateway.failures.push(
      new ThrottledError('throttled', { resourceId: VM, statusCode: 429, retryAfterInMs: 30_000 }),
    );
    const report = await execute(
      deps,
      { ...stop, attempt: 7, throttled: 200 },
      { messageId: 'm1', dequeueCount: 1 },
    );
    expect(report.outcome).toBe('pending');
    expect(actions.sent[0]?.message).toMatchObject({ attempt: 7, throttled: 201 });
    clock.set('2026-11-26T02:00:00Z');
    gateway.failures.push(
      new ThrottledError('throttled', { resourceId: VM, statusCode: 429, retryAfterInMs: 30_000 }),
    );
    const retry = { ...actions.sent[0]!.message, throttled: 300 };
    const last = await execute(deps, retry, { messageId: 'm2', dequeueCount: 1 });
    expect(last.outcome).toBe('poisoned');
    expect(onlyRun().note).toMatch(/gave up after 301 throttled attempts/);
  });

  it('a throttled read does not hold the latest state back: the action goes ahead without it', async () => {
    gateway.readFailures.push(
      new ThrottledError('throttled', { resourceId: VM, statusCode: 429, retryAfterInMs: 30_000 }),
    );
    const report = await execute(deps, stop, { messageId: 'm1', dequeueCount: 1 });
    expect(report.outcome).toBe('succeeded');
    expect(gateway.calls).toEqual([{ resourceId: VM, action: 'stop' }]);
  });

  it('a 409 waits the conflict delay, then the retry succeeds', async () => {
    gateway.failures.push(
      new TargetConflictError('busy', { resourceId: VM, statusCode: 409, code: 'OperationNotAllowed' }),
    );
    const first = await execute(deps, stop, { messageId: 'm1', dequeueCount: 1 });
    expect(first.retryInMs).toBe(30_000);
    const retry = actions.sent[0]!.message;
    clock.advance(30_000);
    const second = await execute(deps, retry, { messageId: 'm2', dequeueCount: 1 });
    expect(second.outcome).toBe('succeeded');
    expect(onlyRun()).toMatchObject({ outcome: 'succeeded', attempts: 2 });
  });

  /** Storage refuses the next write that gives the target back, once. */
  const refuseLetGoOnce = () => {
    const put = runs.putLatest.bind(runs);
    let refuse = true;
    runs.putLatest = (latest, options) => {
      if (refuse && latest.actor === undefined) {
        refuse = false;
        return Promise.reject(new StorageError('storage refused the write'));
      }
      return put(latest, options);
    };
  };
  const conflict = () =>
    new TargetConflictError('busy', { resourceId: VM, statusCode: 409, code: 'OperationNotAllowed' });

  it('a retry behind a claim that could not be given back resumes it at once, reading the machine first', async () => {
    gateway.failures.push(conflict());
    refuseLetGoOnce();
    const first = await execute(deps, stop, { messageId: 'm1', dequeueCount: 1 });
    // The conflict's own wait, not the claim's lease: the retry names the claim it may find held.
    expect(first.retryInMs).toBe(30_000);
    const held = await runs.getLatest({ targetId: 't1' });
    expect(held?.actor).toMatchObject({
      owner: 'm1',
      until: clock.now() + resolveExecuteOptions().leaseInMs,
    });
    const retry = actions.sent[0]!;
    expect(retry).toEqual({
      message: { ...stop, attempt: 1, carrier: 1, claimedAs: { owner: 'm1', etag: held!.etag } },
      visibilityDelayInMs: 30_000,
    });
    clock.advance(30_000);
    // The first attempt's stop went through after all (Azure answered 409 late): the retry reads and sees it.
    gateway.states.set(VM, 'stopped');
    const second = await execute(deps, retry.message, { messageId: 'm2', dequeueCount: 1 });
    expect(second).toMatchObject({ outcome: 'succeeded', duplicate: false });
    expect(gateway.calls).toEqual([{ resourceId: VM, action: 'stop' }]);
    expect(onlyRun()).toMatchObject({
      outcome: 'succeeded',
      attempts: 2,
      note: 'completed by an earlier attempt',
    });
    expect((await runs.getLatest({ targetId: 't1' }))?.actor).toBeUndefined();
  });

  it('the original delivered again after its retry was sent steps aside: the retry carries the run, once', async () => {
    gateway.failures.push(conflict());
    await execute(deps, stop, { messageId: 'm1', dequeueCount: 1 });
    const retry = actions.sent[0]!.message;
    // The host died before the first delivery was deleted: it comes again, before the retry.
    gateway.failures.push(conflict());
    const again = await execute(deps, stop, { messageId: 'm1', dequeueCount: 2 });
    expect(again).toMatchObject({ outcome: 'pending', duplicate: true });
    expect(gateway.calls).toHaveLength(1);
    expect(actions.sent).toHaveLength(1);
    gateway.failures.length = 0;
    clock.advance(30_000);
    expect(await execute(deps, retry, { messageId: 'm2', dequeueCount: 1 })).toMatchObject({
      outcome: 'succeeded',
    });
    // And after the retry's work, once more: nothing left for it.
    const late = await execute(deps, stop, { messageId: 'm1', dequeueCount: 3 });
    expect(late).toMatchObject({ outcome: 'succeeded', duplicate: true });
    expect(gateway.calls).toHaveLength(2);
    expect(onlyRun()).toMatchObject({ outcome: 'succeeded', attempts: 2 });
  });

  it('an original delivered again racing its retry, both finding the claim left held: only one acts', async () => {
    gateway.failures.push(conflict());

    // Storage refuses the mark that names the retry as the run's carrier: the attempt keeps the target.
    const update = runs.update.bind(runs);
    runs.update = (run) =>
      run.carrier !== undefined ? Promise.reject(new StorageError('storage refused the write')) : update(run);
    await execute(deps, stop, { messageId: 'm1', dequeueCount: 1 });
    runs.update = update;
    const retry = actions.sent[0]!.message;
    expect((await runs.getLatest({ targetId: 't1' }))?.actor?.owner).toBe('m1');
    // The original comes again (its host died before deleting it) and resumes its own claim; its stop hangs.
    const act = gateway.act.bind(gateway);
    let release: () => void = () => undefined;
    let acting = false;
    gateway.act = (target, action) => {
      acting = true;
      return new Promise((resolve) => (release = () => resolve(act(target, action))));
    };
    const original = execute(deps, stop, { messageId: 'm1', dequeueCount: 2 });
    while (!acting) await new Promise((resolve) => setTimeout(resolve, 1));
    // Meanwhile the retry finds the claim taken again since it was sent: not the one it names, so it keeps away.
    expect(await execute(deps, retry, { messageId: 'm2', dequeueCount: 1 })).toMatchObject({
      outcome: 'pending',
      duplicate: true,
    });
    release();
    expect(await original).toMatchObject({ outcome: 'succeeded', duplicate: false });
    expect(gateway.calls).toHaveLength(2);
    expect(onlyRun()).toMatchObject({ outcome: 'succeeded', attempts: 2 });
  });

  it('a message naming a claim it was not handed (another run’s, or one taken since) does not act', async () => {
    // A newer Stop holds the target; an older Start names that very claim as its own.
    const newerAt = stop.occurrenceAt + 3_600_000;
    const actor = { at: newerAt, owner: 'newer', until: clock.now() + 60_000 };
    const held = await runs.putLatest({ targetId: 't1', latestAt: newerAt, latestAction: 'Stop', actor });
    const claim = { owner: 'newer', etag: held.etag };
    const start = { ...stop, action: 'Start' as const, claimedAs: claim, carrier: 5 };
    expect(await execute(deps, start, { messageId: 'x1', dequeueCount: 1 })).toMatchObject({
      outcome: 'superseded',
    });
    // The newer run's own occurrence, naming its claim as it was before that run claimed the row again.
    await runs.putLatest(
      { targetId: 't1', latestAt: newerAt, latestAction: 'Stop', actor },
      { etag: (await runs.getLatest({ targetId: 't1' }))!.etag },
    );
    const taken = { ...stop, occurrenceAt: newerAt, claimedAs: claim, carrier: 5 };
    expect(await execute(deps, taken, { messageId: 'x2', dequeueCount: 1 })).toMatchObject({
      duplicate: true,
    });
    expect(gateway.calls).toEqual([]);
  });

  it('a missing VM is a failed run with no retry', async () => {
    gateway.readFailures.push(
      new TargetNotFoundError('gone', { resourceId: VM, statusCode: 404, code: 'ResourceNotFound' }),
    );
    const report = await execute(deps, stop, { messageId: 'm1', dequeueCount: 1 });
    expect(report.outcome).toBe('failed');
    expect(actions.sent).toEqual([]);
    expect(onlyRun()).toMatchObject({ outcome: 'failed', error: { code: 'ResourceNotFound' } });
  });

  it('past the retry budget the message goes to the poison queue and the run says why', async () => {
    gateway.failures.push(new TransientError('boom', { resourceId: VM, statusCode: 500 }));
    const report = await execute(deps, { ...stop, attempt: 7 }, { messageId: 'm9', dequeueCount: 1 });
    expect(report.outcome).toBe('poisoned');
    expect(actions.poison).toHaveLength(1);
    expect(onlyRun().note).toMatch(/gave up after 8 failed attempts/);
  });

  it('an operation Azure reports failed and that cannot be retried is a failed run', async () => {
    gateway.failures.push(
      new OperationFailedError('nope', { resourceId: VM, code: 'BadRequest', retryable: false }),
    );
    expect((await execute(deps, stop, { messageId: 'm1', dequeueCount: 1 })).outcome).toBe('failed');
  });

  it('an unexpected fault is rethrown for redelivery, and poisons the run on the last delivery', async () => {
    gateway.failures.push(new Error('bug'), new Error('bug'));
    await expect(execute(deps, stop, { messageId: 'm1', dequeueCount: 1 })).rejects.toThrow('bug');
    expect(onlyRun().outcome).toBe('pending');
    await expect(execute(deps, stop, { messageId: 'm1', dequeueCount: 5 })).rejects.toThrow('bug');
    expect(onlyRun()).toMatchObject({ outcome: 'poisoned', error: { message: 'bug' } });
  });

  it('records a superseded run for each occurrence coalesced away', async () => {
    const at = Date.parse('2026-11-24T16:00:00Z');
    await execute(deps, { ...stop, superseded: [[at, 'Start']] }, { messageId: 'm1', dequeueCount: 1 });
    expect(runs.all().map((r) => [r.occurrenceAt, r.outcome])).toEqual([
      [at, 'superseded'],
      [stop.occurrenceAt, 'succeeded'],
    ]);
  });
});
