// Warnings before a stop on real parts: schedules and runs in Azurite, the machine in the ARM emulator, the
// webhook a real HTTP server on this machine, the registry's own timer, tick and execute functions. The
// stop at 21:30 UTC is warned of at 21:15 (a 15-minute lead).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import functions, { type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { ManualClock } from '../../src/clock.js';
import { registerTarget } from '../../src/engine/register-targets.js';
import { putSchedules } from '../../src/engine/register-schedules.js';
import { signSnooze, verifySnooze } from '../../src/engine/snooze-link.js';
import { putWarning } from '../../src/engine/stop-warnings.js';
import { createDependencies, type Dependencies } from '../../src/functions/dependencies.js';
import { createFunctionRegistry, hasTrigger, type FunctionDefinition } from '../../src/functions/registry.js';
import type { StoredTarget } from '../../src/store/ports.js';
import { startArmEmulator, type ArmEmulator } from '../../toolkit/arm-emulator/index.js';
import { gatewayFor } from '../compute/gateway-fixture.js';
import { freshStorage } from '../support/storage.js';
import { vmId } from '../toolkit/arm-emulator/fixture.js';

const { HttpRequest, InvocationContext } = functions;
const alice: Principal = { id: 'alice-oid', roles: [], isAdmin: false };
const KEY = Buffer.alloc(32, 7);
const STOP_AT = Date.parse('2026-11-25T21:30:00Z');

interface Hook {
  url: string;
  bodies: Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any -- posted JSON
  close(): Promise<void>;
}

/** A webhook that answers every POST with `status` and keeps what it was sent. */
async function startHook(status: number): Promise<Hook> {
  const bodies: Hook['bodies'] = [];
  const server = http.createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      bodies.push(JSON.parse(text) as Record<string, unknown>);
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

let emulator: ArmEmulator;
let failing: Hook;
let working: Hook;
let deps: Dependencies;
let registry: FunctionDefinition[];
const clock = new ManualClock('2026-11-25T21:00:00Z');
const held: { targetId: string; until: number; by: string }[] = [];

beforeAll(async () => {
  emulator = await startArmEmulator({ transitionDurationsInMs: 0 });
  failing = await startHook(503);
  working = await startHook(200);
  const { config } = await freshStorage({
    SCHEDULER_WARNING_SIGNING_KEY: KEY.toString('base64'),
    SCHEDULER_PUBLIC_URL: 'https://scheduler.example.com',
  });
  deps = createDependencies(config, {
    clock,
    gateway: gatewayFor(emulator),
    warnOptions: { retryDelaysInMs: [1, 1, 1] },
    holdRunning: (target, until, by) => Promise.resolve(void held.push({ targetId: target.id, until, by })),
  });
  const { provisionStorage } = await import('../../src/store/index.js');
  await provisionStorage(deps.storage);
  registry = createFunctionRegistry(deps);
});

afterAll(async () => {
  await emulator?.close();
  await failing?.close();
  await working?.close();
});

const context = () => new InvocationContext({ functionName: 'test', logHandler: () => undefined });

async function runTimer(name: string): Promise<void> {
  const timer = registry.find((d) => d.name === name);
  if (!timer || !hasTrigger(timer, 'timer')) throw new Error(`no timer ${name}`);
  await timer.handler({ isPastDue: false } as Timer, context());
}

/** Delivers every message on the actions queue to the registry's execute function. */
async function executeQueued(): Promise<void> {
  const execute = registry.find((d) => d.name === 'execute');
  if (!execute || !hasTrigger(execute, 'queue')) throw new Error('no execute');
  const queue = deps.storage.queueService.getQueueClient(deps.storage.names.queues.actions);
  const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
  for (const message of receivedMessageItems) {
    await execute.handler(JSON.parse(Buffer.from(message.messageText, 'base64').toString('utf8')), context());
    await queue.deleteMessage(message.messageId, message.popReceipt);
  }
}

async function machineWithWarning(name: string, webhook: string): Promise<StoredTarget> {
  emulator.addVirtualMachine(vmId(name), { powerState: 'running' });
  const useCase = {
    targets: deps.store.targets,
    schedules: deps.store.schedules,
    clock,
    maxScheduleEntries: deps.config.maxScheduleEntries,
  };
  const { target } = await registerTarget(useCase, alice, { resourceId: vmId(name) });
  await putSchedules(useCase, alice, target.id, {
    computeStartStop: [
      {
        triggerType: 'Cron',
        action: 'Stop',
        cron: {
          expression: '30 13 * * *',
          timeZone: 'Pacific Standard Time',
          startTime: '2026-01-01T00:00:00Z',
        },
      },
    ],
  });
  await putWarning({ targets: deps.store.targets, warnings: deps.store.warnings, clock }, alice, target.id, {
    webhook,
  });
  return target;
}

async function runsOf(target: StoredTarget) {
  return (await deps.store.runs.list({ targetId: target.id, registration: target.registration! })).items;
}

describe('warnings before a stop', () => {
  let down: StoredTarget;
  let up: StoredTarget;

  it('post the target, the stop in its zone and in UTC, and two snooze links, lead minutes ahead', async () => {
    // 13:30 Pacific (PST, UTC−8) is 21:30 UTC.
    down = await machineWithWarning('vm-hook-down', failing.url);
    up = await machineWithWarning('vm-hook-up', working.url);
    clock.set('2026-11-25T21:14:30Z');
    await runTimer('warnBeforeStops');
    expect(working.bodies).toHaveLength(0);
    clock.set('2026-11-25T21:15:30Z');
    await runTimer('warnBeforeStops');
    expect(working.bodies).toHaveLength(1);
    const message = working.bodies[0]!;
    expect(message).toMatchObject({
      type: 'compute-scheduler.stop-warning',
      target: { id: up.id, resourceId: vmId('vm-hook-up'), kind: 'vm', name: 'vm-hook-up' },
      stop: {
        utc: '2026-11-25T21:30:00Z',
        local: '2026-11-25T13:30:00',
        timeZone: 'Pacific Standard Time',
        utcOffsetMinutes: -480,
      },
      leadMinutes: 15,
      validUntil: '2026-11-25T21:30:00Z',
    });
    expect(message['snooze']).toMatchObject([
      {
        hours: 1,
        until: '2026-11-25T22:30:00Z',
        url: expect.stringMatching(
          /^https:\/\/scheduler\.example\.com\/api\/warnings\/snooze\?token=/,
        ) as unknown,
      },
      { hours: 2, until: '2026-11-25T23:30:00Z' },
    ]);
    expect(await runsOf(up)).toMatchObject([
      {
        requestedAction: 'Warn',
        source: 'warning',
        outcome: 'succeeded',
        attempts: 1,
        requestedBy: 'target',
      },
    ]);
  });

  it('to a failing webhook are retried, and every attempt is recorded', async () => {
    expect(failing.bodies).toHaveLength(4);
    const [warning] = await runsOf(down);
    expect(warning).toMatchObject({
      requestedAction: 'Warn',
      outcome: 'failed',
      attempts: 4,
      error: { code: 'WebhookFailed', message: 'the webhook answered 503' },
    });
    expect(warning?.note).toContain('4 attempts (503, 503, 503, 503)');
  });

  it('are sent once, however often the timer runs in the minute', async () => {
    await runTimer('warnBeforeStops');
    expect(working.bodies).toHaveLength(1);
    expect(failing.bodies).toHaveLength(4);
  });

  it('never hold the stop back: the machine whose webhook failed is deallocated on time', async () => {
    clock.set('2026-11-25T21:30:00Z');
    await runTimer('tick');
    await executeQueued();
    expect(emulator.stateOf(vmId('vm-hook-down'))).toMatchObject({ powerState: 'deallocated' });
    expect((await runsOf(down)).map((r) => [r.requestedAction, r.outcome])).toEqual([
      ['Stop', 'accepted'],
      ['Warn', 'failed'],
    ]);
  });
});

describe('the snooze link', () => {
  const snooze = async (token: string) => {
    const handler = registry.find((d) => d.name === 'snoozeStop');
    if (!handler || !hasTrigger(handler, 'http')) throw new Error('no snoozeStop');
    const request = new HttpRequest({
      method: 'GET',
      url: `http://localhost:7071/api/warnings/snooze?token=${encodeURIComponent(token)}`,
    });
    const response = new functions.HttpResponse((await handler.handler(request, context())) ?? {});
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  let target: StoredTarget;
  let token: string;

  beforeAll(async () => {
    target = await machineWithWarning('vm-snooze', working.url);
    clock.set('2026-11-26T21:15:30Z');
    await runTimer('warnBeforeStops');
    const message = working.bodies.find((b) => (b['target'] as { id: string }).id === target.id)!;
    token = new URL((message['snooze'] as { url: string }[])[1]!.url).searchParams.get('token')!;
  });

  it('keeps the target running two hours past the stop it warned of', async () => {
    const res = await snooze(token);
    expect(res).toEqual({
      status: 200,
      json: { targetId: target.id, stop: '2026-11-26T21:30:00Z', until: '2026-11-26T23:30:00Z' },
    });
    expect(held).toEqual([
      { targetId: target.id, until: Date.parse('2026-11-26T23:30:00Z'), by: 'snooze link' },
    ]);
  });

  it('refuses a link whose token was altered, and does nothing', async () => {
    const [payload, mac] = token.split('.');
    const forged = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    forged['h'] = 2;
    forged['s'] = Date.parse('2026-11-28T21:30:00Z');
    const altered = `${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${mac!}`;
    const res = await snooze(altered);
    expect(res.status).toBe(400);
    expect(res.json['errors']).toEqual([{ parameter: 'token', reason: 'is not signed by us' }]);
    expect((await snooze(`${token}x`)).status).toBe(400);
    expect(held).toHaveLength(1);
  });

  it('refuses a link signed under another key', () => {
    const other = signSnooze(Buffer.alloc(32, 9), { targetId: target.id, stopAt: STOP_AT, hours: 1 });
    expect(() => verifySnooze(KEY, other, STOP_AT - 60_000)).toThrow('is not signed by us');
  });

  it('has expired once the stop it was for has come', async () => {
    clock.set('2026-11-26T21:30:00Z');
    const res = await snooze(token);
    expect(res.status).toBe(400);
    expect(res.json['errors']).toEqual([
      { parameter: 'token', reason: 'has expired: the stop it was for has come' },
    ]);
    expect(held).toHaveLength(1);
  });
});
