// The `actions` and `pools` queues on Azure Queue Storage. Bodies are base64 (the Functions queue trigger's default
// messageEncoding); a retry's wait is the message's visibility timeout, so no function ever sleeps.

import { RestError, type QueueSendMessageOptions, type QueueServiceClient } from '@azure/storage-queue';
import { encodeActionEnvelope, encodeActionMessage, type ActionMessage } from '../engine/action-message.js';
import { encodePoolMessage, type PoolMessage } from '../engine/pool-message.js';
import type { ActionQueue, MessageQueue, SendOptions } from '../engine/ports.js';
import { storageCallSignal } from '../store/storage-budget.js';
import type { OperationOptions } from '../store/ports.js';

/** Queue Storage caps a message's initial invisibility at 7 days; our retries wait far less. */
const MAX_VISIBILITY_SECONDS = 7 * 24 * 3600;

/** One of the engine's queues; `encode` turns a message into the body the queue trigger decodes. */
export class StorageMessageQueue<M> implements MessageQueue<M> {
  constructor(
    private readonly service: QueueServiceClient,
    private readonly queueName: string,
    private readonly encode: (message: M) => string,
  ) {}

  async send(message: M, options: SendOptions = {}): Promise<void> {
    await this.sendText(this.encode(message), options);
  }

  /** Sends a body already encoded for the queue trigger. */
  protected async sendText(text: string, options: SendOptions): Promise<void> {
    const delay = Math.min(Math.ceil((options.visibilityDelayInMs ?? 0) / 1000), MAX_VISIBILITY_SECONDS);
    const abortSignal = options.abortSignal ?? storageCallSignal();
    await sendCreatingQueue(this.service, this.queueName, text, {
      ...(delay > 0 ? { visibilityTimeout: delay } : {}),
      // Messages must outlive any retry wait; -1 keeps them until they are handled.
      messageTimeToLive: -1,
      ...(abortSignal ? { abortSignal } : {}),
    });
  }

  async sendToPoison(message: M | string, options: OperationOptions = {}): Promise<void> {
    const body =
      typeof message === 'string' ? Buffer.from(message, 'utf8').toString('base64') : this.encode(message);
    await sendCreatingQueue(this.service, `${this.queueName}-poison`, body, {
      messageTimeToLive: -1,
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    });
  }
}

/** The `actions` queue. */
export class StorageActionQueue extends StorageMessageQueue<ActionMessage> implements ActionQueue {
  constructor(service: QueueServiceClient, queueName: string) {
    super(service, queueName, encodeActionMessage);
  }

  async sendTogether(messages: readonly ActionMessage[], options: SendOptions = {}): Promise<void> {
    // One action needs no envelope: it goes in the shape every reader of the queue has always known.
    const text = messages.length === 1 ? encodeActionMessage(messages[0]!) : encodeActionEnvelope(messages);
    await this.sendText(text, options);
  }
}

/** The `pools` queue. */
export class StoragePoolQueue extends StorageMessageQueue<PoolMessage> {
  constructor(service: QueueServiceClient, queueName: string) {
    super(service, queueName, encodePoolMessage);
  }
}

/**
 * Sends a message; should storage have lost the queue (an Azurite restarted in memory, an account
 * recreated), creates it and sends once more instead of failing every send until someone provisions again.
 */
async function sendCreatingQueue(
  service: QueueServiceClient,
  queueName: string,
  text: string,
  options: QueueSendMessageOptions,
): Promise<void> {
  const queue = service.getQueueClient(queueName);
  try {
    await queue.sendMessage(text, options);
  } catch (error) {
    if (!(error instanceof RestError && error.code === 'QueueNotFound')) throw error;
    await queue.createIfNotExists(options.abortSignal ? { abortSignal: options.abortSignal } : {});
    await queue.sendMessage(text, options);
  }
}
