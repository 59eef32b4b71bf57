// Bench: registration over HTTP against the local host (autocannon: throughput, p50/p99 latency): new
// targets, the same target again, and a schedule PUT (Azure ML's JSON, two entries, so two due rows each).
// Each case runs 10 s; `BENCH_REGISTRATION_SECONDS=2` shorter.

import { randomBytes } from 'node:crypto';
import autocannon, { type Options, type Result } from 'autocannon';
import { readConfig } from '../src/config.js';
import { schemas } from '../src/api-contract/schemas.js';
import { startAzurite } from '../toolkit/azurite.js';
import { startLocalHost } from '../toolkit/local-host/host.js';
import { DEFAULT_LOCAL_PRINCIPAL } from '../toolkit/local-host/principal.js';
import { targetIdFor } from '../src/store/keys.js';
import { numberKnob } from './knobs.js';

const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
/** The schedule document the API documents (DESIGN.md's, as Azure ML's ARM examples write it). */
const SCHEDULE = JSON.stringify((schemas.ScheduleDocument as { examples: unknown[] }).examples[0]);

export interface RegistrationRow {
  label: string;
  requestsPerSecond: number;
  p50InMs: number;
  p99InMs: number;
  non2xx: number;
  errors: number;
}

function vmId(name: string): string {
  return `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-bench/providers/Microsoft.Compute/virtualMachines/${name}`;
}

/** POST /api/targets with a new VM per request, the same VM again, then a schedule PUT per registered target. */
export async function runRegistrationBench({
  durationInSeconds = numberKnob('BENCH_REGISTRATION_SECONDS', 10),
  connections = 16,
} = {}): Promise<RegistrationRow[]> {
  const azurite = await startAzurite({ ports: 'free' });
  const host = await startLocalHost({
    config: readConfig({
      AzureWebJobsStorage: azurite.connectionString,
      SCHEDULER_TRUST_PRINCIPAL_HEADER: 'true',
      SCHEDULER_STORAGE_PREFIX: `b${randomBytes(4).toString('hex')}`,
    }),
    port: 0,
    principal: DEFAULT_LOCAL_PRINCIPAL,
  });
  try {
    const run = { url: `${host.baseUrl}/targets`, connections, duration: durationInSeconds };
    const { result: register, registered } = await registerNewVms(run);
    const again = await autocannon({
      ...run,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceId: vmId('vm-0') }),
    });
    const schedule = await putSchedules(run, new URL(host.baseUrl).pathname, registered);
    return [
      summarize('register new VM (201)', register),
      summarize('register again (200)', again),
      summarize('PUT schedules, 2 entries (200)', schedule),
    ];
  } finally {
    await host.close();
    await azurite.stop();
  }
}

type Run = Pick<Options, 'url' | 'connections' | 'duration'>;

/** A new VM per request; resolves with how many surely got registered. */
async function registerNewVms(run: Run): Promise<{ result: Result; registered: number }> {
  let next = 0;
  const result = await autocannon({
    ...run,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({ resourceId: vmId(`vm-${next++}`) }),
        }),
      },
    ],
  });
  // Requests still in flight when the run ended may not have registered their VM: leave them out.
  return { result, registered: Math.max(1, next - 2 * (run.connections ?? 1)) };
}

/** A schedule PUT per request, round the first `registered` VMs. */
function putSchedules(run: Run, basePath: string, registered: number): Promise<Result> {
  let scheduled = 0;
  return autocannon({
    ...run,
    requests: [
      {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: SCHEDULE,
        setupRequest: (request) => ({
          ...request,
          path: `${basePath}/targets/${targetIdFor(vmId(`vm-${scheduled++ % registered}`))}/schedules`,
        }),
      },
    ],
  });
}

function summarize(label: string, result: Result): RegistrationRow {
  return {
    label,
    requestsPerSecond: result.requests.average,
    p50InMs: result.latency.p50,
    p99InMs: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

export function printRegistrationBench(rows: RegistrationRow[]): void {
  console.log('\n## Registration over HTTP (local host, Azurite in memory)\n');
  console.log('| request | req/s | p50 ms | p99 ms | non-2xx | errors |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.label} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50InMs} | ${r.p99InMs} | ${r.non2xx} | ${r.errors} |`,
    );
  }
}
