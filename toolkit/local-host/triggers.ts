// Host extensions that drive the registry's non-HTTP functions locally: every timer on the real clock and
// every queue function by polling, with host.json's settings (batch 16, maxDequeueCount 5, a minute between
// deliveries of a message whose function threw).

import { QUEUE_HOST_SETTINGS } from '../../src/engine/options.js';
import { hasTrigger } from '../../src/functions/registry.js';
import type { LocalHostExtension } from './host.js';
import { QueuePoller } from './queue-poller.js';
import { startTimers } from './timer-driver.js';

export const timerDriver: LocalHostExtension = {
  name: 'timers',
  start({ registry, log }) {
    const timers = registry.filter((d) => hasTrigger(d, 'timer'));
    return Promise.resolve(startTimers(timers, log));
  },
};

export const queuePollers: LocalHostExtension = {
  name: 'queues',
  start({ registry, deps, log }) {
    const pollers = registry
      .filter((d) => hasTrigger(d, 'queue'))
      .map(
        (definition) =>
          new QueuePoller({
            service: deps.storage.queueService,
            definition,
            log,
            retryDelayInSeconds: QUEUE_HOST_SETTINGS.visibilityTimeoutInMs / 1000,
          }),
      );
    for (const poller of pollers) poller.start();
    return Promise.resolve({
      async stop() {
        await Promise.all(pollers.map((p) => p.stop()));
      },
    });
  },
};
