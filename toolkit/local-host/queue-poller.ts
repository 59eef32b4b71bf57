// Runs a registry's queue function the way the Functions host does: receive up to 16 messages, invoke
// the handler with the decoded body and trigger metadata, delete on success, make the message visible
// again on failure, and move it to `<queue>-poison` once it has been dequeued maxDequeueCount times.

import functions, { type LogHandler } from '@azure/functions';
import type { DequeuedMessageItem, QueueServiceClient } from '@azure/storage-queue';
import { randomUUID } from 'node:crypto';
import type { DefinitionOf } from '../../src/functions/registry.js';
import { QUEUE_HOST_SETTINGS } from '../../src/engine/options.js';

// @azure/functions is CommonJS: Node's ESM loader sees `app` as a named export, but not its classes.
const { InvocationContext } = functions;

export interface QueuePollerOptions {
  service: QueueServiceClient;
  definition: DefinitionOf<'queue'>;
  log: LogHandler;
  maxDequeueCount?: number;
  batchSize?: number;
  /** How long a received message stays hidden while its invocation runs (the host renews; we do not need to). */
  visibilityTimeoutInSeconds?: number;
  /**
   * How long a message whose handler threw stays invisible before its next delivery (host.json's
   * visibilityTimeout; the local host passes QUEUE_HOST_SETTINGS'). Default 0: tests see the retry at once.
   */
  retryDelayInSeconds?: number;
  /**
   * Called around each invocation; throwing `HostCrash` from the handler (or here) abandons the message
   * without deleting or releasing it, as a killed host would: it comes back after its visibility timeout.
   */
  beforeInvoke?: (message: DequeuedMessageItem) => void;
  /**
   * After a HostCrash, make the message visible again at once instead of after its visibility timeout: a
   * simulation on a virtual clock skips the wait, and the redelivery is what matters.
   */
  releaseAfterCrash?: boolean;
}

/** The host died mid-invocation: nothing after this point ran. */
export class HostCrash extends Error {
  override readonly name = 'HostCrash';
}

/** The trigger hands handlers a JSON body as an object, anything else as a string. */
export function decodeQueueBody(messageText: string): unknown {
  const text = Buffer.from(messageText, 'base64').toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export class QueuePoller {
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: QueuePollerOptions) {}

  get queueName(): string {
    return this.options.definition.trigger.queueName;
  }

  /** Receives one batch and runs it; resolves with how many messages were handled. */
  async pollOnce(): Promise<number> {
    const { service, definition, log } = this.options;
    const queue = service.getQueueClient(this.queueName);
    const received = await queue.receiveMessages({
      numberOfMessages: this.options.batchSize ?? QUEUE_HOST_SETTINGS.batchSize,
      visibilityTimeout: this.options.visibilityTimeoutInSeconds ?? 300,
    });
    await Promise.all(received.receivedMessageItems.map((message) => this.invoke(message)));
    if (received.receivedMessageItems.length > 0)
      log('debug', `${definition.name}: ${received.receivedMessageItems.length} messages`);
    return received.receivedMessageItems.length;
  }

  private async invoke(message: DequeuedMessageItem): Promise<void> {
    const { service, definition, log } = this.options;
    const queue = service.getQueueClient(this.queueName);
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName: definition.name,
      logHandler: log,
      triggerMetadata: {
        id: message.messageId,
        dequeueCount: message.dequeueCount,
        insertionTime: message.insertedOn.toISOString(),
        expirationTime: message.expiresOn.toISOString(),
        nextVisibleTime: message.nextVisibleOn.toISOString(),
        popReceipt: message.popReceipt,
        queueTrigger: message.messageText,
      },
    });
    try {
      this.options.beforeInvoke?.(message);
      await definition.handler(decodeQueueBody(message.messageText), context);
      await queue.deleteMessage(message.messageId, message.popReceipt);
    } catch (error) {
      if (error instanceof HostCrash) {
        if (this.options.releaseAfterCrash)
          await queue.updateMessage(message.messageId, message.popReceipt, undefined, 0);
        return;
      }
      const maxDequeueCount = this.options.maxDequeueCount ?? QUEUE_HOST_SETTINGS.maxDequeueCount;
      log(
        'error',
        `${definition.name}: delivery ${message.dequeueCount} of ${message.messageId} failed: ${String(error)}`,
      );
      if (message.dequeueCount >= maxDequeueCount) {
        await service
          .getQueueClient(`${this.queueName}-poison`)
          .sendMessage(message.messageText, { messageTimeToLive: -1 });
        await queue.deleteMessage(message.messageId, message.popReceipt);
      } else {
        // As the host does with host.json's visibilityTimeout: the next delivery waits that long.
        await queue.updateMessage(
          message.messageId,
          message.popReceipt,
          undefined,
          this.options.retryDelayInSeconds ?? 0,
        );
      }
    }
  }

  /**
   * Polls until stopped, as the host does: a new batch is fetched once half the current one is done
   * (newBatchThreshold), so one slow invocation never holds the others back; empty polls back off to 2 s.
   */
  start(): void {
    const batchSize = this.options.batchSize ?? QUEUE_HOST_SETTINGS.batchSize;
    const inFlight = new Set<Promise<void>>();
    let idleDelay = 100;
    const run = async () => {
      while (!this.stopped) {
        if (inFlight.size > batchSize / 2) {
          await Promise.race(inFlight);
          continue;
        }
        let received: DequeuedMessageItem[] = [];
        try {
          received = (
            await this.options.service.getQueueClient(this.queueName).receiveMessages({
              numberOfMessages: batchSize - inFlight.size,
              visibilityTimeout: this.options.visibilityTimeoutInSeconds ?? 300,
            })
          ).receivedMessageItems;
        } catch (error) {
          this.options.log('warning', `${this.options.definition.name}: polling failed: ${String(error)}`);
        }
        for (const message of received) {
          const invocation = this.invoke(message)
            .catch((error: unknown) =>
              this.options.log('error', `${this.options.definition.name}: ${String(error)}`),
            )
            .finally(() => inFlight.delete(invocation));
          inFlight.add(invocation);
        }
        idleDelay = received.length > 0 ? 100 : Math.min(idleDelay * 2, 2000);
        if (received.length === 0) await new Promise((resolve) => setTimeout(resolve, idleDelay));
      }
      await Promise.all(inFlight);
    };
    this.loop = run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}
