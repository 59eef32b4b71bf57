// host.json and the code that must agree with it: the executor's last delivery and the local host's queue
// driver take their figures from QUEUE_HOST_SETTINGS, so host.json must say the same.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { QUEUE_HOST_SETTINGS, resolveExecuteOptions } from '../../src/engine/options.js';

describe('host.json', () => {
  const host = JSON.parse(readFileSync(new URL('../../host.json', import.meta.url), 'utf8')) as {
    extensions: { queues: { batchSize: number; maxDequeueCount: number } };
  };

  it('configures the queues as the code expects', () => {
    expect(host.extensions.queues.batchSize).toBe(QUEUE_HOST_SETTINGS.batchSize);
    expect(host.extensions.queues.maxDequeueCount).toBe(QUEUE_HOST_SETTINGS.maxDequeueCount);
    expect(resolveExecuteOptions().maxDequeueCount).toBe(host.extensions.queues.maxDequeueCount);
  });
});
