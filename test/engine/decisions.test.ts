// The engine's decisions on their own, as pure functions of what was read and the clock: no fakes, no
// storage. Whose turn it is (decideTurn), what a state read settles (judgeState), what follows a failure
// (afterFailure) and what a tick does with its due rows (planTick). Instants are written out in full.

import { describe, expect, it } from 'vitest';
import {
  TargetChangedError,
  TargetNotFoundError,
  ThrottledError,
  TransientError,
} from '../../src/compute/gateway.js';
import {
  decodeActionMessage,
  encodeActionMessage,
  type ActionMessage,
} from '../../src/engine/action-message.js';
import { judgeState } from '../../src/engine/execute.js';
import { afterFailure, DEFAULT_RETRY_POLICY } from '../../src/engine/retry.js';
import { planTick } from '../../src/engine/tick-plan.js';
import { decideTurn, newerDueOccurrence } from '../../src/engine/turn.js';
import { validateEntry } from '../../src/schedule/index.js';
import type { DueEntry } from '../../src/store/ports.js';

const at = (iso: string) => Date.parse(iso);
const START = at('2026-03-02T08:00:00Z');
const STOP = at('2026-03-02T08:05:00Z');
const start8 = validateEntry({
  triggerType: 'Cron',
  action: 'Start',
  cron: { expression: '0 8 * * *', timeZone: 'UTC' },
});
const stop805 = validateEntry({
  triggerType: 'Cron',
  action: 'Stop',
  cron: { expression: '5 8 * * *', timeZone: 'UTC' },
});
const schedule = { entries: [start8, stop805], registeredAt: at('2026-03-01T00:00:00Z') };

describe('decideTurn', () => {
  const base = { occurrenceAt: START, messageId: 'm1', now: at('2026-03-02T08:01:00Z') };

  it('acts when nothing newer is known and nobody holds the target', () => {
    expect(decideTurn(base)).toEqual({ kind: 'act', resumed: false });
  });

  it('supersedes a run once the schedule has a newer due occurrence, on any delivery', () => {
    const newerDue = { at: STOP, action: 'Stop' as const };
    expect(decideTurn({ ...base, newerDue, now: STOP })).toEqual({ kind: 'superseded', by: newerDue });
  });

  it('supersedes a run older than the latest request or claim', () => {
    const latest = { latestAt: at('2026-03-02T08:00:30.001Z'), latestAction: 'Stop' as const };
    expect(decideTurn({ ...base, latest })).toEqual({
      kind: 'superseded',
      by: { at: at('2026-03-02T08:00:30.001Z'), action: 'Stop' },
    });
  });

  it('waits while an older run holds the target, until its lease ends at the latest', () => {
    const actor = { at: at('2026-03-02T07:59:00.500Z'), owner: 'm0', until: at('2026-03-02T08:10:00Z') };
    const latest = { latestAt: START, latestAction: 'Start' as const, actor };
    expect(decideTurn({ ...base, latest })).toEqual({ kind: 'wait', untilAt: at('2026-03-02T08:10:00Z') });
    // A lease that ran out belongs to an invocation that died: the target is free.
    expect(decideTurn({ ...base, latest, now: at('2026-03-02T08:10:00Z') })).toEqual({
      kind: 'act',
      resumed: false,
    });
  });

  it('leaves a run to the delivery holding it, and resumes its own (it may have called Azure)', () => {
    const actor = { at: START, owner: 'm1', until: at('2026-03-02T08:10:00Z') };
    const latest = { latestAt: START, latestAction: 'Start' as const, actor };
    expect(decideTurn({ ...base, latest, messageId: 'm2' })).toEqual({ kind: 'duplicate' });
    expect(decideTurn({ ...base, latest })).toEqual({ kind: 'act', resumed: true });
    expect(decideTurn({ ...base, latest, messageId: 'm2', now: at('2026-03-02T08:10:00Z') })).toEqual({
      kind: 'act',
      resumed: true,
    });
  });

  it('a message handed the very claim its sender held resumes it at once; any other claim is not its own', () => {
    const actor = { at: START, owner: 'm1', until: at('2026-03-02T08:10:00Z') };
    const latest = { latestAt: START, latestAction: 'Start' as const, actor, etag: 'e1' };
    const retry = { ...base, messageId: 'm2', latest };
    expect(decideTurn({ ...retry, claimedAs: { owner: 'm1', etag: 'e1' } })).toEqual({
      kind: 'act',
      resumed: true,
    });
    // Written again since (the sender's message delivered again took it), or someone else's: keep away.
    expect(decideTurn({ ...retry, claimedAs: { owner: 'm1', etag: 'e0' } })).toEqual({ kind: 'duplicate' });
    expect(decideTurn({ ...retry, claimedAs: { owner: 'm9', etag: 'e1' } })).toEqual({ kind: 'duplicate' });
    // Naming the claim of a newer run gives an older one nothing: it is superseded.
    const newer = { ...latest, latestAt: STOP, actor: { ...actor, at: STOP } };
    expect(decideTurn({ ...retry, latest: newer, claimedAs: { owner: 'm1', etag: 'e1' } })).toMatchObject({
      kind: 'superseded',
    });
    // An older run's claim named by the latest one: it still waits for that run.
    const older = { ...latest, actor: { ...actor, at: at('2026-03-02T07:59:00Z') } };
    expect(decideTurn({ ...retry, latest: older, claimedAs: { owner: 'm1', etag: 'e1' } })).toMatchObject({
      kind: 'wait',
    });
  });

  it('a message of an earlier carrier than the run row names, or of a run that ended, has nothing left to do', () => {
    expect(decideTurn({ ...base, run: { carrier: 2, ended: false }, carrier: 1 })).toEqual({ kind: 'done' });
    expect(decideTurn({ ...base, run: { carrier: 2, ended: false } })).toEqual({ kind: 'done' });
    expect(decideTurn({ ...base, run: { carrier: 0, ended: true } })).toEqual({ kind: 'done' });
    expect(decideTurn({ ...base, run: { carrier: 2, ended: false }, carrier: 2 })).toEqual({
      kind: 'act',
      resumed: false,
    });
  });
});

describe('newerDueOccurrence', () => {
  it('names the first occurrence after the run that is already due, and nothing before it is', () => {
    expect(newerDueOccurrence(schedule, START, at('2026-03-02T08:04:59Z'))).toBeUndefined();
    expect(newerDueOccurrence(schedule, START, STOP)).toEqual({ at: STOP, action: 'Stop' });
    expect(newerDueOccurrence(schedule, START, at('2026-03-03T09:00:00Z'))).toEqual({
      at: STOP,
      action: 'Stop',
    });
  });

  it('ignores disabled entries', () => {
    const disabled = { ...stop805, status: 'Disabled' as const };
    expect(newerDueOccurrence({ ...schedule, entries: [disabled] }, START, STOP)).toBeUndefined();
  });
});

describe('judgeState', () => {
  it('a machine already there or on its way is a no-op, or the earlier attempt’s success', () => {
    expect(judgeState('Stop', { power: 'stopped', raw: 'PowerState/deallocated' }, false)).toEqual({
      outcome: 'skipped-already-there',
      note: 'already PowerState/deallocated',
    });
    expect(judgeState('Start', { power: 'starting', raw: 'PowerState/starting' }, true)).toEqual({
      outcome: 'succeeded',
      note: 'completed by an earlier attempt',
    });
  });

  it('leaves the call to be made when the machine is elsewhere, unread, or asked to restart', () => {
    expect(judgeState('Stop', { power: 'running', raw: 'PowerState/running' }, false)).toBeUndefined();
    expect(judgeState('Stop', undefined, false)).toBeUndefined();
    expect(judgeState('Restart', { power: 'running', raw: 'PowerState/running' }, false)).toBeUndefined();
  });
});

describe('afterFailure', () => {
  const message: ActionMessage = {
    v: 1,
    targetId: 't1',
    resourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1',
    kind: 'vm',
    action: 'Stop',
    occurrenceAt: STOP,
    source: 'schedule',
    superseded: [[START, 'Start']],
  };
  const context = {
    policy: DEFAULT_RETRY_POLICY,
    now: at('2026-03-02T08:05:02Z'),
    delivery: { dequeueCount: 1, maxDequeueCount: 5 },
  };
  const resourceId = message.resourceId;

  it('a missing machine is failed at once', () => {
    const gone = new TargetNotFoundError('gone', { resourceId, statusCode: 404, code: 'ResourceNotFound' });
    expect(afterFailure(gone, message, context)).toEqual({ kind: 'failed' });
  });

  it('a throttled attempt waits Retry-After in the queue, counted apart, without the superseded list', () => {
    const throttled = new ThrottledError('busy', { resourceId, statusCode: 429, retryAfterInMs: 30_000 });
    const next = afterFailure(throttled, message, context);
    expect(next).toMatchObject({ kind: 'retry', message: { throttled: 1 } });
    expect(next.kind === 'retry' && next.message.superseded).toBeUndefined();
    expect(next.kind === 'retry' && next.delayInMs).toBeGreaterThanOrEqual(30_000);
    // A day after its occurrence a throttled run gives up.
    expect(afterFailure(throttled, message, { ...context, now: at('2026-03-03T08:05:00Z') })).toMatchObject({
      kind: 'poison',
      note: 'gave up after 1 throttled attempts; the message is in the poison queue',
    });
  });

  it('transient faults back off and give up after the eighth attempt', () => {
    const boom = new TransientError('boom', { resourceId, statusCode: 500 });
    expect(afterFailure(boom, { ...message, attempt: 2 }, context)).toMatchObject({
      kind: 'retry',
      delayInMs: 60_000,
      message: { attempt: 3 },
    });
    expect(afterFailure(boom, { ...message, attempt: 7 }, context)).toMatchObject({ kind: 'poison' });
  });

  it('a fault on a read before the write spends no attempt: nothing was written', () => {
    const read = new TransientError('boom', { resourceId, statusCode: 500, beforeWrite: true });
    expect(afterFailure(read, { ...message, attempt: 7 }, context)).toMatchObject({
      kind: 'retry',
      message: { attempt: 7 },
    });
  });

  it("a pool's throttled write carries what it was made from, ETag and all; a newer failure replaces it", () => {
    const lastRead = { capacity: 3, tags: { team: 'a' }, etag: '"e1"' };
    const throttled = new ThrottledError('busy', {
      resourceId,
      statusCode: 429,
      retryAfterInMs: 1000,
      lastRead,
    });
    const next = afterFailure(throttled, { ...message, kind: 'pool' }, context);
    expect(next).toMatchObject({
      kind: 'retry',
      message: { lastRead: { capacity: 3, tags: { team: 'a' }, etag: '"e1"' } },
    });
    // A read without an ETag could be stale by the next attempt: it is not carried.
    const { etag: _none, ...unversioned } = lastRead;
    const bare = new ThrottledError('busy', {
      resourceId,
      statusCode: 429,
      retryAfterInMs: 1000,
      lastRead: unversioned,
    });
    const carrying = { ...message, lastRead: { capacity: 1, tags: {}, etag: '"old"' } };
    expect(afterFailure(bare, carrying, context)).not.toHaveProperty('message.lastRead');
  });

  it('what a retry carries travels the queue, and a malformed one is refused', () => {
    const carrying = {
      ...message,
      lastRead: { capacity: 3, tags: { team: 'a' }, etag: '"e1"' },
      claimedAs: { owner: 'm1/3', etag: 'W/"datetime\'2026-03-02T08%3A00%3A01Z\'"' },
      carrier: 2,
    };
    expect(decodeActionMessage(encodeActionMessage(carrying))).toEqual(carrying);
    for (const wrong of [
      { claimedAs: 'm1' },
      { claimedAs: { owner: '', etag: 'e' } },
      { claimedAs: { owner: 'm1' } },
      { carrier: -1 },
      { carrier: 1.5 },
    ]) {
      expect(() => decodeActionMessage(JSON.stringify({ ...message, ...wrong }))).toThrow('malformed');
    }
    for (const lastRead of [
      { capacity: 3, tags: {} },
      { capacity: -1, tags: {}, etag: 'e' },
      { capacity: 1, tags: { a: 1 }, etag: 'e' },
    ]) {
      expect(() => decodeActionMessage(JSON.stringify({ ...message, lastRead }))).toThrow('malformed');
    }
  });

  it('a conditional write refused because the machine changed drops what it carried, spends nothing, and reads again in a second', () => {
    const changed = new TargetChangedError('412', {
      resourceId,
      statusCode: 412,
      code: 'PreconditionFailed',
    });
    const carrying = { ...message, attempt: 7, lastRead: { capacity: 3, tags: {}, etag: '"e1"' } };
    const next = afterFailure(changed, carrying, context);
    expect(next).toMatchObject({ kind: 'retry', delayInMs: 1000, message: { attempt: 7 } });
    expect(next).not.toHaveProperty('message.lastRead');
  });

  it('anything else goes back to the host, and poisons the run on its last delivery', () => {
    expect(afterFailure(new Error('bug'), message, context)).toMatchObject({
      kind: 'redeliver',
      lastDelivery: false,
    });
    expect(
      afterFailure(new Error('bug'), message, {
        ...context,
        delivery: { dequeueCount: 5, maxDequeueCount: 5 },
      }),
    ).toMatchObject({ kind: 'redeliver', lastDelivery: true, note: 'gave up after 5 deliveries' });
  });
});

describe('planTick', () => {
  const vm = (n: number) =>
    `/subscriptions/sub-${n % 2}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm${n}`;
  const row = (n: number, entryIndex: number, entry = stop805, when = STOP): DueEntry => ({
    at: when,
    targetId: `t${String(n).padStart(4, '0')}`,
    resourceId: vm(n),
    kind: 'vm',
    revision: 'r1',
    entryIndex,
    action: entry.action,
    entry,
    registeredAt: schedule.registeredAt,
  });
  const window = {
    readFrom: at('2026-03-02T07:57:00Z'),
    windowStart: at('2026-03-01T08:05:00Z'),
    until: STOP,
  };

  it('acts on each target’s latest occurrence, records the earlier ones, and moves every row on', () => {
    const rows = [row(1, 0, start8, START), row(1, 1)];
    const plan = planTick(rows, window, false);
    expect(plan.superseded).toBe(1);
    expect(plan.targets).toEqual([
      {
        targetId: 't0001',
        revision: 'r1',
        slotInMs: 0,
        message: {
          v: 1,
          targetId: 't0001',
          resourceId: vm(1),
          kind: 'vm',
          action: 'Stop',
          occurrenceAt: STOP,
          source: 'schedule',
          revision: 'r1',
          nextRows: [
            [0, at('2026-03-03T08:00:00Z')],
            [1, at('2026-03-03T08:05:00Z')],
          ],
          superseded: [[START, 'Start']],
        },
        moves: [
          { row: rows[0], nextAt: at('2026-03-03T08:00:00Z') },
          { row: rows[1], nextAt: at('2026-03-03T08:05:00Z') },
        ],
      },
    ]);
  });

  it('rows of two revisions of one target (a replaced schedule left one) make two messages, each naming its revision', () => {
    const rows = [row(1, 0, start8, START), { ...row(1, 1), revision: 'r0' }];
    const plan = planTick(rows, window, false);
    expect(plan.targets.map((t) => [t.targetId, t.revision, t.message?.action, t.message?.revision])).toEqual(
      [
        ['t0001', 'r0', 'Stop', 'r0'],
        ['t0001', 'r1', 'Start', 'r1'],
      ],
    );
    // Neither is superseded by the other: which one the schedule still asks for is the executor's to find.
    expect(plan.superseded).toBe(0);
  });

  it('spreads each subscription over its write budget, the same whatever order the rows came in', () => {
    const rows = Array.from({ length: 6 }, (_, n) => row(n, 1));
    const budget = { burst: 2, perSecond: 1 };
    const slots = (plan: ReturnType<typeof planTick>) => plan.targets.map((t) => [t.targetId, t.slotInMs]);
    const forward = planTick(rows, window, budget);
    // Two subscriptions (even and odd VMs), each 2 at once then one a second.
    expect(slots(forward)).toEqual([
      ['t0000', 0],
      ['t0001', 0],
      ['t0002', 0],
      ['t0003', 0],
      ['t0004', 1000],
      ['t0005', 1000],
    ]);
    expect(forward.spreadOverInMs).toBe(1000);
    expect(slots(planTick([...rows].reverse(), window, budget))).toEqual(slots(forward));
  });
});
