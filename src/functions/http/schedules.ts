// HTTP functions for schedules: replace and read (with ETags), the timeline, and the stateless preview.

import type { HttpHandler } from '@azure/functions';
import { getSchedules, putSchedules } from '../../engine/register-schedules.js';
import { getTimeline, previewSchedules } from '../../engine/timeline.js';
import { expandedEntriesJson, schedulesJson, timelineJson } from '../../api-contract/representations.js';
import { entityTags, quoteEtag, type ParameterValues } from '../../api-contract/request.js';
import type { Dependencies } from '../dependencies.js';
import { overrideJson } from './override.js';
import { apiHandler, jsonResponse } from './pipeline.js';
import { getTarget } from '../../engine/register-targets.js';
import { parseInstant } from '../../schedule/index.js';

export function scheduleHandlers(deps: Dependencies) {
  const useCaseDeps = {
    targets: deps.store.targets,
    schedules: deps.store.schedules,
    clock: deps.clock,
    maxScheduleEntries: deps.config.maxScheduleEntries,
  };
  return {
    putSchedules: apiHandler(deps, 'putSchedules', async ({ principal, targetId, body, request }) => {
      const target = await getTarget(useCaseDeps, principal, targetId);
      await deps.permissions.assertMayStartAndStop({ principal, headers: request.headers }, target);
      const ifMatch = entityTags(request.headers.get('if-match'));
      const view = await putSchedules(useCaseDeps, principal, targetId, body, ifMatch ? { ifMatch } : {});
      return jsonResponse(200, schedulesJson(view), { ETag: quoteEtag(view.schedule.revision) });
    }),
    getSchedules: apiHandler(deps, 'getSchedules', async ({ principal, targetId, request }) => {
      const view = await getSchedules(useCaseDeps, principal, targetId);
      const etag = quoteEtag(view.schedule.revision);
      const ifNoneMatch = entityTags(request.headers.get('if-none-match'));
      if (ifNoneMatch === '*' || ifNoneMatch?.includes(view.schedule.revision)) {
        return { status: 304, headers: { ETag: etag } };
      }
      return jsonResponse(200, schedulesJson(view), { ETag: etag });
    }),
    getTimeline: apiHandler(deps, 'getTimeline', async ({ principal, targetId, parameters }) => {
      const { target, timeline } = await getTimeline(useCaseDeps, principal, targetId, windowOf(parameters));
      const json = timelineJson(timeline, target.id);
      // An override in force suspends the occurrences before its end: say so on each, and show it.
      const override = (await deps.store.controls.override.get(target))?.value;
      if (!override || override.until <= Math.max(timeline.from, deps.clock.now()))
        return jsonResponse(200, json);
      const points = (json.points as Record<string, unknown>[]).map((point, i) =>
        timeline.points[i]!.at < override.until ? { ...point, overridden: true } : point,
      );
      return jsonResponse(200, { ...json, override: overrideJson(target.id, override), points });
    }),
    previewSchedules: apiHandler(deps, 'previewSchedules', ({ body, parameters }) => {
      const { count } = parameters;
      const preview = previewSchedules(useCaseDeps, body, {
        ...windowOf(parameters),
        ...(typeof count === 'number' ? { count } : {}),
      });
      return Promise.resolve(
        jsonResponse(200, {
          computeStartStop: expandedEntriesJson(preview.entries),
          timeline: timelineJson(preview.timeline),
        }),
      );
    }),
  } satisfies Record<string, HttpHandler>;
}

/** `from`/`to` were checked as RFC 3339 date-times by the operation's parameter schemas. */
function windowOf(parameters: ParameterValues): { from?: number; to?: number } {
  const { from, to } = parameters;
  return {
    // The schema let only real instants through (isDateTime), so these cannot throw.
    ...(typeof from === 'string' ? { from: parseInstant(from) } : {}),
    ...(typeof to === 'string' ? { to: parseInstant(to) } : {}),
  };
}
