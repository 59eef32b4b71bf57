// HTTP functions for a target's enforcement: set, read (with ETags) and remove.

import type { HttpHandler } from '@azure/functions';
import { entityTags, quoteEtag } from '../../api-contract/request.js';
import { formatInstant } from '../../schedule/index.js';
import {
  deleteEnforcement,
  getEnforcement,
  putEnforcement,
  type EnforcementSettings,
} from '../../engine/enforcement.js';
import type { Enforcement } from '../../store/ports.js';
import type { Dependencies } from '../dependencies.js';
import { apiHandler, jsonResponse } from './pipeline.js';

export function enforcementJson(targetId: string, value: Enforcement): Record<string, unknown> {
  return {
    targetId,
    enforce: value.enforce,
    graceMinutes: value.graceMinutes,
    ...(value.updatedAt > 0 ? { updatedAt: formatInstant(value.updatedAt) } : {}),
    ...(value.updatedBy !== undefined ? { updatedBy: value.updatedBy } : {}),
  };
}

export function enforcementHandlers(deps: Dependencies) {
  const useCaseDeps = { targets: deps.store.targets, controls: deps.store.controls, clock: deps.clock };
  const ifMatchOf = (header: string | null) => entityTags(header);
  return {
    putEnforcement: apiHandler(deps, 'putEnforcement', async ({ principal, targetId, body, request }) => {
      const { target, enforcement } = await putEnforcement(
        useCaseDeps,
        principal,
        targetId,
        body as EnforcementSettings,
        ifMatchOf(request.headers.get('if-match')),
      );
      return jsonResponse(200, enforcementJson(target.id, enforcement.value), {
        ETag: quoteEtag(enforcement.revision),
      });
    }),
    getEnforcement: apiHandler(deps, 'getEnforcement', async ({ principal, targetId, request }) => {
      const { target, enforcement } = await getEnforcement(useCaseDeps, principal, targetId);
      const { revision } = enforcement;
      const headers: Record<string, string> = revision ? { ETag: quoteEtag(revision) } : {};
      const ifNoneMatch = entityTags(request.headers.get('if-none-match'));
      if (revision && (ifNoneMatch === '*' || ifNoneMatch?.includes(revision))) {
        return { status: 304, headers };
      }
      return jsonResponse(200, enforcementJson(target.id, enforcement.value), headers);
    }),
    deleteEnforcement: apiHandler(deps, 'deleteEnforcement', async ({ principal, targetId, request }) => {
      await deleteEnforcement(useCaseDeps, principal, targetId, ifMatchOf(request.headers.get('if-match')));
      return { status: 204 };
    }),
  } satisfies Record<string, HttpHandler>;
}
