// HTTP functions for manual actions: start, stop or restart a target now.

import type { HttpHandler } from '@azure/functions';
import type { RequestedAction } from '../../engine/action-message.js';
import { requestAction } from '../../engine/manual-actions.js';
import { InvalidRequestError } from '../../errors.js';
import type { Dependencies } from '../dependencies.js';
import { apiHandler, queuedRunDependencies, queuedRunResponse } from './pipeline.js';

// A Map, not an object literal: `constructor` or `__proto__` in the URL must not find Object.prototype's.
const ACTIONS = new Map<string, RequestedAction>([
  ['start', 'Start'],
  ['stop', 'Stop'],
  ['restart', 'Restart'],
]);

/**
 * What asking for an action on a target needs: a person's start, stop or restart, and an override or a
 * snooze (each one such request, plus the target's controls and schedule).
 */
export function actionRequestDependencies(deps: Dependencies) {
  // Object.assign onto the queued run's dependencies keeps their getters.
  return Object.assign(queuedRunDependencies(deps), {
    controls: deps.store.controls,
    schedules: deps.store.schedules,
  });
}

export function actionHandlers(deps: Dependencies) {
  const useCaseDeps = actionRequestDependencies(deps);
  return {
    requestAction: apiHandler(deps, 'requestAction', async ({ principal, targetId, request }) => {
      const name = (request.params.action ?? '').toLowerCase();
      const action = ACTIONS.get(name);
      if (!action) {
        throw new InvalidRequestError(`"${name}" is not an action; use start, stop or restart.`, [
          { parameter: 'action', reason: 'must be start, stop or restart' },
        ]);
      }
      const accepted = await requestAction(useCaseDeps, principal, targetId, action);
      return queuedRunResponse(request, {
        targetId: accepted.target.id,
        occurrenceAt: accepted.occurrenceAt,
        action: accepted.action,
      });
    }),
  } satisfies Record<string, HttpHandler>;
}
