// The `actions` queue on Azure Queue Storage. Bodies are base64 (the Functions queue trigger's default
// messageEncoding); a retry's wait is the message's visibility timeout, so no function ever sleeps.

import type { QueueServiceClient } from '@azure/storage-queue';
import { encodeActionMessage, type ActionMessage } from '../engine/action-message.js';
import type { ActionQueue, SendOptions } from '../engine/ports.js';
import type { OperationOptions } from '../store/ports.js';

/** Queue Storage caps a message's initial invisibility at 7 days; our retries wait far less. */
const MAX_VISIBILITY_SECONDS = 7 * 24 * 3600;

export class StorageActionQueue implements ActionQueue {
  constructor(
    private readonly service: QueueServiceClient,
    private readonly queueName: string,
  ) {}

  async send(message: ActionMessage, options: SendOptions = {}): Promise<void> {
    const delay = Math.min(Math.ceil((options.visibilityDelayInMs ?? 0) / 1000), MAX_VISIBILITY_SECONDS);
    await this.service.getQueueClient(this.queueName).sendMessage(encodeActionMessage(message), {
      ...(delay > 0 ? { visibilityTimeout: delay } : {}),
      // Messages must outlive any retry wait; -1 keeps them until they are handled.
      messageTimeToLive: -1,
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    });
  }

  async sendToPoison(message: ActionMessage, options: OperationOptions = {}): Promise<void> {
    await this.service.getQueueClient(`${this.queueName}-poison`).sendMessage(encodeActionMessage(message), {
      messageTimeToLive: -1,
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    });
  }
}
