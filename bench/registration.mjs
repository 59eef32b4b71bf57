// Bench: registration over HTTP against the local host (autocannon: throughput, p50/p99 latency): new
// targets, the same target again, and a schedule PUT (Azure ML's JSON, two entries, so two due rows each).
// The due index read is in due-read.mjs.
//
// Runs against the build (dist/) and its own in-memory Azurite on free ports: `npm run build` first.
// Usage: node bench/registration.mjs

import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { readConfig } from '../dist/config.js';
import { startAzurite } from '../dist/local/azurite.js';
import { startLocalHost } from '../dist/local/host/host.js';
import { DEFAULT_LOCAL_PRINCIPAL } from '../dist/local/host/principal.js';
import { targetIdFor } from '../dist/store/keys.js';

const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
/** The schedule from DESIGN.md, as Azure ML's ARM examples write it. */
const SCHEDULE = JSON.stringify({
  computeStartStop: [
    {
      triggerType: 'Cron',
      action: 'Stop',
      status: 'Enabled',
      cron: {
        expression: '0 18 * * 1-5',
        timeZone: 'Pacific Standard Time',
        startTime: '2026-01-05T00:00:00',
      },
    },
    {
      triggerType: 'Recurrence',
      action: 'Start',
      status: 'Enabled',
      recurrence: {
        frequency: 'Week',
        interval: 1,
        timeZone: 'W. Europe Standard Time',
        schedule: { hours: [8], minutes: [0], weekDays: ['Monday', 'Friday'] },
      },
    },
  ],
});

function configFor(connectionString) {
  return readConfig({
    AzureWebJobsStorage: connectionString,
    SCHEDULER_TRUST_PRINCIPAL_HEADER: 'true',
    SCHEDULER_STORAGE_PREFIX: `b${randomBytes(4).toString('hex')}`,
  });
}

function vmId(name) {
  return `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-bench/providers/Microsoft.Compute/virtualMachines/${name}`;
}

/** POST /api/targets with a new VM per request, the same VM again, then a schedule PUT per registered target. */
export async function runRegistrationBench({ durationInSeconds = 10, connections = 16 } = {}) {
  const azurite = await startAzurite({ ports: 'free' });
  const host = await startLocalHost({
    config: configFor(azurite.connectionString),
    port: 0,
    principal: DEFAULT_LOCAL_PRINCIPAL,
  });
  try {
    let next = 0;
    const register = await autocannon({
      url: `${host.baseUrl}/targets`,
      connections,
      duration: durationInSeconds,
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
    const again = await autocannon({
      url: `${host.baseUrl}/targets`,
      connections,
      duration: durationInSeconds,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceId: vmId('vm-0') }),
    });
    // Requests still in flight when the run ended may not have registered their VM: leave them out.
    const registered = Math.max(1, next - 2 * connections);
    let scheduled = 0;
    const schedule = await autocannon({
      url: `${host.baseUrl}/targets`,
      connections,
      duration: durationInSeconds,
      requests: [
        {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: SCHEDULE,
          setupRequest: (request) => ({
            ...request,
            path: `${new URL(host.baseUrl).pathname}/targets/${targetIdFor(vmId(`vm-${scheduled++ % registered}`))}/schedules`,
          }),
        },
      ],
    });
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

function summarize(label, result) {
  return {
    label,
    requestsPerSecond: result.requests.average,
    p50InMs: result.latency.p50,
    p99InMs: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

export function printRegistrationBench(rows) {
  console.log('\n## Registration over HTTP (local host, Azurite in memory)\n');
  console.log('| request | req/s | p50 ms | p99 ms | non-2xx | errors |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.label} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50InMs} | ${r.p99InMs} | ${r.non2xx} | ${r.errors} |`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) printRegistrationBench(await runRegistrationBench());
