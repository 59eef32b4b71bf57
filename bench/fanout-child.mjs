// Child process of bench/pipeline.mjs: one fan-out through `simulate` — N VMs spread over S subscriptions,
// all running, all stopped by one schedule at the same minute — and what it took, sent back over IPC with the
// process's peak RSS (the simulating process is the function host plus the in-process ARM emulator; Azurite
// runs in its own process and is measured apart).
//
// Usage (from pipeline.mjs): fork('bench/fanout-child.mjs', [JSON.stringify({ vms, subscriptions, ... })])

import { simulate } from '../dist/simulate/simulator.js';
import { parseScenario } from '../dist/simulate/scenario.js';

const MINUTE_MS = 60_000;
const options = JSON.parse(process.argv[2] ?? '{}');
const vms = options.vms ?? 10_000;
const subscriptionCount = options.subscriptions ?? 4;
const due = Date.parse(options.due ?? '2026-11-26T18:00:00Z');

const subscriptions = Array.from(
  { length: subscriptionCount },
  (_, i) => `${String(i + 1).padStart(8, '0')}-0000-4000-8000-00000000fa00`,
);
const vmId = (i) =>
  `/subscriptions/${subscriptions[i % subscriptionCount]}/resourceGroups/rg-team-${i % 20}/providers/Microsoft.Compute/virtualMachines/vm-${i}`;
const stop = {
  computeStartStop: [
    {
      triggerType: 'Cron',
      action: 'Stop',
      status: 'Enabled',
      cron: { expression: '0 18 * * *', timeZone: 'UTC' },
    },
  ],
};
const fleet = Array.from({ length: vms }, (_, i) => ({ resourceId: vmId(i), state: 'running' }));
const scenario = parseScenario({
  from: new Date(due - 2 * MINUTE_MS).toISOString(),
  to: new Date(due + (options.windowInMinutes ?? 30) * MINUTE_MS).toISOString(),
  fleet,
  targets: fleet.map(({ resourceId }) => ({ resourceId, schedules: stop })),
  seed: 1,
});

// RSS sampled apart while registering and while the pipeline runs (ticks, executions, calls).
const peaks = { registration: process.memoryUsage().rss, pipeline: 0 };
let phase = 'registration';
const sample = () => {
  peaks[phase] = Math.max(peaks[phase], process.memoryUsage().rss);
};
const sampler = setInterval(sample, 100);
const started = performance.now();
let registeredAt;
const result = await simulate(scenario, {
  ...(options.retryResolutionInMs ? { retryResolutionInMs: options.retryResolutionInMs } : {}),
  onProgress: () => {
    // The first progress report comes once every target is registered and the first minute begins.
    if (registeredAt === undefined) {
      sample();
      registeredAt = performance.now();
      phase = 'pipeline';
      sample();
    }
  },
});
const finished = performance.now();
sample();
clearInterval(sampler);

const ok = result.calls.filter((c) => c.status >= 200 && c.status < 300);
const lastBySubscription = {};
for (const call of ok) {
  const subscription = call.resourceId.split('/')[2].toLowerCase();
  lastBySubscription[subscription] = Math.max(
    lastBySubscription[subscription] ?? 0,
    Date.parse(call.at) - due,
  );
}
const perMinute = {};
for (const call of ok) {
  const minute = Math.floor((Date.parse(call.at) - due) / MINUTE_MS);
  perMinute[minute] = (perMinute[minute] ?? 0) + 1;
}
const summary = {
  vms,
  subscriptions: subscriptionCount,
  retryResolutionInMs: options.retryResolutionInMs ?? MINUTE_MS,
  calls: result.calls.length,
  succeededCalls: ok.length,
  distinctVmsCalled: new Set(ok.map((c) => c.resourceId.toLowerCase())).size,
  throttledCalls: result.calls.filter((c) => c.status === 429).length,
  firstCallAfterDueInMs: ok.length ? Math.min(...ok.map((c) => Date.parse(c.at) - due)) : undefined,
  lastCallAfterDueInMs: ok.length ? Math.max(...ok.map((c) => Date.parse(c.at) - due)) : undefined,
  lastBySubscription,
  perMinute,
  runs: result.runs,
  duplicates: result.duplicates,
  missed: result.missed,
  stillRunning: result.final.filter((f) => f.state !== 'deallocated' && f.state !== 'deallocating').length,
  setupAndRegistrationInMs: (registeredAt ?? finished) - started,
  pipelineInMs: finished - (registeredAt ?? finished),
  maxRssKiB: process.resourceUsage().maxRSS,
  peakRssWhileRegisteringKiB: Math.round(peaks.registration / 1024),
  peakRssDuringPipelineKiB: Math.round(peaks.pipeline / 1024),
  finalHeapUsedKiB: Math.round(process.memoryUsage().heapUsed / 1024),
};
if (process.send) process.send(summary);
else console.log(JSON.stringify(summary, null, 2));
