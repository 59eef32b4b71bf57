// The unattended part: the tick (a timer at second 0 of every minute, UTC) and the executor of the
// `actions` queue; the pools' round (the same minute) and the reconciler of the `pools` queue. Each parses
// its trigger input, calls one use case and logs what it did.

import type { InvocationContext, StorageQueueHandler, Timer, TimerHandler } from '@azure/functions';
import { decodeActionDelivery, MalformedMessageError, type ActionMessage } from '../engine/action-message.js';
import { executeEnvelope } from '../engine/execute-envelope.js';
import { execute, type Delivery } from '../engine/execute.js';
import { decodePoolMessage } from '../engine/pool-message.js';
import { poolRound } from '../engine/pool-round.js';
import { applyPoolPolicy, reconcile, type ReconcileDependencies } from '../engine/reconcile.js';
import { tick } from '../engine/tick.js';
import { actionSettled, traceAction } from '../telemetry/actions.js';
import type { Dependencies } from './dependencies.js';
import type { FunctionDefinition } from './registry.js';

/**
 * The queue entry as a message of ours, or undefined once a malformed one is in the poison queue: no
 * delivery can ever carry it out, so it goes there at once rather than after five retries first.
 */
async function decodeOrPoison<M>(
  queueEntry: unknown,
  decode: (body: unknown) => M,
  queue: { sendToPoison(message: string): Promise<void> },
  context: InvocationContext,
): Promise<M | undefined> {
  try {
    return decode(queueEntry);
  } catch (error) {
    if (!(error instanceof MalformedMessageError)) throw error;
    await queue.sendToPoison(typeof queueEntry === 'string' ? queueEntry : JSON.stringify(queueEntry));
    context.warn(`${error.message}; moved to the poison queue`);
    return undefined;
  }
}

export function tickHandler(deps: Dependencies): TimerHandler {
  return async (timer: Timer, context: InvocationContext) => {
    const report = await tick({
      store: deps.store,
      actions: deps.actions,
      clock: deps.clock,
      options: deps.tickOptions,
    });
    if (report.enqueued > 0 || timer.isPastDue) {
      context.log(
        `tick ${new Date(report.from).toISOString()}..${new Date(report.until).toISOString()}: ` +
          `${report.dueRows} due rows, ${report.enqueued} actions, ${report.superseded} superseded` +
          (report.spreadOverInMs > 0 ? `, spread over ${Math.ceil(report.spreadOverInMs / 1000)} s` : '') +
          (timer.isPastDue ? ' (past due)' : ''),
      );
    }
  };
}

export function executeHandler(deps: Dependencies): StorageQueueHandler {
  return async (queueEntry: unknown, context: InvocationContext) => {
    const delivery = await decodeOrPoison(queueEntry, decodeActionDelivery, deps.actions, context);
    if (!delivery) return;
    const metadata = context.triggerMetadata ?? {};
    const messageId = typeof metadata.id === 'string' ? metadata.id : context.invocationId;
    const dequeueCount =
      typeof metadata.dequeueCount === 'number' ? metadata.dequeueCount : Number(metadata.dequeueCount ?? 1);
    if (delivery.kind === 'single') {
      await executeOne(deps, context, delivery.message, { messageId, dequeueCount });
      return;
    }
    // A member no delivery can carry out goes to the poison queue alone; its neighbours go on.
    for (const member of delivery.malformed) {
      await deps.actions.sendToPoison(member);
      context.warn('action message: missing or malformed fields in an envelope; moved to the poison queue');
    }
    const report = await executeEnvelope(
      { store: deps.store, actions: deps.actions, clock: deps.clock, options: deps.executeOptions },
      delivery.actions,
      { messageId, dequeueCount },
      (message, member) => executeOne(deps, context, message, member),
    );
    if (report.handedOn > 0)
      context.warn(`${report.handedOn} of ${delivery.actions.length} actions failed and were sent on alone`);
  };
}

/** Carries out one action message, as it came alone or as a member of an envelope, and logs what came of it. */
async function executeOne(
  deps: Dependencies,
  context: InvocationContext,
  message: ActionMessage,
  delivery: Delivery,
): Promise<void> {
  const report = await traceAction(message, () =>
    execute(
      {
        store: deps.store,
        gateway: deps.gateway,
        actions: deps.actions,
        clock: deps.clock,
        options: deps.executeOptions,
        poolPolicy: {
          find: (target) => deps.store.scaling.getPool(target.id),
          apply: (target, schedule, policy) =>
            applyPoolPolicy(reconcileDependencies(deps), target, schedule, policy),
        },
      },
      message,
      delivery,
    ),
  );
  actionSettled(message, report);
  context.log(
    `${message.action} ${message.resourceId} @ ${new Date(message.occurrenceAt).toISOString()}: ${report.outcome}` +
      (report.duplicate ? ' (duplicate delivery)' : '') +
      (report.stale ? ' (the schedule was changed since)' : '') +
      (report.retryInMs !== undefined ? `, retry in ${Math.round(report.retryInMs / 1000)} s` : ''),
  );
}

/** What the reconciler needs, from the app's dependencies. */
export function reconcileDependencies(deps: Dependencies): ReconcileDependencies {
  return {
    store: deps.store,
    gateway: deps.gateway,
    actions: deps.actions,
    pools: deps.pools,
    clock: deps.clock,
    options: deps.reconcileOptions,
  };
}

export function poolRoundHandler(deps: Dependencies): TimerHandler {
  return async (_timer: Timer, context: InvocationContext) => {
    const report = await poolRound({ scaling: deps.store.scaling, pools: deps.pools, clock: deps.clock });
    if (report.enqueued > 0)
      context.log(`pools ${new Date(report.at).toISOString()}: ${report.enqueued} to reconcile`);
  };
}

export function reconcileHandler(deps: Dependencies): StorageQueueHandler {
  return async (queueEntry: unknown, context: InvocationContext) => {
    const message = await decodeOrPoison(queueEntry, decodePoolMessage, deps.pools, context);
    if (!message) return;
    const report = await reconcile(reconcileDependencies(deps), message);
    if (report.outcome !== 'unchanged' && report.outcome !== 'gone') {
      context.log(
        `reconcile ${message.targetId} (${message.source}): ${report.outcome}` +
          (report.note ? `: ${report.note}` : '') +
          ` [${report.armReads} ARM reads, ${report.armWrites} writes]`,
      );
    }
  };
}

export function schedulerFunctions(deps: Dependencies): FunctionDefinition[] {
  return [
    { name: 'tick', trigger: { type: 'timer', schedule: '0 * * * * *' }, handler: tickHandler(deps) },
    {
      name: 'execute',
      trigger: {
        type: 'queue',
        queueName: deps.storage.names.queues.actions,
        connection: deps.config.storageConnectionSetting,
      },
      handler: executeHandler(deps),
    },
    {
      name: 'poolRound',
      trigger: { type: 'timer', schedule: '0 * * * * *' },
      handler: poolRoundHandler(deps),
    },
    {
      name: 'reconcile',
      trigger: {
        type: 'queue',
        queueName: deps.storage.names.queues.pools,
        connection: deps.config.storageConnectionSetting,
      },
      handler: reconcileHandler(deps),
    },
  ];
}
