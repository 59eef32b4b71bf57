/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   Response bodies are untyped JSON on purpose: these tests assert their shape field by field. */
// Fuzzing the request bodies: whatever arrives, the answer is never a 500, and a rejected request
// leaves storage exactly as it was.

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { testApi, vmId, type TestApi } from '../support/api.js';
import { allRows } from '../support/storage.js';
import { allDueRows } from '../store/fixtures.js';

let api: TestApi;
let targetId: string;

beforeAll(async () => {
  api = await testApi();
  targetId = (await api.call('POST', '/api/targets', { body: { resourceId: vmId('vm-fuzz') } })).json.id;
});

async function snapshot() {
  const { clients } = api;
  return {
    targets: await allRows(clients, clients.names.targets),
    access: await allRows(clients, clients.names.access),
    due: await allDueRows(clients),
  };
}

const oneOf = <T>(...values: T[]) => fc.constantFrom(...values);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });
/** Mostly plausible values, sometimes anything at all. */
const plausibly = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: arb, weight: 5 }, { arbitrary: fc.jsonValue(), weight: 1 });

const cron = fc.record(
  {
    expression: plausibly(
      fc.oneof(
        oneOf(
          '0 18 * * 1-5',
          '*/15 * * * *',
          '0 0 30 2 *',
          '30 2 * * SUN',
          '0 8 1,15 * MON',
          '61 0 * * *',
          '* * *',
          '',
        ),
        fc.string({ maxLength: 40 }),
      ),
    ),
    timeZone: plausibly(
      oneOf('UTC', 'Pacific Standard Time', 'Europe/Berlin', 'w. europe standard time', 'Mars/Base', ''),
    ),
    startTime: plausibly(oneOf('2026-01-05T00:00:00', '2026-11-25T21:00:00Z', '2027-03-28T02:30:00', 'soon')),
    endTime: plausibly(oneOf('2026-12-31T00:00:00', '2025-01-01T00:00:00', '2030-01-01T00:00:00+01:00')),
  },
  { requiredKeys: [] },
);

const recurrence = fc.record(
  {
    frequency: plausibly(oneOf('Minute', 'Hour', 'Day', 'Week', 'Month', 'Year', 'week')),
    interval: plausibly(fc.integer({ min: -2, max: 100_000 })),
    timeZone: plausibly(oneOf('UTC', 'Tokyo Standard Time', 'America/New_York', 'Nowhere')),
    startTime: plausibly(oneOf('2026-03-29T02:30:00', '2026-11-25T21:00:00Z', '2026-13-01T00:00:00')),
    schedule: plausibly(
      fc.record(
        {
          hours: plausibly(fc.array(fc.integer({ min: -1, max: 25 }), { maxLength: 4 })),
          minutes: plausibly(fc.array(fc.integer({ min: -1, max: 61 }), { maxLength: 4 })),
          weekDays: plausibly(
            fc.array(oneOf('Monday', 'Friday', 'Sunday', 'Funday', 'monday'), { maxLength: 3 }),
          ),
          monthDays: plausibly(fc.array(fc.integer({ min: -32, max: 32 }), { maxLength: 3 })),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);

const entry = fc.record(
  {
    triggerType: plausibly(oneOf('Cron', 'Recurrence', 'cron', 'Timer')),
    action: plausibly(oneOf('Start', 'Stop', 'stop', 'Restart')),
    status: plausibly(oneOf('Enabled', 'Disabled', 'Paused')),
    cron: plausibly(cron),
    recurrence: plausibly(recurrence),
    extra: maybe(fc.jsonValue()),
  },
  { requiredKeys: ['triggerType', 'action'] },
);

const scheduleBody = fc.oneof(
  { arbitrary: fc.record({ computeStartStop: fc.array(entry, { maxLength: 5 }) }), weight: 6 },
  {
    arbitrary: fc.record(
      { computeStartStop: fc.jsonValue(), other: maybe(fc.jsonValue()) },
      { requiredKeys: [] },
    ),
    weight: 1,
  },
  { arbitrary: fc.jsonValue(), weight: 1 },
);

const rawBody = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);

const ACCEPTABLE = [200, 201, 400, 403, 413, 415];

describe('fuzzed request bodies', () => {
  it('PUT schedules: never a 500, and nothing written when refused', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(scheduleBody, async (body) => {
        const before = await snapshot();
        const res = await api.call('PUT', `/api/targets/${targetId}/schedules`, { body });
        expect(ACCEPTABLE, `${res.status} for ${JSON.stringify(body)}: ${res.text}`).toContain(res.status);
        if (res.status === 200) accepted++;
        else {
          expect(res.headers.get('content-type')).toBe('application/problem+json');
          expect(await snapshot()).toEqual(before);
        }
      }),
      { numRuns: 250 },
    );
    // The generator must also reach the success path, or the property proves little.
    expect(accepted).toBeGreaterThan(5);
  });

  it('PUT schedules with raw bytes: never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        rawBody,
        oneOf('application/json', 'text/plain', 'application/merge-patch+json'),
        async (raw, type) => {
          const before = await snapshot();
          const res = await api.call('PUT', `/api/targets/${targetId}/schedules`, {
            rawBody: raw,
            headers: { 'content-type': type },
          });
          expect(ACCEPTABLE, `${res.status}: ${res.text}`).toContain(res.status);
          if (res.status !== 200) expect(await snapshot()).toEqual(before);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('POST targets: never a 500, and nothing written when refused', async () => {
    const resourceId = fc.oneof(
      fc.string({ maxLength: 120 }),
      fc
        .tuple(
          oneOf('virtualMachines', 'virtualMachineScaleSets', 'disks'),
          fc.stringMatching(/^[A-Za-z0-9._()'"%-]{0,30}$/),
        )
        .map(
          ([type, name]) =>
            `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/${type}/${name}`,
        ),
      fc
        .stringMatching(/^[A-Za-z0-9-]{0,26}$/)
        .map(
          (name) =>
            `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws1/computes/${name}`,
        ),
    );
    const body = fc.oneof(
      fc.record(
        {
          resourceId: plausibly(resourceId),
          assignedTo: maybe(plausibly(fc.string())),
          more: maybe(fc.jsonValue()),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const before = await snapshot();
        const res = await api.call('POST', '/api/targets', { body: b });
        expect(ACCEPTABLE, `${res.status} for ${JSON.stringify(b)}: ${res.text}`).toContain(res.status);
        if (res.status >= 400) expect(await snapshot()).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });

  it('POST preview: never a 500, and never writes', async () => {
    await fc.assert(
      fc.asyncProperty(scheduleBody, async (body) => {
        const before = await snapshot();
        const res = await api.call('POST', '/api/preview', { body });
        expect([200, 400], `${res.status} for ${JSON.stringify(body)}: ${res.text}`).toContain(res.status);
        expect(await snapshot()).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });
});
