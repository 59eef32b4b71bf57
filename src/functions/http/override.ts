// HTTP functions for a target's override (snooze): set, read and end it.

import type { HttpHandler } from '@azure/functions';
import { endOverride, getOverride, setOverride, type OverrideRequest } from '../../engine/override.js';
import { formatInstant } from '../../schedule/index.js';
import type { Override } from '../../store/ports.js';
import type { Dependencies } from '../dependencies.js';
import { actionRequestDependencies } from './actions.js';
import { apiHandler, jsonResponse } from './pipeline.js';

export function overrideJson(targetId: string, value: Override): Record<string, unknown> {
  return {
    targetId,
    until: formatInstant(value.until),
    state: value.state,
    setAt: formatInstant(value.setAt),
    ...(value.setBy !== undefined ? { setBy: value.setBy } : {}),
  };
}

export function overrideHandlers(deps: Dependencies) {
  const useCaseDeps = actionRequestDependencies(deps);
  return {
    setOverride: apiHandler(deps, 'setOverride', async ({ principal, targetId, body }) => {
      const { target, override } = await setOverride(
        useCaseDeps,
        principal,
        targetId,
        body as OverrideRequest,
      );
      return jsonResponse(200, overrideJson(target.id, override.value));
    }),
    getOverride: apiHandler(deps, 'getOverride', async ({ principal, targetId }) => {
      const { target, override } = await getOverride(useCaseDeps, principal, targetId);
      return jsonResponse(200, overrideJson(target.id, override.value));
    }),
    endOverride: apiHandler(deps, 'endOverride', async ({ principal, targetId }) => {
      await endOverride(useCaseDeps, principal, targetId);
      return { status: 204 };
    }),
  } satisfies Record<string, HttpHandler>;
}
