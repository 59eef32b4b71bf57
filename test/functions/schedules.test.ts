/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call --
   Response bodies are untyped JSON on purpose: these tests assert their shape field by field. */
import { beforeAll, describe, expect, it } from 'vitest';
import { computeInstanceId, designSchedule, testApi, vmId, type TestApi } from '../support/api.js';
import { allRows } from '../support/storage.js';
import { allDueRows, dueMinutes } from '../store/fixtures.js';

let api: TestApi;
beforeAll(async () => {
  api = await testApi();
});

async function register(name: string, target = api): Promise<string> {
  const res = await target.call('POST', '/api/targets', { body: { resourceId: vmId(name) } });
  return res.json.id as string;
}

const stop = (expression: string, timeZone = 'UTC') => ({
  triggerType: 'Cron',
  action: 'Stop',
  cron: { expression, timeZone },
});
const start = (expression: string, timeZone = 'UTC') => ({
  triggerType: 'Cron',
  action: 'Start',
  cron: { expression, timeZone },
});

describe('PUT /api/targets/{id}/schedules', () => {
  it('stores Azure ML’s JSON as pasted and answers each entry’s meaning and next five runs', async () => {
    const own = await testApi();
    const id = await register('vm-design', own);
    const res = await own.call('PUT', `/api/targets/${id}/schedules`, { body: designSchedule });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{16}"$/);
    const [stopEntry, startEntry] = res.json.computeStartStop;
    expect(stopEntry).toMatchObject(designSchedule.computeStartStop[0]!);
    expect(stopEntry.description).toContain('At 18:00, Monday to Friday, Pacific time');
    // 2026-11-25T21:00Z is Wednesday 13:00 in Los Angeles (PST, UTC−8).
    expect(stopEntry.nextOccurrences).toEqual([
      '2026-11-26T02:00:00Z',
      '2026-11-27T02:00:00Z',
      '2026-11-28T02:00:00Z',
      '2026-12-01T02:00:00Z',
      '2026-12-02T02:00:00Z',
    ]);
    expect(startEntry).toMatchObject(designSchedule.computeStartStop[1]!);
    // 08:00 in Amsterdam (CET, UTC+1) on Mondays and Fridays.
    expect(startEntry.nextOccurrences).toEqual([
      '2026-11-27T07:00:00Z',
      '2026-11-30T07:00:00Z',
      '2026-12-04T07:00:00Z',
      '2026-12-07T07:00:00Z',
      '2026-12-11T07:00:00Z',
    ]);
    expect(res.json).toMatchObject({
      targetId: id,
      registeredAt: '2026-11-25T21:00:00Z',
      updatedAt: '2026-11-25T21:00:00Z',
      updatedBy: 'alice-oid',
    });
    // One due row per enabled entry, in the minute of its next occurrence.
    const due = await allDueRows(own.clients);
    expect(dueMinutes(due).sort()).toEqual(['202611260200', '202611270700']);
  });

  it('reads back the same schedule with the same ETag, and 304 for If-None-Match', async () => {
    const id = await register('vm-read');
    const put = await api.call('PUT', `/api/targets/${id}/schedules`, { body: designSchedule });
    const get = await api.call('GET', `/api/targets/${id}/schedules`);
    expect(get.status).toBe(200);
    expect(get.json).toEqual(put.json);
    expect(get.headers.get('etag')).toBe(put.headers.get('etag'));
    const cached = await api.call('GET', `/api/targets/${id}/schedules`, {
      headers: { 'if-none-match': put.headers.get('etag')! },
    });
    expect(cached.status).toBe(304);
    expect(cached.text).toBe('');
  });

  it('takes back what it answered: the entries of a GET, descriptions and next runs included', async () => {
    const id = await register('vm-round-trip');
    await api.call('PUT', `/api/targets/${id}/schedules`, { body: designSchedule });
    const get = await api.call('GET', `/api/targets/${id}/schedules`);
    expect(get.json.computeStartStop[0].description).toEqual(expect.any(String));
    const again = await api.call('PUT', `/api/targets/${id}/schedules`, {
      body: { computeStartStop: get.json.computeStartStop },
      headers: { 'if-match': get.headers.get('etag')! },
    });
    expect(again.status).toBe(200);
    expect(again.json.computeStartStop).toEqual(get.json.computeStartStop);
  });

  it('gives a new target an empty schedule with an ETag', async () => {
    const id = await register('vm-empty');
    const res = await api.call('GET', `/api/targets/${id}/schedules`);
    expect(res.status).toBe(200);
    expect(res.json.computeStartStop).toEqual([]);
    expect(res.headers.get('etag')).toMatch(/^".+"$/);
  });

  it('honours If-Match: the current ETag writes, a stale one is 412 and changes nothing', async () => {
    const id = await register('vm-ifmatch');
    const first = await api.call('PUT', `/api/targets/${id}/schedules`, {
      body: { computeStartStop: [stop('0 18 * * *')] },
    });
    const etag = first.headers.get('etag')!;
    const second = await api.call('PUT', `/api/targets/${id}/schedules`, {
      body: { computeStartStop: [stop('0 19 * * *')] },
      headers: { 'if-match': etag },
    });
    expect(second.status).toBe(200);
    expect(second.headers.get('etag')).not.toBe(etag);
    const stale = await api.call('PUT', `/api/targets/${id}/schedules`, {
      body: { computeStartStop: [stop('0 20 * * *')] },
      headers: { 'if-match': etag },
    });
    expect(stale.status).toBe(412);
    expect(stale.json.type).toBe('urn:compute-scheduler:problem:precondition-failed');
    const now = await api.call('GET', `/api/targets/${id}/schedules`);
    expect(now.json.computeStartStop[0].cron.expression).toBe('0 19 * * *');
    const any = await api.call('PUT', `/api/targets/${id}/schedules`, {
      body: { computeStartStop: [stop('0 21 * * *')] },
      headers: { 'if-match': '*' },
    });
    expect(any.status).toBe(200);
  });

  it('lets exactly one of two PUTs carrying the same ETag through; the other gets 412', async () => {
    const own = await testApi();
    const id = await register('vm-race', own);
    const etag = (await own.call('GET', `/api/targets/${id}/schedules`)).headers.get('etag')!;
    const results = await Promise.all(
      ['0 18 * * *', '0 19 * * *'].map((expression) =>
        own.call('PUT', `/api/targets/${id}/schedules`, {
          body: { computeStartStop: [stop(expression)] },
          headers: { 'if-match': etag },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
    const winner = results.find((r) => r.status === 200)!;
    const stored = await own.call('GET', `/api/targets/${id}/schedules`);
    expect(stored.headers.get('etag')).toBe(winner.headers.get('etag'));
    expect(await allDueRows(own.clients)).toHaveLength(1);
  });

  it('keeps disabled entries, shows them, and gives them no occurrences and no due row', async () => {
    const own = await testApi();
    const id = await register('vm-disabled', own);
    const res = await own.call('PUT', `/api/targets/${id}/schedules`, {
      body: { computeStartStop: [{ ...stop('0 18 * * *'), status: 'Disabled' }] },
    });
    expect(res.status).toBe(200);
    expect(res.json.computeStartStop[0]).toMatchObject({ status: 'Disabled', nextOccurrences: [] });
    expect(await allDueRows(own.clients)).toEqual([]);
  });

  it('keeps the registration instant when the same entries are sent again', async () => {
    const own = await testApi();
    const id = await register('vm-again', own);
    const body = {
      computeStartStop: [
        {
          triggerType: 'Recurrence',
          action: 'Stop',
          recurrence: { frequency: 'Hour', interval: 5, timeZone: 'UTC' },
        },
      ],
    };
    await own.call('PUT', `/api/targets/${id}/schedules`, { body });
    own.clock.set('2026-11-25T22:30:00Z');
    const again = await own.call('PUT', `/api/targets/${id}/schedules`, { body });
    expect(again.json.registeredAt).toBe('2026-11-25T21:00:00Z');
    expect(again.json.updatedAt).toBe('2026-11-25T22:30:00Z');
    // Every five hours counted from 21:00, not from the second PUT.
    expect(again.json.computeStartStop[0].nextOccurrences[0]).toBe('2026-11-26T02:00:00Z');
    const changed = await own.call('PUT', `/api/targets/${id}/schedules`, {
      body: { computeStartStop: [{ ...body.computeStartStop[0], action: 'Start' }] },
    });
    expect(changed.json.registeredAt).toBe('2026-11-25T22:30:00Z');
  });

  it('an empty list removes every entry and every due row', async () => {
    const own = await testApi();
    const id = await register('vm-clear', own);
    await own.call('PUT', `/api/targets/${id}/schedules`, { body: designSchedule });
    const res = await own.call('PUT', `/api/targets/${id}/schedules`, { body: { computeStartStop: [] } });
    expect(res.status).toBe(200);
    expect(await allDueRows(own.clients)).toEqual([]);
  });

  it('deleting the target leaves no due row behind', async () => {
    const own = await testApi();
    const id = await register('vm-gone', own);
    await own.call('PUT', `/api/targets/${id}/schedules`, { body: designSchedule });
    expect(await allDueRows(own.clients)).toHaveLength(2);
    expect((await own.call('DELETE', `/api/targets/${id}`)).status).toBe(204);
    expect(await allDueRows(own.clients)).toEqual([]);
    expect(await allRows(own.clients, own.clients.names.targets)).toEqual([]);
  });

  describe('refuses, writing nothing,', () => {
    it.each([
      [
        'a fifth entry',
        { computeStartStop: [1, 2, 3, 4, 5].map((h) => stop(`0 ${h} * * *`)) },
        '/computeStartStop',
      ],
      ['an unknown top-level field', { computeStartStop: [], extra: true }, '/extra'],
      [
        'an unknown entry field',
        { computeStartStop: [{ ...stop('0 18 * * *'), color: 'red' }] },
        '/computeStartStop/0/color',
      ],
      [
        'an unknown time zone',
        { computeStartStop: [stop('0 18 * * *', 'Mars/Olympus')] },
        '/computeStartStop/0/cron/timeZone',
      ],
      [
        'a broken cron expression',
        { computeStartStop: [stop('61 18 * * *')] },
        '/computeStartStop/0/cron/expression',
      ],
      [
        'a Start and a Stop at the same instant',
        { computeStartStop: [stop('0 18 * * *'), start('0 18 * * 1')] },
        '/computeStartStop/1',
      ],
      ['a body without computeStartStop', { schedules: [] }, '/computeStartStop'],
      ['an array instead of the document', [stop('0 18 * * *')], ''],
    ])('%s (400 pointing at the field)', async (_label, body, pointer) => {
      const own = await testApi();
      const id = await register('vm-refuse', own);
      const before = await allRows(own.clients, own.clients.names.targets);
      const res = await own.call('PUT', `/api/targets/${id}/schedules`, { body });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.json.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
      expect(await allRows(own.clients, own.clients.names.targets)).toEqual(before);
      expect(await allDueRows(own.clients)).toEqual([]);
    });

    it('a conflict, naming both entries and the first clashing instant', async () => {
      const id = await register('vm-clash');
      const res = await api.call('PUT', `/api/targets/${id}/schedules`, {
        body: { computeStartStop: [stop('0 18 * * *'), start('0 18 * * 1')] },
      });
      const [problem] = res.json.errors;
      expect(problem.reason).toMatch(/0\b.*\bStop\b.*1\b.*\bStart\b.*2026-11-30T18:00:00Z/);
    });

    it('bodies that are too large (413) or not JSON (415)', async () => {
      const id = await register('vm-media');
      const big = await api.call('PUT', `/api/targets/${id}/schedules`, {
        rawBody: JSON.stringify({ computeStartStop: [], pad: 'x'.repeat(70_000) }),
      });
      expect(big.status).toBe(413);
      const xml = await api.call('PUT', `/api/targets/${id}/schedules`, {
        rawBody: '<computeStartStop/>',
        headers: { 'content-type': 'application/xml' },
      });
      expect(xml.status).toBe(415);
    });

    it('schedules for an unknown target (404)', async () => {
      const res = await api.call('PUT', `/api/targets/${'e'.repeat(32)}/schedules`, { body: designSchedule });
      expect(res.status).toBe(404);
    });
  });

  it('allows four entries on a compute instance, as Azure ML does', async () => {
    const { json } = await api.call('POST', '/api/targets', {
      body: { resourceId: computeInstanceId('ci-four') },
    });
    const four = [6, 7, 8, 9].map((h) => stop(`0 ${h} * * *`));
    expect(
      (await api.call('PUT', `/api/targets/${json.id}/schedules`, { body: { computeStartStop: four } }))
        .status,
    ).toBe(200);
  });
});

describe('a deployment that allows more entries', () => {
  it('takes six on a VM with SCHEDULER_MAX_ENTRIES_VM=6, refuses a seventh at the field, and keeps compute instances at four', async () => {
    const own = await testApi({ SCHEDULER_MAX_ENTRIES_VM: '6' });
    const id = await register('vm-six', own);
    const entries = (n: number) => ({
      computeStartStop: Array.from({ length: n }, (_, h) => stop(`0 ${h} * * *`)),
    });
    const six = await own.call('PUT', `/api/targets/${id}/schedules`, { body: entries(6) });
    expect(six.status).toBe(200);
    expect(six.json.computeStartStop).toHaveLength(6);
    const seven = await own.call('PUT', `/api/targets/${id}/schedules`, { body: entries(7) });
    expect(seven.status).toBe(400);
    expect(seven.json.errors.map((e: { pointer: string }) => e.pointer)).toContain('/computeStartStop');
    const instance = await own.call('POST', '/api/targets', {
      body: { resourceId: computeInstanceId('ci-six') },
    });
    const five = await own.call('PUT', `/api/targets/${instance.json.id}/schedules`, { body: entries(5) });
    expect(five.status).toBe(400);
  });
});

describe('GET /api/targets/{id}/timeline', () => {
  it('merges the entries’ occurrences in the window with the desired state after each', async () => {
    const id = await register('vm-timeline');
    await api.call('PUT', `/api/targets/${id}/schedules`, { body: designSchedule });
    const res = await api.call(
      'GET',
      `/api/targets/${id}/timeline?from=2026-11-30T00:00:00Z&to=2026-12-02T23:59:59Z`,
    );
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      targetId: id,
      from: '2026-11-30T00:00:00Z',
      to: '2026-12-02T23:59:59Z',
      desiredStateAtFrom: 'Stopped',
      points: [
        { at: '2026-11-30T07:00:00Z', action: 'Start', entryIndex: 1, desiredState: 'Running' },
        { at: '2026-12-01T02:00:00Z', action: 'Stop', entryIndex: 0, desiredState: 'Stopped' },
        { at: '2026-12-02T02:00:00Z', action: 'Stop', entryIndex: 0, desiredState: 'Stopped' },
      ],
    });
  });

  it('defaults to the week from now', async () => {
    const id = await register('vm-week');
    await api.call('PUT', `/api/targets/${id}/schedules`, { body: designSchedule });
    const res = await api.call('GET', `/api/targets/${id}/timeline`);
    expect(res.json.from).toBe('2026-11-25T21:00:00Z');
    expect(res.json.to).toBe('2026-12-02T21:00:00Z');
    // Stops on Wed–Fri and Mon–Tue (five), Starts on Friday and Monday (two).
    expect(res.json.points).toHaveLength(7);
  });

  it.each([
    ['a window over 31 days', '?from=2026-11-01T00:00:00Z&to=2026-12-02T00:00:01Z', 'to'],
    ['a window that ends before it starts', '?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z', 'to'],
    ['a from that is not a date-time', '?from=tomorrow', 'from'],
    ['a date without a zone', '?from=2026-11-30T00:00:00', 'from'],
    ['a date the month does not have', '?from=2026-02-30T00:00:00Z', 'from'],
    ['an instant after 9999', '?from=9999-12-31T23:00:00Z&to=9999-12-31T23:59:59-01:00', 'to'],
  ])('refuses %s with 400 naming the parameter', async (_label, query, parameter) => {
    const id = await register('vm-window');
    const res = await api.call('GET', `/api/targets/${id}/timeline${query}`);
    expect(res.status).toBe(400);
    expect(res.json.errors[0].parameter).toBe(parameter);
  });

  it('allows exactly 31 days', async () => {
    const id = await register('vm-31');
    const res = await api.call(
      'GET',
      `/api/targets/${id}/timeline?from=2026-11-01T00:00:00Z&to=2026-12-02T00:00:00Z`,
    );
    expect(res.status).toBe(200);
  });
});

describe('POST /api/preview', () => {
  it('validates and expands a schedule without storing anything', async () => {
    const own = await testApi();
    const res = await own.call('POST', '/api/preview?count=2', { body: designSchedule });
    expect(res.status).toBe(200);
    expect(res.json.computeStartStop[0].nextOccurrences).toEqual([
      '2026-11-26T02:00:00Z',
      '2026-11-27T02:00:00Z',
    ]);
    expect(res.json.computeStartStop[1].description).toContain('Monday and Friday at 08:00');
    expect(res.json.timeline).toMatchObject({ from: '2026-11-25T21:00:00Z', to: '2026-12-02T21:00:00Z' });
    expect(res.json.timeline.points[0]).toEqual({
      at: '2026-11-26T02:00:00Z',
      action: 'Stop',
      entryIndex: 0,
      desiredState: 'Stopped',
    });
    for (const table of Object.values(own.clients.names).filter((t): t is string => typeof t === 'string')) {
      expect(await allRows(own.clients, table)).toEqual([]);
    }
    expect(await allDueRows(own.clients)).toEqual([]);
  });

  it('previews from a given instant', async () => {
    const res = await api.call('POST', '/api/preview?from=2027-01-04T00:00:00Z&count=1', {
      body: { computeStartStop: [stop('0 18 * * 1-5', 'Europe/Berlin')] },
    });
    expect(res.json.computeStartStop[0].nextOccurrences).toEqual(['2027-01-04T17:00:00Z']);
  });

  it('refuses an invalid schedule with 400 and a bad count with 400', async () => {
    const bad = await api.call('POST', '/api/preview', { body: { computeStartStop: [stop('0 18 * *')] } });
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].pointer).toBe('/computeStartStop/0/cron/expression');
    const count = await api.call('POST', '/api/preview?count=1000', { body: designSchedule });
    expect(count.status).toBe(400);
    expect(count.json.errors[0].parameter).toBe('count');
  });
});
