// host.json and the code that must agree with it: the executor's last delivery and the local host's queue
// driver take their figures from QUEUE_HOST_SETTINGS, so host.json must say the same.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { QUEUE_HOST_SETTINGS, resolveExecuteOptions } from '../../src/engine/options.js';

interface HostJson {
  extensions: {
    queues: {
      batchSize: number;
      maxDequeueCount: number;
      visibilityTimeout: string;
      messageEncoding: string;
    };
  };
}

/** host.json's TimeSpan form, hh:mm:ss, in milliseconds. */
function timeSpanInMs(value: string): number {
  const match = /^(\d{2}):(\d{2}):(\d{2})$/.exec(value);
  if (!match) throw new Error(`'${value}' is not hh:mm:ss`);
  const [, hours, minutes, seconds] = match.map(Number) as [number, number, number, number];
  return ((hours * 60 + minutes) * 60 + seconds) * 1000;
}

describe('host.json', () => {
  const host = JSON.parse(readFileSync(new URL('../../host.json', import.meta.url), 'utf8')) as HostJson;

  it('configures the queues as the code expects', () => {
    expect(host.extensions.queues.batchSize).toBe(QUEUE_HOST_SETTINGS.batchSize);
    expect(host.extensions.queues.maxDequeueCount).toBe(QUEUE_HOST_SETTINGS.maxDequeueCount);
    expect(resolveExecuteOptions().maxDequeueCount).toBe(host.extensions.queues.maxDequeueCount);
    // The queue messages the app sends are base64 (StorageActionQueue); the trigger must decode them so.
    expect(host.extensions.queues.messageEncoding).toBe('base64');
  });

  it('waits before redelivering a message whose function threw, as the local host does', () => {
    const delayInMs = timeSpanInMs(host.extensions.queues.visibilityTimeout);
    expect(delayInMs).toBe(QUEUE_HOST_SETTINGS.visibilityTimeoutInMs);
    // Not at once: five immediate deliveries would poison a message within seconds of a passing fault.
    expect(delayInMs).toBeGreaterThanOrEqual(30_000);
  });
});
