// HTTP functions for manual actions (start, stop, restart now) and a target's run history.

import type { HttpHandler } from '@azure/functions';
import type { RequestedAction } from '../../engine/action-message.js';
import { requestAction } from '../../engine/manual-actions.js';
import { listRegistrations, listRuns } from '../../engine/run-history.js';
import { InvalidRequestError } from '../../errors.js';
import { runJson, targetPath } from '../../api-contract/representations.js';
import { formatInstant } from '../../schedule/index.js';
import type { Dependencies } from '../dependencies.js';
import { apiHandler, jsonResponse } from './pipeline.js';

// A Map, not an object literal: `constructor` or `__proto__` in the URL must not find Object.prototype's.
const ACTIONS = new Map<string, RequestedAction>([
  ['start', 'Start'],
  ['stop', 'Stop'],
  ['restart', 'Restart'],
]);

export function actionHandlers(deps: Dependencies) {
  const useCaseDeps = {
    targets: deps.store.targets,
    runs: deps.store.runs,
    clock: deps.clock,
    get actions() {
      return deps.actions;
    },
  };
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
      const runs = `${targetPath(accepted.target.id)}/runs`;
      return jsonResponse(
        202,
        {
          targetId: accepted.target.id,
          runId: String(accepted.occurrenceAt),
          action: accepted.action,
          occurrence: formatInstant(accepted.occurrenceAt),
          outcome: 'pending',
          links: { runs },
        },
        { Location: new URL(runs, request.url).href },
      );
    }),
    listRuns: apiHandler(deps, 'listRuns', async ({ principal, targetId, parameters, request }) => {
      const { continuationToken, maxPageSize, registration } = parameters;
      const { history, page } = await listRuns(useCaseDeps, principal, targetId, {
        ...(typeof continuationToken === 'string' ? { continuationToken } : {}),
        ...(typeof maxPageSize === 'number' ? { maxPageSize } : {}),
        ...(typeof registration === 'string' ? { registration } : {}),
      });
      let nextLink: string | undefined;
      if (page.continuationToken) {
        const next = new URL(request.url);
        next.searchParams.delete('code');
        next.searchParams.set('continuationToken', page.continuationToken);
        nextLink = next.href;
      }
      return jsonResponse(200, {
        ...(history.registration ? { registration: history.registration } : {}),
        value: page.items.map(runJson),
        ...(page.continuationToken ? { continuationToken: page.continuationToken, nextLink } : {}),
      });
    }),
    listRegistrations: apiHandler(deps, 'listRegistrations', async ({ principal, targetId }) => {
      const { current, histories } = await listRegistrations(useCaseDeps, principal, targetId);
      const runs = `${targetPath(targetId)}/runs`;
      return jsonResponse(200, {
        ...(current ? { current } : {}),
        value: histories.map((h) => ({
          ...(h.registration ? { registration: h.registration } : {}),
          latestAction: h.latestAction,
          latestAt: formatInstant(h.latestAt),
          links: { runs: h.registration ? `${runs}?registration=${h.registration}` : runs },
        })),
      });
    }),
  } satisfies Record<string, HttpHandler>;
}
