// The warning timer: at second 30 of every minute (UTC), half a minute after the tick, posts the warnings
// of stops that are their lead time away (src/engine/warn-before-stops.ts) and logs what it sent.

import type { InvocationContext, Timer, TimerHandler } from '@azure/functions';
import { warnBeforeStops, type WarnDependencies } from '../engine/warn-before-stops.js';
import type { Dependencies } from './dependencies.js';
import type { FunctionDefinition } from './registry.js';

/** The warning use case's dependencies: the app's, with the signing key and public URL when configured. */
function warningDependencies(deps: Dependencies): WarnDependencies {
  const { warningSigningKey, publicUrl } = deps.config;
  return {
    store: deps.store,
    clock: deps.clock,
    webhooks: deps.webhooks,
    ...(warningSigningKey ? { signingKey: warningSigningKey } : {}),
    ...(publicUrl ? { publicUrl } : {}),
    ...(deps.warnOptions ? { options: deps.warnOptions } : {}),
  };
}

export function warnHandler(deps: Dependencies): TimerHandler {
  return async (_timer: Timer, context: InvocationContext) => {
    const sent = await warnBeforeStops(warningDependencies(deps));
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
