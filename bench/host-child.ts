// Child process of the fan-out bench: the local host as `npm start` runs it (HTTP on a free port, the timer
// driver, the queue pollers, the gateway over the real SDK clients) against the parent's Azurite and ARM
// emulator, so that this process holds the host and nothing else. It samples its RSS until the parent says
// `stop`, then answers with its peak and an RSS timeline.

import { childArgs } from './child-process.js';
import { startBenchHost, type BenchHostOptions } from './local-host.js';
import { cpuInMicroseconds } from './machine.js';

export interface HostChildResult {
  peakRssKiB: number;
  maxRssKiB: number;
  cpuInMs: number;
  /** RSS every 10 s. */
  timeline: { at: number; rssKiB: number }[];
}

const host = await startBenchHost(childArgs<BenchHostOptions>());

let peak = process.memoryUsage().rss;
const timeline: HostChildResult['timeline'] = [];
let lastMark = 0;
const sampler = setInterval(() => {
  const rss = process.memoryUsage().rss;
  peak = Math.max(peak, rss);
  if (Date.now() - lastMark >= 10_000) {
    lastMark = Date.now();
    timeline.push({ at: lastMark, rssKiB: Math.round(rss / 1024) });
  }
}, 100);

process.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(sampler);
  void host.close().then(() => {
    const result: HostChildResult = {
      peakRssKiB: Math.round(peak / 1024),
      maxRssKiB: process.resourceUsage().maxRSS,
      cpuInMs: Math.round(cpuInMicroseconds() / 1000),
      timeline,
    };
    process.send?.(result);
    process.disconnect();
  });
});
process.send?.('ready');
