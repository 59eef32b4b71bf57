// HTTP function for a pool's history: its capacity, serving instances and sessions over a window.

import type { HttpHandler } from '@azure/functions';
import { getPoolHistory } from '../../engine/pool-history.js';
import { formatInstant, parseInstant } from '../../schedule/index.js';
import type { Dependencies } from '../dependencies.js';
import { apiHandler, jsonResponse } from './pipeline.js';

export function poolHistoryHandlers(deps: Dependencies) {
  const useCaseDeps = { targets: deps.store.targets, poolHistory: deps.store.poolHistory, clock: deps.clock };
  return {
    getPoolHistory: apiHandler(deps, 'getPoolHistory', async ({ principal, targetId, parameters }) => {
      const { from, to } = parameters;
      // The parameter schemas let only real RFC 3339 instants through, so these cannot throw.
      const view = await getPoolHistory(useCaseDeps, principal, targetId, {
        ...(typeof from === 'string' ? { from: parseInstant(from) } : {}),
        ...(typeof to === 'string' ? { to: parseInstant(to) } : {}),
      });
      return jsonResponse(200, {
        targetId: view.target.id,
        from: formatInstant(view.from),
        to: formatInstant(view.to),
        points: view.points.map((p) => ({
          at: formatInstant(p.at),
          capacity: p.capacity,
          serving: p.serving,
          sessions: p.sessions,
        })),
      });
    }),
  } satisfies Record<string, HttpHandler>;
}
