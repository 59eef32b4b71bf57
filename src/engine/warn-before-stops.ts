// The warning timer: each minute, posts a message to the webhook of every target whose scheduled stop is its
// lead time away, with links that snooze the stop. It reads only the due index's minutes that are each lead
// time ahead (one minute per lead in use), never the fleet. Deliveries are retried with backoff and noted in
// the target's run history; a webhook that fails never holds a stop back (the tick acts on its own).

import type { Clock } from '../clock.js';
import { PreconditionFailedError } from '../errors.js';
import { formatInstant, resolveTimeZone, type ScheduleEntry } from '../schedule/index.js';
import type { DueEntry, StoredRun, StoredTarget, Store, WarningSettings } from '../store/ports.js';
import { recordNote } from './history-notes.js';
import { historyOf } from './run-history.js';
import { signSnooze, SNOOZE_HOURS } from './snooze-link.js';

/** Posts JSON to a URL; resolves with the HTTP status, rejects when no answer came. */
export interface WebhookClient {
  post(url: string, body: unknown, options: { timeoutInMs: number }): Promise<number>;
}

/** What the warning timer needs. */
export interface WarnDependencies {
  store: Pick<Store, 'targets' | 'due' | 'runs' | 'checkpoints' | 'warnings'>;
  clock: Clock;
  webhooks: WebhookClient;
  /** Signs the snooze links; without a key the message has no links (and says so). */
  signingKey?: Buffer;
  /** The app's public base URL, e.g. `https://func-x.azurewebsites.net`: snooze links point under it. */
  publicUrl?: string;
  options?: WarnOptions;
}

export interface WarnOptions {
  /**
   * The pause before each retry of a failed delivery; its length is the number of retries.
   * @default [2000, 8000, 30000]: four attempts within 40 seconds
   */
  retryDelaysInMs?: number[];
  /** How long one attempt may take. @default 10000 */
  timeoutInMs?: number;
  /** How the pause is taken (tests pass one that returns at once). @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

/** A warning sent (or tried) this minute. */
export interface WarningSent {
  targetId: string;
  stopAt: number;
  outcome: 'succeeded' | 'failed';
  attempts: number;
}

export const WARNING_CHECKPOINT = 'warnings';
const MINUTE_MS = 60_000;
/** After an outage, warnings of stops more than this far back in the timer's past are not sent late. */
const CATCH_UP_MS = 10 * MINUTE_MS;
const PARALLEL_DELIVERIES = 16;

/**
 * Sends the warnings due from the last minute the timer covered to now, then moves its checkpoint. Two timers
 * of the same minute send each warning once (the note in the history is created only if absent).
 * @returns every warning sent or tried
 */
export async function warnBeforeStops(deps: WarnDependencies): Promise<WarningSent[]> {
  const now = Math.floor(deps.clock.now() / MINUTE_MS) * MINUTE_MS;
  const checkpoint = await deps.store.checkpoints.get(WARNING_CHECKPOINT);
  const after = Math.max(checkpoint?.value ?? now - MINUTE_MS, now - CATCH_UP_MS);
  if (after >= now) return [];
  const due = await findWarnings(deps, after, now);
  const sent: WarningSent[] = [];
  for (let i = 0; i < due.length; i += PARALLEL_DELIVERIES) {
    const batch = due.slice(i, i + PARALLEL_DELIVERIES).map((warning) => warnOnce(deps, warning));
    for (const result of await Promise.all(batch)) if (result) sent.push(result);
  }
  await deps.store.checkpoints
    .set(WARNING_CHECKPOINT, now, checkpoint ? { etag: checkpoint.etag } : {})
    .catch((error: unknown) => {
      // Another timer moved it first: it covered the same minutes.
      if (!(error instanceof PreconditionFailedError) && (error as Error).name !== 'ConflictError')
        throw error;
    });
  return sent;
}

interface DueWarning {
  target: StoredTarget;
  settings: WarningSettings;
  stopAt: number;
  entry: ScheduleEntry;
}

/** Stops due `lead` minutes after each minute in (after, until], for every lead in use. */
async function findWarnings(deps: WarnDependencies, after: number, until: number): Promise<DueWarning[]> {
  const found = new Map<string, DueWarning>();
  for (const lead of await deps.store.warnings.leadsInUse()) {
    const leadMs = lead * MINUTE_MS;
    for await (const due of deps.store.due.listDue(after + leadMs, until + leadMs)) {
      const key = `${due.targetId}|${due.at}`;
      if (due.action !== 'Stop' || found.has(key)) continue;
      const warning = await dueWarning(deps, due, lead);
      if (warning) found.set(key, warning);
    }
  }
  return [...found.values()];
}

async function dueWarning(
  deps: WarnDependencies,
  due: DueEntry,
  lead: number,
): Promise<DueWarning | undefined> {
  const settings = await deps.store.warnings.get(due.targetId);
  if (!settings || settings.leadMinutes !== lead) return undefined;
  const target = await deps.store.targets.get(due.targetId);
  if (!target || (target.registration ?? '') !== (settings.registration ?? '')) return undefined;
  if (!(await deps.store.due.isCurrent(due))) return undefined;
  return { target, settings, stopAt: due.at, entry: due.entry };
}

/** One warning: noted first (so a second timer skips it), delivered with retries, the note then settled. */
async function warnOnce(deps: WarnDependencies, warning: DueWarning): Promise<WarningSent | undefined> {
  const { target, settings, stopAt } = warning;
  const now = deps.clock.now();
  const { run, created } = await recordNote(deps.store.runs, {
    ...historyOf(target),
    // Just after the minute the warning is for, so it never takes a scheduled occurrence's place.
    occurrenceAt: stopAt - settings.leadMinutes * MINUTE_MS + 1,
    requestedAction: 'Warn',
    source: 'warning',
    outcome: 'pending',
    attempts: 0,
    note: `warning of the stop at ${formatInstant(stopAt)}`,
    createdAt: now,
    requestedBy: settings.source,
  });
  if (!created && run.outcome !== 'pending') return undefined;
  const delivery = await deliver(deps, settings.webhook, warningMessage(deps, warning));
  await settle(deps, run, warning, delivery);
  return {
    targetId: target.id,
    stopAt,
    outcome: delivery.ok ? 'succeeded' : 'failed',
    attempts: delivery.answers.length,
  };
}

interface Delivery {
  ok: boolean;
  /** Each attempt's HTTP status, or what went wrong. */
  answers: string[];
}

async function deliver(deps: WarnDependencies, webhook: string, message: unknown): Promise<Delivery> {
  const delays = deps.options?.retryDelaysInMs ?? [2000, 8000, 30000];
  const sleep = deps.options?.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const answers: string[] = [];
  for (let attempt = 0; attempt <= delays.length; attempt++) {
    if (attempt > 0) await sleep(delays[attempt - 1]!);
    try {
      const status = await deps.webhooks.post(webhook, message, {
        timeoutInMs: deps.options?.timeoutInMs ?? 10_000,
      });
      answers.push(String(status));
      if (status >= 200 && status < 300) return { ok: true, answers };
      // A 4xx other than 408 and 429 will not change by asking again.
      if (status >= 400 && status < 500 && status !== 408 && status !== 429) break;
    } catch (error) {
      answers.push(error instanceof Error ? error.message.split('\n')[0]! : String(error));
    }
  }
  return { ok: false, answers };
}

async function settle(
  deps: WarnDependencies,
  run: StoredRun,
  warning: DueWarning,
  delivery: Delivery,
): Promise<void> {
  const host = new URL(warning.settings.webhook).host;
  const tries = `${delivery.answers.length} attempt${delivery.answers.length === 1 ? '' : 's'}`;
  const settled: StoredRun = {
    ...run,
    outcome: delivery.ok ? 'succeeded' : 'failed',
    attempts: delivery.answers.length,
    note: `warning of the stop at ${formatInstant(warning.stopAt)} posted to ${host}: ${tries} (${delivery.answers.join(', ')})`,
    finishedAt: deps.clock.now(),
    ...(delivery.ok
      ? {}
      : {
          error: {
            code: 'WebhookFailed',
            message: `the webhook answered ${delivery.answers.at(-1) ?? 'nothing'}`,
          },
        }),
  };
  await deps.store.runs.update(settled).catch((error: unknown) => {
    if (!(error instanceof PreconditionFailedError)) throw error;
  });
}

/** The message a webhook receives: the target, the stop in its schedule's zone and in UTC, the snooze links. */
export function warningMessage(
  deps: Pick<WarnDependencies, 'signingKey' | 'publicUrl'>,
  warning: DueWarning,
): Record<string, unknown> {
  const { target, stopAt, entry, settings } = warning;
  const zoneId = entry.cron?.timeZone ?? entry.recurrence?.timeZone ?? 'UTC';
  const offset = resolveTimeZone(zoneId).offsetAt(stopAt);
  const local = formatInstant(stopAt + offset).slice(0, -1);
  const snooze =
    deps.signingKey && deps.publicUrl
      ? SNOOZE_HOURS.map((hours) => ({
          hours,
          until: formatInstant(stopAt + hours * 3_600_000),
          url: `${deps.publicUrl!.replace(/\/+$/, '')}/api/warnings/snooze?token=${signSnooze(
            deps.signingKey!,
            {
              targetId: target.id,
              ...(target.registration ? { registration: target.registration } : {}),
              stopAt,
              hours,
            },
          )}`,
        }))
      : [];
  const links = snooze.map((s) => `${s.hours} hour${s.hours === 1 ? '' : 's'}: ${s.url}`).join(' · ');
  return {
    type: 'compute-scheduler.stop-warning',
    target: { id: target.id, resourceId: target.resourceId, kind: target.kind, name: target.name },
    stop: { utc: formatInstant(stopAt), local, timeZone: zoneId, utcOffsetMinutes: offset / MINUTE_MS },
    leadMinutes: settings.leadMinutes,
    snooze,
    validUntil: formatInstant(stopAt),
    text:
      `${target.name} stops at ${local.slice(11, 16)} ${zoneId} (${formatInstant(stopAt).slice(11, 16)} UTC).` +
      (links
        ? ` Keep it running for ${links}`
        : ' (no snooze links: the app has no signing key or public URL)'),
  };
}
