// HTTP functions for default policies (admins), a target's warning before a stop, and the warning's
// snooze link, which carries its own signature instead of a signed-in caller.

import type { HttpHandler } from '@azure/functions';
import { findOperation } from '../../api-contract/operations.js';
import {
  applyReportJson,
  policyJson,
  policyPath,
  snoozedJson,
  warningJson,
} from '../../api-contract/policy-representations.js';
import { problemResponse } from '../../api-contract/problem.js';
import { readParameters } from '../../api-contract/request.js';
import { schemas } from '../../api-contract/schemas.js';
import { applyPolicy } from '../../engine/default-policies.js';
import { deletePolicy, getPolicy, listPolicies, putPolicy } from '../../engine/policies.js';
import { overrideTarget } from '../../engine/override.js';
import { snoozeStop, type HoldRunning } from '../../engine/snooze.js';
import { deleteWarning, getWarning, putWarning } from '../../engine/stop-warnings.js';
import type { Dependencies } from '../dependencies.js';
import { actionRequestDependencies } from './actions.js';
import { apiHandler, jsonResponse } from './pipeline.js';

export function policyHandlers(deps: Dependencies) {
  const policyDeps = {
    policies: deps.store.policies,
    clock: deps.clock,
    maxScheduleEntries: deps.config.maxScheduleEntries,
  };
  const name = (params: Record<string, string>) => params['name'] ?? '';
  return {
    listPolicies: apiHandler(deps, 'listPolicies', async ({ principal }) =>
      jsonResponse(200, { value: (await listPolicies(policyDeps, principal)).map(policyJson) }),
    ),
    putPolicy: apiHandler(deps, 'putPolicy', async ({ principal, request, body }) => {
      const { policy, created } = await putPolicy(policyDeps, principal, name(request.params), body);
      const location = new URL(policyPath(policy.name), request.url).href;
      return jsonResponse(created ? 201 : 200, policyJson(policy), created ? { Location: location } : {});
    }),
    getPolicy: apiHandler(deps, 'getPolicy', async ({ principal, request }) =>
      jsonResponse(200, policyJson(await getPolicy(policyDeps, principal, name(request.params)))),
    ),
    deletePolicy: apiHandler(deps, 'deletePolicy', async ({ principal, request }) => {
      await deletePolicy(policyDeps, principal, name(request.params));
      return { status: 204 };
    }),
    applyPolicy: apiHandler(deps, 'applyPolicy', async ({ principal, request }) =>
      jsonResponse(200, applyReportJson(await applyPolicy(deps, principal, name(request.params)))),
    ),
  } satisfies Record<string, HttpHandler>;
}

/** A snooze is an override that keeps the target running, asked for by the link rather than a person. */
function holdRunningWith(deps: Dependencies): HoldRunning {
  const overrideDeps = actionRequestDependencies(deps);
  return async (target, until, by) => {
    await overrideTarget(overrideDeps, target, until, 'Running', by);
  };
}

export function warningHandlers(deps: Dependencies) {
  const warningDeps = { targets: deps.store.targets, warnings: deps.store.warnings, clock: deps.clock };
  const snooze = findOperation('snoozeStop');
  return {
    putWarning: apiHandler(deps, 'putWarning', async ({ principal, targetId, body }) =>
      jsonResponse(200, warningJson(await putWarning(warningDeps, principal, targetId, body))),
    ),
    getWarning: apiHandler(deps, 'getWarning', async ({ principal, targetId }) =>
      jsonResponse(200, warningJson(await getWarning(warningDeps, principal, targetId))),
    ),
    deleteWarning: apiHandler(deps, 'deleteWarning', async ({ principal, targetId }) => {
      await deleteWarning(warningDeps, principal, targetId);
      return { status: 204 };
    }),
    // Anonymous: the link is its own proof, signed for one target and one stop, and valid until that stop.
    snoozeStop: async (request, context) => {
      try {
        const { token } = readParameters(request, snooze.parameters ?? [], schemas);
        const snoozed = await snoozeStop(
          {
            targets: deps.store.targets,
            clock: deps.clock,
            ...(deps.config.warningSigningKey ? { signingKey: deps.config.warningSigningKey } : {}),
            holdRunning: deps.holdRunning ?? holdRunningWith(deps),
          },
          String(token),
        );
        return jsonResponse(200, snoozedJson(snoozed));
      } catch (error) {
        return problemResponse(error, context, new URL(request.url).pathname);
      }
    },
  } satisfies Record<string, HttpHandler>;
}
