// The local queue driver behaves as the Functions host does: decoded bodies, trigger metadata, delete on
// success, retry on failure, `<queue>-poison` after maxDequeueCount, and redelivery after a host crash.

import { describe, expect, it } from 'vitest';
import type { InvocationContext } from '@azure/functions';
import type { DefinitionOf } from '../../../src/functions/registry.js';
import { HostCrash, QueuePoller } from '../../../toolkit/local-host/queue-poller.js';
import { freshStorage } from '../../support/storage.js';

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');

async function setUp(handler: (entry: unknown, context: InvocationContext) => Promise<void>) {
  const { clients } = await freshStorage();
  const queueName = clients.names.queues.actions;
  const definition: DefinitionOf<'queue'> = {
    name: 'execute',
    trigger: { type: 'queue', queueName, connection: 'AzureWebJobsStorage' },
    handler,
  };
  const queue = clients.queueService.getQueueClient(queueName);
  const poison = clients.queueService.getQueueClient(`${queueName}-poison`);
  return { clients, definition, queue, poison };
}

describe('the local queue driver', () => {
  it('hands the handler the decoded JSON body with its id and dequeue count, and deletes it on success', async () => {
    const seen: { entry: unknown; id: unknown; dequeueCount: unknown }[] = [];
    const { clients, definition, queue } = await setUp((entry, context) => {
      seen.push({
        entry,
        id: context.triggerMetadata?.id,
        dequeueCount: context.triggerMetadata?.dequeueCount,
      });
      return Promise.resolve();
    });
    const sent = await queue.sendMessage(encode({ hello: 'world' }));
    const poller = new QueuePoller({ service: clients.queueService, definition, log: () => undefined });
    expect(await poller.pollOnce()).toBe(1);
    expect(seen).toEqual([{ entry: { hello: 'world' }, id: sent.messageId, dequeueCount: 1 }]);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
  });

  it('retries a failing message at once and moves it to the poison queue after five deliveries', async () => {
    let deliveries = 0;
    const { clients, definition, queue, poison } = await setUp(() => {
      deliveries++;
      return Promise.reject(new Error('boom'));
    });
    await queue.sendMessage(encode({ n: 1 }));
    const poller = new QueuePoller({ service: clients.queueService, definition, log: () => undefined });
    for (let i = 0; i < 5; i++) expect(await poller.pollOnce()).toBe(1);
    expect(await poller.pollOnce()).toBe(0);
    expect(deliveries).toBe(5);
    const poisoned = await poison.receiveMessages();
    expect(poisoned.receivedMessageItems.map((m) => m.messageText)).toEqual([encode({ n: 1 })]);
  });

  it('with a retry delay, a message whose handler threw stays invisible until it has passed', async () => {
    let deliveries = 0;
    const { clients, definition, queue } = await setUp(() => {
      deliveries++;
      return Promise.reject(new Error('boom'));
    });
    await queue.sendMessage(encode({ n: 3 }));
    const poller = new QueuePoller({
      service: clients.queueService,
      definition,
      log: () => undefined,
      retryDelayInSeconds: 60,
    });
    expect(await poller.pollOnce()).toBe(1);
    expect(await poller.pollOnce()).toBe(0);
    expect(deliveries).toBe(1);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(1);
  });

  it('after a host crash the same message comes back (same id, next dequeue count) and nothing is deleted', async () => {
    const seen: unknown[] = [];
    let crash = true;
    const { clients, definition, queue } = await setUp((_entry, context) => {
      seen.push([context.triggerMetadata?.id, context.triggerMetadata?.dequeueCount]);
      if (crash) {
        crash = false;
        return Promise.reject(new HostCrash('killed'));
      }
      return Promise.resolve();
    });
    const sent = await queue.sendMessage(encode({ n: 2 }));
    const poller = new QueuePoller({
      service: clients.queueService,
      definition,
      log: () => undefined,
      releaseAfterCrash: true,
    });
    await poller.pollOnce();
    await poller.pollOnce();
    expect(seen).toEqual([
      [sent.messageId, 1],
      [sent.messageId, 2],
    ]);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
  });

  it('keeps polling in the background, a slow invocation not holding back the next messages', async () => {
    const done: string[] = [];
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const { clients, definition, queue } = await setUp(async (entry) => {
      const { name } = entry as { name: string };
      if (name === 'slow') await slow;
      done.push(name);
    });
    const poller = new QueuePoller({
      service: clients.queueService,
      definition,
      log: () => undefined,
      batchSize: 2,
    });
    await queue.sendMessage(encode({ name: 'slow' }));
    poller.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const name of ['a', 'b', 'c']) await queue.sendMessage(encode({ name }));
    for (let i = 0; i < 50 && done.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(done.sort()).toEqual(['a', 'b', 'c']);
    release();
    await poller.stop();
    expect(done).toContain('slow');
  });
});
