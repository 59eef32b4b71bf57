// Child process of bench/pipeline.mjs: the local host as `npm start` runs it (HTTP on a free port, the timer
// driver, the queue pollers, the gateway over the real SDK clients) against the parent's Azurite and ARM
// emulator, so that this process holds the host and nothing else. It samples its RSS until the parent says
// `stop`, then answers with its peak and an RSS timeline.
//
// Usage (from pipeline.mjs): fork('bench/host-child.mjs', [JSON.stringify({ env, emulatorUrl, certificatePem })])

import { startBenchHost } from './local-host.mjs';

const host = await startBenchHost(JSON.parse(process.argv[2] ?? '{}'));

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
  process.send({
    peakRssKiB: Math.round(peak / 1024),
    maxRssKiB: process.resourceUsage().maxRSS,
    cpuInMs: Math.round(cpuInMicroseconds() / 1000),
    timeline,
  });
  process.disconnect();
});
process.send('ready');

function cpuInMicroseconds() {
  const { user, system } = process.cpuUsage();
  return user + system;
}
