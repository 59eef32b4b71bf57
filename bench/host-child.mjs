// Child process of bench/pipeline.mjs: the local host as `npm start` runs it (HTTP on a free port, the timer
// driver, the queue pollers, the gateway over the real SDK clients) against the parent's Azurite and ARM
// emulator, so that this process holds the host and nothing else. It samples its RSS until the parent says
// `stop`, then answers with its peak and an RSS timeline.
//
// Usage (from pipeline.mjs): fork('bench/host-child.mjs', [JSON.stringify({ env, emulatorUrl, certificatePem })])

import https from 'node:https';
import { ArmComputeGateway } from '../dist/compute/arm-gateway.js';
import { readConfig } from '../dist/config.js';
import { emulatorCredential } from '../dist/local/arm-emulator/index.js';
import { startLocalHost } from '../dist/local/host/host.js';
import { DEFAULT_LOCAL_PRINCIPAL } from '../dist/local/host/principal.js';
import { queuePollers, timerDriver } from '../dist/local/host/triggers.js';

const { env, emulatorUrl, certificatePem } = JSON.parse(process.argv[2] ?? '{}');
const config = readConfig({ ...env, SCHEDULER_TRUST_PRINCIPAL_HEADER: 'true' });
const agent = new https.Agent({ ca: certificatePem, keepAlive: true });
const gateway = new ArmComputeGateway({
  endpoint: emulatorUrl,
  credential: emulatorCredential({ principalId: 'compute-scheduler-local' }),
  agent,
  pollIntervalInMs: 2000,
});
const host = await startLocalHost({
  config,
  port: 0,
  principal: DEFAULT_LOCAL_PRINCIPAL,
  overrides: { gateway },
  extensions: [timerDriver, queuePollers],
});

let peak = process.memoryUsage().rss;
const timeline = [];
let lastMark = 0;
const sampler = setInterval(() => {
  const rss = process.memoryUsage().rss;
  peak = Math.max(peak, rss);
  if (Date.now() - lastMark >= 10_000) {
    lastMark = Date.now();
    timeline.push({ at: lastMark, rssKiB: Math.round(rss / 1024) });
  }
}, 100);

process.on('message', async (message) => {
  if (message !== 'stop') return;
  clearInterval(sampler);
  await host.close();
  agent.destroy();
  process.send({
    peakRssKiB: Math.round(peak / 1024),
    maxRssKiB: process.resourceUsage().maxRSS,
    cpuInMs: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
    timeline,
  });
  process.disconnect();
});
process.send('ready');
