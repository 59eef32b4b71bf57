// The people around the scheduler in `simulate`: someone starting a machine in the portal, someone deleting
// one, and whoever reads the warnings' webhook. Their starts and deletes go to the emulator as theirs, so
// Azure's events reach the Event Grid function as they would; the webhook is a receiver that counts what
// it was sent (and answers 500 as often as the scenario's faults say). What the scheduler did about them
// is read back from the run histories, the way a person would check.

import { randomBytes } from 'node:crypto';
import type { WebhookClient } from '../../src/engine/warn-before-stops.js';
import { DEFAULT_LEAD_MINUTES } from '../../src/engine/warning-hook.js';
import type { StoredRun } from '../../src/store/ports.js';
import { seededRandom, type ArmEmulator } from '../arm-emulator/index.js';
import { putSetting, type CallApi } from './pool-driver.js';
import type { Scenario, ScenarioManualStart } from './scenario.js';

const MINUTE_MS = 60_000;

/** What people did and what the scheduler made of it. */
export interface PeopleReport {
  manualStarts: number;
  /** Starts by someone else that the scheduler recorded in a history (`source: event`). */
  observedStarts: number;
  /** Stops that undid someone else's start on an enforced target. */
  enforcedStops: number;
  deletes: number;
  /** Deleted machines whose target the scheduler forgot. */
  forgottenTargets: number;
  warningsSent: number;
  /** Warnings whose every attempt failed; the stop went ahead all the same. */
  warningsFailed: number;
  /** Webhook posts answered with an error (each warning is retried before it counts as failed). */
  webhookErrors: number;
}

/** A step someone takes on a machine at an instant. */
interface Step extends ScenarioManualStart {
  action: 'start' | 'delete';
}

export class People {
  readonly webhooks: WebhookClient;
  /** Used to sign the warnings' snooze links, as in Azure. */
  readonly signingKey = randomBytes(32).toString('base64');
  private readonly steps: Step[];
  private done = 0;
  private posts = 0;
  private errors = 0;

  constructor(
    private readonly scenario: Scenario,
    private readonly emulator: ArmEmulator,
  ) {
    this.steps = [
      ...scenario.manualStarts.map((s): Step => ({ ...s, action: 'start' })),
      ...scenario.deletes.map((s): Step => ({ ...s, action: 'delete' })),
    ].sort((a, b) => a.at - b.at);
    const random = seededRandom(scenario.seed ^ 0x5eed);
    this.webhooks = {
      post: () => {
        this.posts++;
        const failed = random() < scenario.faults.webhook;
        if (failed) this.errors++;
        return Promise.resolve(failed ? 500 : 200);
      },
    };
  }

  /**
   * The minutes in which someone acts, and those in which what they did is done (Azure raises the event
   * then): the simulation must run them.
   * @param transitionInMs how long the emulator takes to start or delete a machine
   */
  minutes(transitionInMs: number): number[] {
    const minute = (t: number) => Math.ceil(t / MINUTE_MS) * MINUTE_MS;
    return this.steps.flatMap((s) => [minute(s.at), minute(s.at + transitionInMs)]);
  }

  /** Takes every step due by `t`, in order. A machine already deleted is left alone. */
  act(t: number): void {
    while (this.done < this.steps.length && this.steps[this.done]!.at <= t) {
      const step = this.steps[this.done++]!;
      if (!this.emulator.stateOf(step.resourceId)) continue;
      this.emulator.perform(step.resourceId, step.action, {
        as: { principalId: step.principal, isUser: true },
      });
    }
  }

  /** When the machine was deleted, if it was. */
  deletedAt(resourceId: string): number | undefined {
    return this.scenario.deletes.find((d) => d.resourceId.toLowerCase() === resourceId.toLowerCase())?.at;
  }

  /**
   * @param histories every target's runs, by resource id (lowercase); a forgotten target has none
   * @param forgotten how many deleted machines' targets are gone
   */
  report(histories: Map<string, StoredRun[]>, forgotten: number): PeopleReport {
    const runs = [...histories.values()].flat();
    const warnings = runs.filter((r) => r.requestedAction === 'Warn');
    return {
      manualStarts: this.scenario.manualStarts.length,
      observedStarts: runs.filter((r) => r.source === 'event' && r.requestedAction === 'Start').length,
      enforcedStops: runs.filter(
        (r) =>
          r.source === 'enforce' && ['succeeded', 'accepted', 'skipped-already-there'].includes(r.outcome),
      ).length,
      deletes: this.scenario.deletes.length,
      forgottenTargets: forgotten,
      warningsSent: warnings.filter((r) => r.outcome === 'succeeded').length,
      warningsFailed: warnings.filter((r) => r.outcome === 'failed').length,
      webhookErrors: this.errors,
    };
  }
}

/** Whether the scenario has anything of people's for the report. */
export function hasPeople(scenario: Scenario): boolean {
  return (
    scenario.manualStarts.length > 0 ||
    scenario.deletes.length > 0 ||
    scenario.targets.some((t) => t.warning !== undefined || t.enforcement !== undefined)
  );
}

/** Puts each target's enforcement and warning through the API, as its owner would. */
export async function putControls(
  call: CallApi,
  scenario: Scenario,
  targetIds: Map<string, string>,
): Promise<void> {
  for (const [i, target] of scenario.targets.entries()) {
    const id = targetIds.get(target.resourceId.toLowerCase())!;
    const controls = [
      ['enforcement', 'putEnforcement', target.enforcement],
      ['warning', 'putWarning', target.warning],
    ] as const;
    for (const [field, name, body] of controls) {
      if (body !== undefined)
        await putSetting(call, name, { id, path: field, body, pointer: `/targets/${i}/${field}` });
    }
  }
}

/**
 * The minutes the warning timer must run in: each scheduled stop of a warned target, its lead minutes
 * ahead (a warning sent more than ten minutes late is not sent, so these minutes cannot be skipped).
 */
export function warningMinutes(
  scenario: Scenario,
  planned: { resourceId: string; entries: { action: string }[]; occurrences: Set<number> }[],
): number[] {
  const minutes: number[] = [];
  for (const target of scenario.targets) {
    if (target.warning === undefined) continue;
    const lead = (target.warning as { leadMinutes?: number }).leadMinutes ?? DEFAULT_LEAD_MINUTES;
    const plan = planned.find((p) => p.resourceId.toLowerCase() === target.resourceId.toLowerCase());
    for (const at of plan?.occurrences ?? [])
      minutes.push(Math.ceil((at - lead * MINUTE_MS) / MINUTE_MS) * MINUTE_MS);
  }
  return minutes;
}
