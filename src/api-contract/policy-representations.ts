// How policies, warnings and snoozes look on the wire (docs/policies.md).

import { formatInstant } from '../schedule/index.js';
import type { PolicyApplication, PolicyApplyReport } from '../engine/default-policies.js';
import type { Snoozed } from '../engine/snooze.js';
import type { Policy, WarningSettings } from '../store/ports.js';
import { ROUTE_PREFIX } from './operations.js';

export function policyPath(name: string): string {
  return `${ROUTE_PREFIX}/policies/${name}`;
}

export function policyJson(policy: Policy): Record<string, unknown> {
  return {
    name: policy.name,
    scope: policy.scope,
    targetKinds: policy.targetKinds,
    schedules: { computeStartStop: policy.entries },
    enforce: policy.enforce,
    ...(policy.warning ? { warning: policy.warning } : {}),
    updatedAt: formatInstant(policy.updatedAt),
    updatedBy: policy.updatedBy,
    links: { self: policyPath(policy.name), apply: `${policyPath(policy.name)}/apply` },
  };
}

function applicationJson(application: PolicyApplication): Record<string, unknown> {
  return {
    ...(application.targetId ? { targetId: application.targetId } : {}),
    resourceId: application.resourceId,
    outcome: application.outcome,
    detail: application.detail,
  };
}

export function applyReportJson(report: PolicyApplyReport): Record<string, unknown> {
  return {
    policy: report.policy,
    examined: report.examined,
    applied: report.applied.map(applicationJson),
    skipped: report.skipped.map(applicationJson),
  };
}

export function warningJson(settings: WarningSettings): Record<string, unknown> {
  return {
    targetId: settings.targetId,
    webhook: settings.webhook,
    leadMinutes: settings.leadMinutes,
    source: settings.source,
    updatedAt: formatInstant(settings.updatedAt),
    updatedBy: settings.updatedBy,
  };
}

export function snoozedJson(snoozed: Snoozed): Record<string, unknown> {
  return {
    targetId: snoozed.targetId,
    stop: formatInstant(snoozed.stopAt),
    until: formatInstant(snoozed.until),
  };
}
