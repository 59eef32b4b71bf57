// The demo pool, alive: `npm start` gives the demo scale set a pool policy, has people work on it in the
// emulator (three sessions now, gone after four minutes, one person back at minute twelve), and reports
// their sessions to the API with an activity token every 20 seconds, as the JupyterHub reporter does on a
// real pool. The pool then visibly scales to zero once idle and wakes when someone is waiting.

import type { ArmEmulator } from './arm-emulator/index.js';
import { reporterView } from './arm-emulator/reporter-view.js';
import { demoFleet } from './demo.js';

const MINUTE_MS = 60_000;
const REPORT_EVERY_MS = 20_000;

/**
 * Scales to zero three minutes after the last session; two sessions a node; a waiting person wakes it. The
 * demo pool's schedule has no Start window, so its floor is `minCapacity` and `wakeCapacity` only serves wakes.
 */
export const DEMO_POOL_POLICY = {
  minCapacity: 0,
  wakeCapacity: 1,
  maxCapacity: 3,
  sessionsPerInstance: 2,
  idleMinutes: 3,
};

/** Who works on the demo pool, from `now`: three people for four minutes, one back from minute 12 to 20. */
export function demoPoolPeople(now: number): { from: number; to: number; sessions: number }[] {
  return [
    { from: now, to: now + 4 * MINUTE_MS, sessions: 3 },
    { from: now + 12 * MINUTE_MS, to: now + 20 * MINUTE_MS, sessions: 1 },
  ];
}

export interface DemoPool {
  stop(): void;
}

async function call(url: string, init: RequestInit & { expect: number[] }): Promise<unknown> {
  const response = await fetch(url, {
    ...init,
    headers: { 'Content-Type': 'application/json', ...(init.headers as Record<string, string>) },
  });
  if (!init.expect.includes(response.status))
    throw new Error(
      `demo pool: ${init.method ?? 'GET'} ${url} answered ${response.status}: ${await response.text()}`,
    );
  const text = await response.text();
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/**
 * Puts the demo pool's policy, plans its people and starts reporting their sessions.
 * @param baseUrl the local host's `/api` base
 * @param targetId the demo pool's target id
 */
export async function startDemoPool(
  baseUrl: string,
  emulator: ArmEmulator,
  targetId: string,
  now: number,
  log: (line: string) => void = () => undefined,
): Promise<DemoPool> {
  const target = `${baseUrl}/targets/${targetId}`;
  await call(`${target}/pool`, { method: 'PUT', body: JSON.stringify(DEMO_POOL_POLICY), expect: [200, 201] });
  const { token } = (await call(`${target}/activity-tokens`, {
    method: 'POST',
    body: '{}',
    expect: [201],
  })) as {
    token: string;
  };
  const people = demoPoolPeople(now);
  emulator.planSessionDemand(
    demoFleet.pool,
    people.flatMap(({ from, to, sessions }) => [
      { at: from, sessions },
      { at: to, sessions: 0 },
    ]),
    { seatsPerInstance: DEMO_POOL_POLICY.sessionsPerInstance },
  );
  const report = async () => {
    const body = reporterView(emulator, demoFleet.pool)?.report;
    if (!body) return;
    await call(`${target}/activity`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
      expect: [204],
    });
  };
  await report();
  const timer = setInterval(() => {
    report().catch((error: unknown) => log(`demo pool: ${String(error)}`));
  }, REPORT_EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
