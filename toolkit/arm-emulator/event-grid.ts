// Azure resource events in the Event Grid schema, delivered to a webhook the way an Event Grid
// subscription on the subscription's system topic would: one event per POST, best-effort, retried a little.

import { randomUUID } from 'node:crypto';
import type { Caller } from './caller.js';

export type ResourceEventType =
  | 'Microsoft.Resources.ResourceActionSuccess'
  | 'Microsoft.Resources.ResourceActionFailure'
  | 'Microsoft.Resources.ResourceWriteSuccess'
  | 'Microsoft.Resources.ResourceWriteFailure'
  | 'Microsoft.Resources.ResourceDeleteSuccess'
  | 'Microsoft.Resources.ResourceDeleteFailure';

export interface ResourceEventData {
  authorization: {
    scope: string;
    action: string;
    evidence: {
      role: string;
      roleAssignmentScope: string;
      roleAssignmentId: string;
      roleDefinitionId: string;
      principalId: string;
      principalType: string;
    };
  };
  claims: Record<string, string>;
  correlationId: string;
  httpRequest: { clientRequestId: string; clientIpAddress: string; method: string; url: string };
  resourceProvider: string;
  resourceUri: string;
  operationName: string;
  status: 'Succeeded' | 'Failed';
  subscriptionId: string;
  tenantId: string;
}

export interface ResourceEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: ResourceEventType;
  eventTime: string;
  data: ResourceEventData;
  dataVersion: string;
  metadataVersion: string;
}

/** What ARM knows about a finished operation when it raises the event. */
export interface FinishedOperation {
  resourceId: string;
  subscriptionId: string;
  resourceProvider: string;
  /** The permission exercised, e.g. `Microsoft.Compute/virtualMachines/start/action`. */
  operationName: string;
  category: 'action' | 'write' | 'delete';
  succeeded: boolean;
  finishedAt: number;
  caller: Caller;
  correlationId: string;
  httpMethod: string;
  url: string;
}

const EVENT_TYPES: Record<FinishedOperation['category'], [ResourceEventType, ResourceEventType]> = {
  action: ['Microsoft.Resources.ResourceActionSuccess', 'Microsoft.Resources.ResourceActionFailure'],
  write: ['Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.Resources.ResourceWriteFailure'],
  delete: ['Microsoft.Resources.ResourceDeleteSuccess', 'Microsoft.Resources.ResourceDeleteFailure'],
};

export function resourceEvent(operation: FinishedOperation): ResourceEvent {
  const [success, failure] = EVENT_TYPES[operation.category];
  const subscriptionScope = `/subscriptions/${operation.subscriptionId}`;
  return {
    id: randomUUID(),
    topic: subscriptionScope,
    subject: operation.resourceId,
    eventType: operation.succeeded ? success : failure,
    eventTime: new Date(operation.finishedAt).toISOString(),
    data: {
      authorization: {
        scope: operation.resourceId,
        action: operation.operationName,
        evidence: {
          role: 'Compute Scheduler Operator',
          roleAssignmentScope: subscriptionScope,
          roleAssignmentId: 'arm-emulator',
          roleDefinitionId: 'arm-emulator',
          principalId: operation.caller.principalId,
          principalType: operation.caller.principalType,
        },
      },
      claims: operation.caller.claims,
      correlationId: operation.correlationId,
      httpRequest: {
        clientRequestId: operation.correlationId,
        clientIpAddress: '127.0.0.1',
        method: operation.httpMethod,
        url: operation.url,
      },
      resourceProvider: operation.resourceProvider,
      resourceUri: operation.resourceId,
      operationName: operation.operationName,
      status: operation.succeeded ? 'Succeeded' : 'Failed',
      subscriptionId: operation.subscriptionId,
      tenantId: operation.caller.claims['tid'] ?? '00000000-0000-0000-0000-000000000000',
    },
    dataVersion: '2',
    metadataVersion: '1',
  };
}

export interface EventGridOptions {
  /** Where to POST events; none means events are only recorded. */
  webhookUrl?: string;
  /** Attempts per event before giving up (Event Grid keeps trying for a day; locally a few will do). Default 3. */
  maxDeliveryAttempts?: number;
  /** Real-time pause between attempts. Default 200 ms. */
  retryDelayInMs?: number;
}

export class EventGridPublisher {
  private readonly events: ResourceEvent[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failures = 0;
  private webhookUrl: string | undefined;

  constructor(private readonly options: EventGridOptions = {}) {
    this.webhookUrl = options.webhookUrl;
  }

  get published(): readonly ResourceEvent[] {
    return this.events;
  }

  /** Events whose delivery gave up after every attempt. */
  get failedDeliveries(): number {
    return this.failures;
  }

  setWebhookUrl(url: string | undefined): void {
    this.webhookUrl = url;
  }

  /** Records the event and starts delivering it; never waits and never throws. */
  publish(event: ResourceEvent): void {
    this.events.push(event);
    const url = this.webhookUrl;
    if (!url) return;
    const delivery = this.deliver(url, event).finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  /** Resolves once every delivery started so far has succeeded or given up. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private async deliver(url: string, event: ResourceEvent): Promise<void> {
    const attempts = this.options.maxDeliveryAttempts ?? 3;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'aeg-event-type': 'Notification',
            'aeg-subscription-name': 'ARM-EMULATOR',
            'aeg-delivery-count': String(attempt - 1),
            'aeg-data-version': event.dataVersion,
            'aeg-metadata-version': event.metadataVersion,
          },
          body: JSON.stringify([event]),
          signal: AbortSignal.timeout(10_000),
        });
        await response.arrayBuffer();
        if (response.ok) return;
      } catch {
        // A refused or timed-out delivery is retried like a non-2xx answer.
      }
      if (attempt < attempts)
        await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayInMs ?? 200));
    }
    this.failures++;
  }
}
