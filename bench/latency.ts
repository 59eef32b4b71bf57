// Bench: the delay from the due instant to the ARM call on the real clock — 100 targets due at the next
// whole minute, registered over HTTP to the local host as `npm start` runs it (timer driver, queue pollers):
// p50/p99 of ARM call − due instant. `BENCH_LATENCY_TARGETS=20` a smaller fleet.

import { setTimeout as sleep } from 'node:timers/promises';
import { forEachLimited } from '../src/in-flight.js';
import { startArmEmulator, type ArmEmulator } from '../toolkit/arm-emulator/index.js';
import { startAzurite } from '../toolkit/azurite.js';
import { MINUTE_MS, vmId } from './fleet.js';
import { deallocatedVms } from './host-fanout.js';
import { numberKnob } from './knobs.js';
import { startBenchHost } from './local-host.js';
import { load } from './machine.js';
import { elapsedInMs, percentile } from './stats.js';

/** Registration must be done this long before the due minute, or we aim at the minute after. */
const LATENCY_LEAD_MS = 20_000;
const LATENCY_BOUND_MS = 3 * MINUTE_MS;

export interface LatencyResult {
  targets: number;
  due: string;
  registrationInMs: number;
  posts: number;
  succeeded: number;
  throttled: number;
  calledVms: number;
  minInMs?: number;
  p50InMs?: number;
  p90InMs?: number;
  p99InMs?: number;
  maxInMs?: number;
  load: string;
}

export async function runLatencyBench({
  targets = numberKnob('BENCH_LATENCY_TARGETS', 100),
} = {}): Promise<LatencyResult> {
  const stops: (() => Promise<void>)[] = [];
  try {
    // As `npm start` (toolkit/main.ts) does, on free ports: Azurite, the emulator, the host with the timer
    // driver and the queue pollers, and a gateway pointed at the emulator.
    const azurite = await startAzurite({ ports: 'free' });
    stops.push(() => azurite.stop());
    const emulator = await startArmEmulator({ transitionDurationsInMs: 20_000 });
    stops.push(() => emulator.close());
    const host = await startBenchHost({
      env: { AzureWebJobsStorage: azurite.connectionString },
      emulatorUrl: emulator.url,
      certificatePem: emulator.certificatePem,
    });
    stops.push(() => host.close());

    const ids = Array.from({ length: targets }, (_, i) => vmId(i));
    for (const id of ids) emulator.addVirtualMachine(id, { powerState: 'running' });
    let due = Math.ceil((Date.now() + 1) / MINUTE_MS) * MINUTE_MS;
    if (due - Date.now() < LATENCY_LEAD_MS) due += MINUTE_MS;
    const registrationStarted = process.hrtime.bigint();
    await registerOverHttp(host.baseUrl, ids, due);
    const registrationInMs = elapsedInMs(registrationStarted);
    if (Date.now() >= due) throw new Error('bench: registration ran past the due minute');

    while (Date.now() < due + LATENCY_BOUND_MS && deallocatedVms(emulator.requests) < targets) {
      await sleep(250);
    }
    return {
      targets,
      due: new Date(due).toISOString(),
      registrationInMs,
      ...delays(emulator, due),
      load: load(),
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

/** Registers each VM and gives it one cron entry at `due`, over HTTP as a person would. */
async function registerOverHttp(baseUrl: string, ids: string[], due: number): Promise<void> {
  const d = new Date(due);
  const schedules = JSON.stringify({
    computeStartStop: [
      {
        triggerType: 'Cron',
        action: 'Stop',
        status: 'Enabled',
        cron: { expression: `${d.getUTCMinutes()} ${d.getUTCHours()} * * *`, timeZone: 'UTC' },
      },
    ],
  });
  await forEachLimited(ids, 8, async (resourceId) => {
    const created = await fetch(`${baseUrl}/targets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceId }),
    });
    if (created.status >= 300) throw new Error(`bench: registration refused (${created.status})`);
    const { id } = (await created.json()) as { id: string };
    const put = await fetch(`${baseUrl}/targets/${id}/schedules`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: schedules,
    });
    if (put.status >= 300) throw new Error(`bench: schedule refused (${put.status}): ${await put.text()}`);
  });
}

/** The emulator's deallocate POSTs and each successful one's arrival after `due`. */
function delays(emulator: ArmEmulator, due: number) {
  const posts = emulator.requests.filter((r) => r.method === 'POST' && /\/deallocate$/i.test(r.path));
  const ok = posts.filter((r) => r.status >= 200 && r.status < 300);
  const sorted = ok.map((r) => r.at - due).sort((a, b) => a - b);
  return {
    posts: posts.length,
    succeeded: ok.length,
    throttled: posts.filter((r) => r.status === 429).length,
    calledVms: new Set(ok.map((r) => r.path.toLowerCase())).size,
    minInMs: sorted[0],
    p50InMs: percentile(sorted, 50),
    p90InMs: percentile(sorted, 90),
    p99InMs: percentile(sorted, 99),
    maxInMs: sorted.at(-1),
  };
}

export function printLatencyBench(r: LatencyResult): void {
  console.log(
    `\n## Delay from due instant to ARM call: ${r.targets} targets due at ${r.due}, real clock, local host as \`npm start\` runs it\n`,
  );
  console.log(
    '| targets | action POSTs (2xx / 429) | VMs called | min s | p50 s | p90 s | p99 s | max s | registration s | load (1/5/15 min) |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  const s = (v: number | undefined) => (v === undefined ? '—' : (v / 1000).toFixed(2));
  console.log(
    `| ${r.targets} | ${r.posts} (${r.succeeded} / ${r.throttled}) | ${r.calledVms} | ${s(r.minInMs)} | ${s(r.p50InMs)} | ${s(r.p90InMs)} | ` +
      `${s(r.p99InMs)} | ${s(r.maxInMs)} | ${(r.registrationInMs / 1000).toFixed(1)} | ${r.load} |`,
  );
  console.log(
    '\nAzurite, the ARM emulator (documented throttling, 20 s transitions) and the local host (HTTP on a free port, ' +
      'timer driver, queue pollers, gateway over the real SDK clients) start here. The targets are registered over ' +
      'HTTP with one cron entry at the next whole UTC minute at least 20 s away; the delay of each VM is the ' +
      "emulator's arrival time of its `deallocate` POST minus that minute (nearest-rank percentiles). It includes " +
      'the timer firing at second 0, the tick, the queue poll and the state read before the call. Bounded at 3 minutes.',
  );
}
