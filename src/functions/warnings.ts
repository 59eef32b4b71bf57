// The warning timer: at second 30 of every minute (UTC), half a minute after the tick, posts the warnings
// of stops that are their lead time away (src/engine/warn-before-stops.ts) and logs what it sent.

import type { InvocationContext, Timer, TimerHandler } from '@azure/functions';
import { warnBeforeStops } from '../engine/warn-before-stops.js';
import type { Dependencies } from './dependencies.js';
import type { FunctionDefinition } from './registry.js';

export function warnHandler(deps: Dependencies): TimerHandler {
  return async (_timer: Timer, context: InvocationContext) => {
    const sent = await warnBeforeStops({
      store: deps.store,
      clock: deps.clock,
      webhooks: deps.webhooks,
      ...(deps.config.warningSigningKey ? { signingKey: deps.config.warningSigningKey } : {}),
      ...(deps.config.publicUrl ? { publicUrl: deps.config.publicUrl } : {}),
      ...(deps.warnOptions ? { options: deps.warnOptions } : {}),
    });
    for (const warning of sent) {
      const message = `warning of the stop of ${warning.targetId} at ${new Date(warning.stopAt).toISOString()}: ${warning.outcome} after ${warning.attempts} attempt(s)`;
      if (warning.outcome === 'succeeded') context.log(message);
      else context.warn(message);
    }
  };
}

export function warningFunctions(deps: Dependencies): FunctionDefinition[] {
  return [
    {
      name: 'warnBeforeStops',
      trigger: { type: 'timer', schedule: '30 * * * * *' },
      handler: warnHandler(deps),
    },
  ];
}
