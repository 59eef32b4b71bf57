// Shared checks for simulation tests: what each target should be at the end, computed from its schedule
// with the engine's desiredStateAt (the schedule semantics are tested on their own in test/schedule).

import { desiredStateAt, validateSchedules } from '../../../src/schedule/index.js';
import type { Scenario } from '../../../toolkit/simulate/scenario.js';
import type { SimulationResult } from '../../../toolkit/simulate/simulator.js';

const RUNNING = new Set(['running', 'Running', 'starting', 'Starting']);

/** Targets whose final state is not the one their schedule wants at the end of the window. */
export function notInDesiredState(scenario: Scenario, result: SimulationResult): string[] {
  const wrong: string[] = [];
  for (const target of scenario.targets) {
    const { computeStartStop } = validateSchedules(target.schedules, { now: scenario.from });
    const desired = desiredStateAt(computeStartStop, scenario.to, scenario.from);
    if (desired === undefined) continue;
    const final = result.final.find((f) => f.resourceId.toLowerCase() === target.resourceId.toLowerCase());
    const running = final !== undefined && RUNNING.has(final.state);
    if ((desired === 'Running') !== running)
      wrong.push(`${target.resourceId}: ${final?.state ?? 'missing'}, wanted ${desired}`);
  }
  return wrong;
}

export const SUBSCRIPTION = '11111111-1111-1111-1111-111111111111';
export const vm = (name: string): string =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-sim/providers/Microsoft.Compute/virtualMachines/${name}`;
export const pool = (name: string): string =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-sim/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`;
export const computeInstance = (name: string): string =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-sim/providers/Microsoft.MachineLearningServices/workspaces/ws-sim/computes/${name}`;

export const workday = (timeZone: string) => ({
  computeStartStop: [
    { triggerType: 'Cron', action: 'Start', cron: { expression: '0 8 * * 1-5', timeZone } },
    { triggerType: 'Cron', action: 'Stop', cron: { expression: '0 18 * * 1-5', timeZone } },
  ],
});
