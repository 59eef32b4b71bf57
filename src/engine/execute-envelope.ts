// Carrying out an envelope: several of the tick's actions that came in one queue message. Each is carried
// out as if it had come alone, a few at a time; one that fails unexpectedly goes on alone, so its deliveries
// and its poison queue are its own and a bad target cannot take its neighbours down (docs/decisions/0016).

import type { Clock } from '../clock.js';
import { describeError } from './retry.js';
import type { Store } from '../store/ports.js';
import type { ActionMessage } from './action-message.js';
import type { Delivery } from './execute.js';
import type { ExecuteOptions } from './options.js';
import type { ActionQueue } from './ports.js';
import { forEachLimited } from '../in-flight.js';
import { historyOf } from './run-history.js';
import { closeRun } from './run-records.js';
import { claimLeftBy } from './target-claim.js';

export interface EnvelopeDependencies {
  store: { runs: Store['runs']; targets: Pick<Store['targets'], 'getWithSchedule'> };
  actions: ActionQueue;
  clock: Clock;
  options: Pick<ExecuteOptions, 'waitInMs' | 'maxDequeueCount' | 'membersAtOnce'>;
}

export interface EnvelopeReport {
  /** Members the executor settled, retried or put back itself (everything but a throw). */
  carriedOut: number;
  /** Members that failed unexpectedly and were sent on as single messages. */
  handedOn: number;
}

/**
 * Carries out each action of an envelope through `executeOne`, at most `membersAtOnce` at a time.
 *
 * A member's delivery is `{envelope id}/{position}`: the same on every delivery of the envelope, so a member
 * whose host died holding the target resumes on the next one, as a single message does. Its own count of
 * deliveries starts at 1: the envelope's count is not the member's. On a later delivery of the envelope every
 * member reads before it acts (`resumed`), and one whose run an earlier delivery already handed on steps
 * aside (docs/decisions/0017). A member that fails in a way the host would deliver again is handed on
 * alone by the executor (`member`); one that throws is sent on alone here, a few seconds later, naming the
 * claim its attempt may have left held so that it resumes it at once, in doubt. Retries, waits and
 * rechecks the executor sends are single messages already.
 * @throws the first member's error when a member could not be sent on: the whole envelope is delivered
 *   again (members already done find their run rows); on its last delivery, those members' runs are first
 *   recorded `poisoned`, since the envelope then goes to the poison queue.
 */
export async function executeEnvelope(
  deps: EnvelopeDependencies,
  actions: readonly ActionMessage[],
  delivery: Delivery,
  executeOne: (message: ActionMessage, delivery: Delivery) => Promise<unknown>,
): Promise<EnvelopeReport> {
  const report: EnvelopeReport = { carriedOut: 0, handedOn: 0 };
  const stuck: { message: ActionMessage; error: unknown }[] = [];
  // Delivered again, the envelope's earlier delivery died or threw: any member may have called Azure, and
  // one that was retried has a message of its own carrying its doubt and counts, while this copy carries
  // neither. So each reads before it acts, as a run in doubt does (docs/invariants.md, 1).
  const again = delivery.dequeueCount > 1;
  const members = actions.map((message, position) => ({
    message: again ? { ...message, resumed: true as const } : message,
    position,
  }));
  await forEachLimited(members, deps.options.membersAtOnce, async ({ message, position }) => {
    try {
      const messageId = `${delivery.messageId}/${position}`;
      await executeOne(message, { messageId, dequeueCount: 1, member: true });
      report.carriedOut++;
    } catch (error) {
      try {
        await deps.actions.send(handedOn(message, error), { visibilityDelayInMs: deps.options.waitInMs });
        report.handedOn++;
      } catch {
        stuck.push({ message, error });
      }
    }
  });
  const first = stuck[0];
  if (!first) return report;
  if (delivery.dequeueCount >= deps.options.maxDequeueCount) {
    const note = `gave up after ${delivery.dequeueCount} deliveries of the message it came in; the message is in the poison queue`;
    for (const { message, error } of stuck) await poisonRun(deps, message, note, error);
  }
  throw first.error;
}

/**
 * An action that threw, as the message that carries it on alone: it may have called Azure before it failed,
 * so it reads before it acts; it is the next carrier of its run; and the claim its attempt took, which it
 * may have left held (storage refusing to give it back), is its own to resume at once (docs/decisions/0017).
 */
function handedOn(message: ActionMessage, error: unknown): ActionMessage {
  const claim = claimLeftBy(error);
  return {
    ...message,
    resumed: true,
    carrier: (message.carrier ?? 0) + 1,
    ...(claim ? { claimedAs: claim } : {}),
  };
}

/** Records a member's run `poisoned`, best effort: storage that failed the member may fail this too. */
async function poisonRun(
  deps: EnvelopeDependencies,
  message: ActionMessage,
  note: string,
  error: unknown,
): Promise<void> {
  try {
    const registered = await deps.store.targets.getWithSchedule(message.targetId);
    if (!registered) return;
    const { target } = registered;
    if (message.registration !== undefined && message.registration !== target.registration) return;
    const { code, message: text } = describeError(error);
    await closeRun(deps, historyOf(target), message, 'poisoned', `${note} (${code}: ${text})`);
  } catch {
    // Nothing more to do: the envelope is in the poison queue for someone to look at.
  }
}
