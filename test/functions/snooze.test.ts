// A warning's snooze link, followed anonymously over HTTP: it becomes an override that keeps the machine
// running past the stop it warned of, and a link that is altered or signed under another key changes nothing.

import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { signSnooze } from '../../src/engine/snooze-link.js';
import { parseInstant } from '../../src/schedule/index.js';
import { MemoryActionQueue } from '../engine/fakes.js';
import { testApi, vmId, type TestApi } from '../support/api.js';

const KEY = randomBytes(32);
/** The stop the warning was about: the schedule below stops the VM at 18:00 UTC; the test clock is 21:00. */
const STOP = '2026-11-26T18:00:00Z';

let api: TestApi;
let queue: MemoryActionQueue;
let targetId: string;
let registration: string;

beforeEach(async () => {
  queue = new MemoryActionQueue();
  api = await testApi({ SCHEDULER_WARNING_SIGNING_KEY: KEY.toString('base64') }, { actions: queue });
  const created = await api.call('POST', '/api/targets', { body: { resourceId: vmId('vm-late-worker') } });
  ({ id: targetId, registration } = created.json as { id: string; registration: string });
  await api.call('PUT', `/api/targets/${targetId}/schedules`, {
    body: {
      computeStartStop: [
        { triggerType: 'Cron', action: 'Stop', cron: { expression: '0 18 * * *', timeZone: 'UTC' } },
      ],
    },
  });
});

function link(token: string): string {
  return `/api/warnings/snooze?token=${encodeURIComponent(token)}`;
}

describe('following a snooze link', () => {
  it('keeps the machine running until the hours after the stop, as an override in its history', async () => {
    const token = signSnooze(KEY, { targetId, registration, stopAt: parseInstant(STOP), hours: 2 });
    const snoozed = await api.call('GET', link(token), { as: null });
    expect(snoozed.status).toBe(200);
    expect(snoozed.json).toEqual({ targetId, stop: STOP, until: '2026-11-26T20:00:00Z' });

    const override = await api.call('GET', `/api/targets/${targetId}/override`);
    expect(override.status).toBe(200);
    expect(override.json).toMatchObject({
      state: 'Running',
      until: '2026-11-26T20:00:00Z',
      setBy: 'snooze link',
    });
    // Running now, by request; the schedule's state again when the override ends.
    expect(queue.sent.map((s) => [s.message.action, s.message.source])).toEqual([
      ['Start', 'override'],
      ['Stop', 'schedule'],
    ]);
    const runs = await api.call('GET', `/api/targets/${targetId}/runs`);
    const { value } = runs.json as { value: Record<string, unknown>[] };
    const requested = value.find((r) => r.source === 'override');
    expect(requested?.requestedBy).toBe('snooze link');
  });

  it('refuses an altered link or one signed under another key, and changes nothing', async () => {
    const token = signSnooze(KEY, { targetId, registration, stopAt: parseInstant(STOP), hours: 2 });
    const [payload, signature] = token.split('.') as [string, string];
    const longer = Buffer.from(
      JSON.stringify({ t: targetId, r: registration, s: parseInstant(STOP), h: 48 }),
    ).toString('base64url');
    const foreign = signSnooze(randomBytes(32), {
      targetId,
      registration,
      stopAt: parseInstant(STOP),
      hours: 2,
    });
    for (const bad of [`${longer}.${signature}`, foreign, `${payload}.`]) {
      const res = await api.call('GET', link(bad), { as: null });
      expect(res.status, bad).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await api.call('GET', `/api/targets/${targetId}/override`)).status).toBe(404);
    expect(queue.sent).toEqual([]);
  });

  it('refuses a link whose stop has come, and changes nothing', async () => {
    const token = signSnooze(KEY, { targetId, registration, stopAt: parseInstant(STOP), hours: 1 });
    api.clock.set(STOP);
    const res = await api.call('GET', link(token), { as: null });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json)).toContain('has expired');
    expect((await api.call('GET', `/api/targets/${targetId}/override`)).status).toBe(404);
    expect(queue.sent).toEqual([]);
  });
});
