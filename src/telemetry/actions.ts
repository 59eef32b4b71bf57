// The executor's part of the telemetry: the invocation's span learns which target and occurrence it is about,
// the ARM calls inside inherit the occurrence, and each settled action is counted by outcome and logged with
// the fields a query needs ("what failed last night", docs/telemetry.md).

import { trace } from '@opentelemetry/api';
import { ATTRIBUTES, instruments, logRecord, withAction, type ActionInProgress } from './instruments.js';

/** What the telemetry needs of an action message. */
export interface ActionFacts {
  targetId: string;
  resourceId: string;
  kind: string;
  action: string;
  occurrenceAt: number;
}

/** What the telemetry needs of how the executor settled it. */
export interface SettledFacts {
  outcome: string;
  duplicate: boolean;
  retryInMs?: number;
  operation?: string;
}

/** Runs the executor for one message with the action's facts on the span and in the context of its ARM calls. */
export function traceAction<T>(action: ActionFacts, work: () => Promise<T>): Promise<T> {
  const occurrence = new Date(action.occurrenceAt).toISOString();
  trace.getActiveSpan()?.setAttributes({
    [ATTRIBUTES.targetId]: action.resourceId,
    [ATTRIBUTES.targetKind]: action.kind,
    [ATTRIBUTES.action]: action.action.toLowerCase(),
    [ATTRIBUTES.occurrence]: occurrence,
  });
  const inProgress: ActionInProgress = { occurrence, throttledResponses: 0 };
  return withAction(inProgress, work);
}

/** Counts and logs one settled action; duplicate deliveries did nothing and count as nothing. */
export function actionSettled(action: ActionFacts, settled: SettledFacts): void {
  const attributes = {
    [ATTRIBUTES.targetId]: action.resourceId,
    [ATTRIBUTES.targetKind]: action.kind,
    [ATTRIBUTES.action]: action.action.toLowerCase(),
    [ATTRIBUTES.occurrence]: new Date(action.occurrenceAt).toISOString(),
    [ATTRIBUTES.outcome]: settled.outcome,
    'scheduler.target.key': action.targetId,
    ...(settled.retryInMs !== undefined ? { [ATTRIBUTES.retryInMs]: settled.retryInMs } : {}),
    ...(settled.operation ? { 'scheduler.operation': settled.operation } : {}),
  };
  trace.getActiveSpan()?.setAttributes(attributes);
  if (settled.duplicate) return;
  instruments().actions.add(1, {
    [ATTRIBUTES.action]: action.action.toLowerCase(),
    [ATTRIBUTES.targetKind]: action.kind,
    [ATTRIBUTES.outcome]: settled.outcome,
  });
  const failed = settled.outcome === 'failed' || settled.outcome === 'poisoned';
  const severity = failed ? 'error' : settled.retryInMs !== undefined ? 'warn' : 'info';
  logRecord(
    severity,
    `${action.action} ${action.resourceId} @ ${new Date(action.occurrenceAt).toISOString()}: ${settled.outcome}`,
    attributes,
  );
}
