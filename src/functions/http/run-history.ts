// HTTP functions for a target's run history: its runs, newest first, and (for admins) its registrations.

import type { HttpHandler } from '@azure/functions';
import { runJson, targetPath } from '../../api-contract/representations.js';
import { listRegistrations, listRuns } from '../../engine/run-history.js';
import { formatInstant } from '../../schedule/index.js';
import type { Dependencies } from '../dependencies.js';
import { apiHandler, jsonResponse } from './pipeline.js';

export function runHistoryHandlers(deps: Dependencies) {
  const useCaseDeps = { targets: deps.store.targets, runs: deps.store.runs };
  return {
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
