// A run Azure only accepted is settled by a later read of the machine when no event settles it first.

import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import {
  TargetNotFoundError,
  ThrottledError,
  type ActResult,
  type TargetAction,
  type TargetState,
} from '../../src/compute/gateway.js';
import { decodeActionMessage } from '../../src/engine/action-message.js';
import { CHECK_AFTER_MS, MAX_CHECKS } from '../../src/engine/check-accepted.js';
import { execute, type ExecuteDependencies } from '../../src/engine/execute.js';
import { resolveExecuteOptions } from '../../src/engine/options.js';
import { settle } from '../../src/engine/settle-runs.js';
import {
  FakeGateway,
  MemoryActionQueue,
  MemoryRuns,
  MemoryTargets,
  stop,
  VM,
  memoryExecuteStore,
} from './fakes.js';

/** Azure as it answers by default: the call is accepted and the machine is on its way. */
class AcceptingGateway extends FakeGateway {
  reads = 0;

  override readState(target: { resourceId: string }): Promise<TargetState> {
    this.reads++;
    return super.readState(target as never);
  }

  override act(target: { resourceId: string }, action: TargetAction): Promise<ActResult> {
    this.calls.push({ resourceId: target.resourceId, action });
    this.states.set(target.resourceId, action === 'stop' ? 'stopping' : 'starting');
    return Promise.resolve({
      action,
      outcome: 'accepted',
      operation: action === 'stop' ? 'deallocate' : action,
    });
  }
}

describe('settling an accepted run by reading the machine', () => {
  let runs: MemoryRuns;
  let gateway: AcceptingGateway;
  let actions: MemoryActionQueue;
  let clock: ManualClock;
  let deps: ExecuteDependencies;

  beforeEach(async () => {
    runs = new MemoryRuns();
    const targets = new MemoryTargets();
    targets.add('t1', VM);
    gateway = new AcceptingGateway();
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
    const report = await execute(deps, stop, { messageId: 'm1', dequeueCount: 1 });
    expect(report.outcome).toBe('accepted');
  });

  /** Delivers the newest queued message, as the queue would after its visibility delay. */
  async function deliverNext() {
    const sent = actions.sent.at(-1)!;
    clock.advance(sent.visibilityDelayInMs);
    return execute(deps, sent.message, { messageId: `m${actions.sent.length + 1}`, dequeueCount: 1 });
  }

  const theRun = () => runs.all()[0]!;

  it('queues a look at the machine after the accepted call, and settles the run when it is there', async () => {
    expect(actions.sent).toEqual([{ message: { ...stop, check: 1 }, visibilityDelayInMs: CHECK_AFTER_MS }]);
    gateway.states.set(VM, 'stopped');
    const report = await deliverNext();
    expect(report).toEqual({ outcome: 'succeeded', duplicate: false });
    expect(theRun()).toMatchObject({
      outcome: 'succeeded',
      note: 'completed (read at 2026-11-25T02:10:03Z)',
    });
    expect(gateway.calls).toHaveLength(1);
  });

  it('does nothing, not even a read, when the event settled the run first', async () => {
    await settle(deps, theRun(), true, 'Event Grid, 2026-11-25T02:01:30Z');
    const readsBefore = gateway.reads;
    const report = await deliverNext();
    expect(report).toEqual({ outcome: 'succeeded', duplicate: true });
    expect(gateway.reads).toBe(readsBefore);
    expect(theRun().note).toBe('completed (Event Grid, 2026-11-25T02:01:30Z)');
  });

  it('looks again while the machine is on its way, and calls it failed when it never gets there', async () => {
    for (let check = 1; check < MAX_CHECKS; check++) {
      expect(await deliverNext()).toEqual({ outcome: 'accepted', duplicate: false });
      expect(actions.sent.at(-1)?.message.check).toBe(check + 1);
    }
    gateway.states.set(VM, 'running'); // the deallocation failed and Azure said nothing we heard
    expect(await deliverNext()).toEqual({ outcome: 'failed', duplicate: false });
    expect(theRun()).toMatchObject({
      outcome: 'failed',
      note: 'Azure accepted the deallocate, but 30 min later the machine was running',
      error: { code: 'NotCompleted' },
    });
    expect(actions.sent).toHaveLength(MAX_CHECKS);
    expect(gateway.calls).toHaveLength(1);
  });

  it('leaves the run accepted when a newer run has acted on the machine since', async () => {
    for (let check = 1; check < MAX_CHECKS; check++) await deliverNext();
    const latest = await runs.getLatest({ targetId: 't1' });
    await runs.putLatest(
      { targetId: 't1', latestAt: stop.occurrenceAt + 3_600_000, latestAction: 'Start' },
      { etag: latest!.etag },
    );
    gateway.states.set(VM, 'running');
    expect(await deliverNext()).toEqual({ outcome: 'accepted', duplicate: false });
    expect(theRun().outcome).toBe('accepted');
  });

  it('a throttled read looks again later without spending a look', async () => {
    gateway.readFailures.push(
      new ThrottledError('throttled', { resourceId: VM, statusCode: 429, retryAfterInMs: 60_000 }),
    );
    expect(await deliverNext()).toEqual({ outcome: 'accepted', duplicate: false });
    expect(actions.sent.at(-1)?.message.check).toBe(1);
    gateway.states.set(VM, 'stopped');
    expect((await deliverNext()).outcome).toBe('succeeded');
  });

  it('a machine deleted since is a failed run, not a retry loop', async () => {
    gateway.readFailures.push(new TargetNotFoundError('gone', { resourceId: VM, statusCode: 404 }));
    expect(await deliverNext()).toEqual({ outcome: 'failed', duplicate: false });
    expect(theRun()).toMatchObject({ outcome: 'failed', error: { code: 'TargetNotFound' } });
    expect(actions.sent).toHaveLength(1);
  });

  it('check messages travel the queue like actions, and a malformed count is refused', () => {
    expect(decodeActionMessage(JSON.stringify({ ...stop, check: 2 }))).toEqual({ ...stop, check: 2 });
    expect(() => decodeActionMessage(JSON.stringify({ ...stop, check: -1 }))).toThrow('malformed');
  });
});
