// Bench: registration over HTTP against the local host (autocannon: throughput, p50/p99 latency): new
// targets, the same target again, and a schedule PUT (Azure ML's JSON, two entries, so two due rows each).
// The host runs in a child process of its own, wired as `npm start` wires it: the permission check asks the
// local ARM emulator (here, in this process), on the caller's behalf, whether they may start and stop each
// machine, so every VM is created in the emulator just before it is registered. The emulator does not
// throttle: in Azure, ARM's read limit (a bucket of 250, 25 a second, per caller and subscription) is what
// bounds one caller, and this figure is the host's. Its clock stands still: it only answers the permissions
// API, and on a moving clock every request settles its whole fleet (thousands of VMs by the end), which would
// cost more than the host. Per answered request: the storage calls the host made (its storage clients'
// counting policy), and the CPU the host and Azurite spent.
// Each case runs 10 s; `BENCH_REGISTRATION_SECONDS=2` shorter.

import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import autocannon, { type Options, type Result } from 'autocannon';
import { ManualClock } from '../src/clock.js';
import { schemas } from '../src/api-contract/schemas.js';
import { startArmEmulator, type ArmEmulator } from '../toolkit/arm-emulator/index.js';
import { startAzurite } from '../toolkit/azurite.js';
import { targetIdFor } from '../src/store/keys.js';
import { totalCalls, type StorageOperation } from '../src/store/storage-calls.js';
import { forkChild } from './child-process.js';
import { numberKnob } from './knobs.js';
import { cpuSeconds } from './machine.js';
import type { RegistrationHostArgs, RegistrationHostMessage } from './registration-host.js';

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
  /** CPU milliseconds per answered request: the host's process, and Azurite's. */
  hostCpuInMs: number;
  azuriteCpuInMs: number;
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
  const host = await startHostChild({
    env: {
      AzureWebJobsStorage: azurite.connectionString,
      SCHEDULER_STORAGE_PREFIX: `b${randomBytes(4).toString('hex')}`,
      // The permission check registering asks ARM for: the default (role-assignments) unless the bench is
      // told otherwise, to compare with on-behalf-of in the same session.
      ...(process.env.BENCH_PERMISSION_CHECK
        ? { SCHEDULER_PERMISSION_CHECK: process.env.BENCH_PERMISSION_CHECK }
        : {}),
    },
    emulatorUrl: emulator.url,
    certificatePem: emulator.certificatePem,
  });
  try {
    const run = { url: `${host.baseUrl}/targets`, connections, duration: durationInSeconds };
    const measure = (label: string, work: () => Promise<Result>) => measured(label, work, host, azurite.pid);
    const check = process.env.BENCH_PERMISSION_CHECK ?? 'role-assignments';
    const register = await measure(`register new VM (201), ${check} check`, () =>
      registerNewVms(run, emulator),
    );
    const again = await measure('register again (200)', () =>
      autocannon({
        ...run,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ resourceId: vmId('vm-0') }),
      }),
    );
    const registered = Math.max(1, register.requests - 2 * connections);
    const schedule = await measure('PUT schedules, 2 entries (200)', () =>
      putSchedules(run, new URL(host.baseUrl).pathname, registered),
    );
    return [register, again, schedule];
  } finally {
    await host.stop();
    await emulator.close();
    await azurite.stop();
  }
}

interface HostChild {
  baseUrl: string;
  /** The storage calls the host has made so far, and its CPU time. */
  count(): Promise<{ storageCalls: Record<StorageOperation, number>; cpuInMs: number }>;
  stop(): Promise<void>;
}

/** Forks `registration-host.js` and resolves once it listens. */
async function startHostChild(args: RegistrationHostArgs): Promise<HostChild> {
  const child: ChildProcess = forkChild('./registration-host.js', args);
  const next = () =>
    new Promise<RegistrationHostMessage>((resolve, reject) => {
      const onExit = () => reject(new Error('bench: the registration host exited'));
      child.once('exit', onExit);
      child.once('message', (message) => {
        child.off('exit', onExit);
        resolve(message as RegistrationHostMessage);
      });
    });
  const ready = await next();
  if (!('baseUrl' in ready)) throw new Error('bench: the registration host did not say where it listens');
  return {
    baseUrl: ready.baseUrl,
    async count() {
      const answer = next();
      child.send('count');
      const message = await answer;
      if ('baseUrl' in message) throw new Error('bench: the registration host answered out of turn');
      return message;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}

/** Runs one case; counts the host's storage calls and the CPU of the host and Azurite, per answered request. */
async function measured(
  label: string,
  work: () => Promise<Result>,
  host: HostChild,
  azuritePid: number,
): Promise<RegistrationRow & { requests: number }> {
  const before = await host.count();
  const azuriteBefore = cpuSeconds(azuritePid) ?? Number.NaN;
  const result = await work();
  const after = await host.count();
  const azuriteAfter = cpuSeconds(azuritePid) ?? Number.NaN;
  const answered = Math.max(1, result.requests.total);
  const perRequest = Object.fromEntries(
    Object.entries(after.storageCalls)
      .map(([operation, n]): [string, number] => [
        operation,
        (n - (before.storageCalls[operation] ?? 0)) / answered,
      ])
      .filter(([, n]) => n > 0),
  );
  return {
    label,
    requestsPerSecond: result.requests.average,
    p50InMs: result.latency.p50,
    p99InMs: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    storageCallsPerRequest: perRequest,
    hostCpuInMs: (after.cpuInMs - before.cpuInMs) / answered,
    azuriteCpuInMs: ((azuriteAfter - azuriteBefore) * 1000) / answered,
    requests: result.requests.total,
  };
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

export function printRegistrationBench(rows: RegistrationRow[]): void {
  console.log('\n## Registration over HTTP (local host, Azurite in memory)\n');
  console.log(
    '| request | req/s | p50 ms | p99 ms | non-2xx | errors | CPU ms per request: host, Azurite | storage calls per request |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    const calls = r.storageCallsPerRequest;
    const byOperation = Object.entries(calls)
      .map(([operation, n]) => `${operation} ${n.toFixed(2)}`)
      .join(', ');
    console.log(
      `| ${r.label} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50InMs} | ${r.p99InMs} | ${r.non2xx} | ${r.errors} | ` +
        `${r.hostCpuInMs.toFixed(2)}, ${r.azuriteCpuInMs.toFixed(2)} | ${totalCalls(calls).toFixed(2)}: ${byOperation} |`,
    );
  }
}
