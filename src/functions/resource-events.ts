// The Event Grid function `resourceEvents`: Azure Resource Manager's events about the machines, from a
// subscription's or resource group's system topic, in the Event Grid schema or as CloudEvents 1.0.
// Parses each event and calls `reactToEvent`; junk is logged and dropped so Event Grid does not retry it.

import type { EventGridHandler, InvocationContext } from '@azure/functions';
import { reactToEvent } from '../engine/react-to-event.js';
import { eventItems, readResourceEvent } from '../engine/resource-event.js';
import type { Dependencies } from './dependencies.js';
import type { FunctionDefinition } from './registry.js';

export const RESOURCE_EVENTS_FUNCTION = 'resourceEvents';

export function resourceEventsHandler(deps: Dependencies): EventGridHandler {
  const reactionDeps = {
    store: deps.store,
    clock: deps.clock,
    identityIds: deps.config.identityIds,
    get actions() {
      return deps.actions;
    },
    get gateway() {
      return deps.gateway;
    },
  };
  // The host hands one event per invocation; a batch (the local webhook, CloudEvents batches) works too.
  return async (delivered: unknown, context: InvocationContext) => {
    for (const item of eventItems(delivered)) {
      const read = readResourceEvent(item);
      if (read.kind === 'malformed') {
        // Retrying cannot make it readable: drop it, so Event Grid does not redeliver it for a day.
        context.warn(`resource event ${read.id ?? '(no id)'} dropped: ${read.reason}`);
        continue;
      }
      if (read.kind === 'ignored') continue;
      const { event } = read;
      const result = await reactToEvent(reactionDeps, event);
      if (result.reaction !== 'ignored' && result.reaction !== 'duplicate') {
        context.log(
          `${event.category} ${event.status} ${event.resourceId} by ${event.caller.display}: ${result.reaction}` +
            (result.detail ? ` (${result.detail})` : ''),
        );
      }
    }
  };
}

export function resourceEventFunctions(deps: Dependencies): FunctionDefinition[] {
  return [
    {
      name: RESOURCE_EVENTS_FUNCTION,
      trigger: { type: 'eventGrid' },
      handler: resourceEventsHandler(deps),
    },
  ];
}
