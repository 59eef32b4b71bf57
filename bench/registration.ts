// Bench: registration over HTTP against the local host (autocannon: throughput, p50/p99 latency): new
// targets, the same target again, and a schedule PUT (Azure ML's JSON, two entries, so two due rows each).
// The host is wired as `npm start` wires it: the permission check asks the local ARM emulator, on the
// caller's behalf, whether they may start and stop each machine, so every VM is created in the emulator
// just before it is registered. The emulator does not throttle here: in Azure, ARM's read limit (a bucket
// of 250, 25 a second, per caller and subscription) is what bounds one caller, and this figure is the
// host's. Its clock stands still: it only answers the permissions API, and on a moving clock every request
// settles its whole fleet (thousands of VMs by the end), which would cost this process more than the host.
// Storage calls are counted by the storage clients' counting policy, per answered request.
// Each case runs 10 s; `BENCH_REGISTRATION_SECONDS=2` shorter.

import { randomBytes } from 'node:crypto';
import https from 'node:https';
import autocannon, { type Options, type Result } from 'autocannon';
import { ManualClock } from '../src/clock.js';
import { readConfig } from '../src/config.js';
import { schemas } from '../src/api-contract/schemas.js';
import { startArmEmulator, type ArmEmulator } from '../toolkit/arm-emulator/index.js';
import { startAzurite } from '../toolkit/azurite.js';
import { startLocalHost } from '../toolkit/local-host/host.js';
import { localPermissionCheck } from '../toolkit/local-host/permissions.js';
import { DEFAULT_LOCAL_PRINCIPAL } from '../toolkit/local-host/principal.js';
import { targetIdFor } from '../src/store/keys.js';
import { storageCalls, totalCalls, type StorageOperation } from '../src/store/storage-calls.js';
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
  /** Storage calls per answered request, by operation. */
  storageCallsPerRequest: Record<StorageOperation, number>;
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
  const emulator = await startArmEmulator({
    clock: new ManualClock(Date.now()),
    transitionDurationsInMs: 0,
    throttling: false,
  });
  const agent = new https.Agent({ ca: emulator.certificatePem, keepAlive: true });
  const host = await startLocalHost({
    config: readConfig({
      AzureWebJobsStorage: azurite.connectionString,
      SCHEDULER_TRUST_PRINCIPAL_HEADER: 'true',
      SCHEDULER_STORAGE_PREFIX: `b${randomBytes(4).toString('hex')}`,
    }),
    port: 0,
    principal: DEFAULT_LOCAL_PRINCIPAL,
    overrides: { permissions: localPermissionCheck(emulator.url, agent) },
  });
  try {
    const run = { url: `${host.baseUrl}/targets`, connections, duration: durationInSeconds };
    const register = await counted('register new VM (201)', () => registerNewVms(run, emulator));
    const again = await counted('register again (200)', () =>
      autocannon({
        ...run,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ resourceId: vmId('vm-0') }),
      }),
    );
    const registered = Math.max(1, register.requests - 2 * connections);
    const schedule = await counted('PUT schedules, 2 entries (200)', () =>
      putSchedules(run, new URL(host.baseUrl).pathname, registered),
    );
    return [register, again, schedule];
  } finally {
    await host.close();
    agent.destroy();
    await emulator.close();
    await azurite.stop();
  }
}

/** Runs one case and counts the storage calls made meanwhile, per answered request. */
async function counted(
  label: string,
  run: () => Promise<Result>,
): Promise<RegistrationRow & { requests: number }> {
  const before = storageCalls.snapshot();
  const result = await run();
  const calls = storageCalls.since(before);
  const answered = Math.max(1, result.requests.total);
  const perRequest = Object.fromEntries(
    Object.entries(calls).map(([operation, n]) => [operation, n / answered]),
  );
  return { ...summarize(label, result, perRequest), requests: result.requests.total };
}

type Run = Pick<Options, 'url' | 'connections' | 'duration'>;

/**
 * A new VM per request, created in the emulator just before it is registered. VMs `vm-0`… are registered in
 * order; requests still in flight when the run ends may not have registered theirs (the caller leaves two
 * per connection out).
 */
function registerNewVms(run: Run, emulator: ArmEmulator): Promise<Result> {
  let next = 0;
  return autocannon({
    ...run,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => {
          const resourceId = vmId(`vm-${next++}`);
          emulator.addVirtualMachine(resourceId);
          return { ...request, body: JSON.stringify({ resourceId }) };
        },
      },
    ],
  });
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

function summarize(
  label: string,
  result: Result,
  storageCallsPerRequest: Record<StorageOperation, number>,
): RegistrationRow {
  return {
    label,
    requestsPerSecond: result.requests.average,
    p50InMs: result.latency.p50,
    p99InMs: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    storageCallsPerRequest,
  };
}

export function printRegistrationBench(rows: RegistrationRow[]): void {
  console.log('\n## Registration over HTTP (local host, Azurite in memory)\n');
  console.log('| request | req/s | p50 ms | p99 ms | non-2xx | errors | storage calls per request |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    const calls = r.storageCallsPerRequest;
    const byOperation = Object.entries(calls)
      .map(([operation, n]) => `${operation} ${n.toFixed(2)}`)
      .join(', ');
    console.log(
      `| ${r.label} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50InMs} | ${r.p99InMs} | ${r.non2xx} | ${r.errors} | ` +
        `${totalCalls(calls).toFixed(2)}: ${byOperation} |`,
    );
  }
}
