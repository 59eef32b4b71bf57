// The demo a new user sees after `npm start`: a small fleet in the local ARM emulator (VMs in two time
// zones, a pool, a compute instance) with schedules that act within the first minutes, registered through
// the API exactly as a user would.

import type { ArmEmulator } from './arm-emulator/index.js';
import {
  nextOccurrence,
  resolveTimeZone,
  validateEntry,
  validateSchedules,
  type ScheduleEntry,
} from '../src/schedule/index.js';

const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
const GROUP = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-demo/providers`;

export const demoFleet = {
  pacificVm: `${GROUP}/Microsoft.Compute/virtualMachines/vm-ds-pacific`,
  berlinVm: `${GROUP}/Microsoft.Compute/virtualMachines/vm-ds-berlin`,
  pool: `${GROUP}/Microsoft.Compute/virtualMachineScaleSets/vmss-team-pool`,
  computeInstance: `${GROUP}/Microsoft.MachineLearningServices/workspaces/ws-demo/computes/ci-alice`,
};

export function addDemoFleet(emulator: ArmEmulator): void {
  emulator.addVirtualMachine(demoFleet.pacificVm, { powerState: 'running' });
  emulator.addVirtualMachine(demoFleet.berlinVm, { powerState: 'deallocated' });
  emulator.addScaleSet(demoFleet.pool, { capacity: 2 });
  emulator.addComputeInstance(demoFleet.computeInstance, { state: 'Running' });
}

/**
 * A cron entry at the wall-clock minute `minutesFromNow` ahead in `timeZone`, on today's date only (it ends
 * a day later): a daily entry at, say, 02:30 would land in next spring's daylight-saving gap, and even a
 * yearly one lands in it in the year its date is the gap's Sunday, where a Start and a Stop of the same hour
 * fire at the same instant and registration rightly refuses them.
 */
function inMinutes(
  action: 'Start' | 'Stop',
  timeZone: string,
  now: number,
  minutesFromNow: number,
): ScheduleEntry {
  const onTheMinute = Math.floor(now / 60_000) * 60_000 + minutesFromNow * 60_000;
  // Registering takes a moment (longer on a loaded machine): an entry due within 30 s could be past by the
  // time its PUT lands, and then it can never fire before its end. Such an entry goes a minute later.
  const at = onTheMinute - now < 30_000 ? onTheMinute + 60_000 : onTheMinute;
  const entry = onDateAt(action, timeZone, at);
  // In the hour a fall-back repeats, the wall time fires at its first pass, already gone: say it in UTC.
  return nextOccurrence(validateEntry(entry), at - 1) === at ? entry : onDateAt(action, 'UTC', at);
}

function onDateAt(action: 'Start' | 'Stop', timeZone: string, at: number): ScheduleEntry {
  const wall = new Date(at + resolveTimeZone(timeZone).offsetAt(at));
  return {
    triggerType: 'Cron',
    action,
    status: 'Enabled',
    cron: {
      expression: `${wall.getUTCMinutes()} ${wall.getUTCHours()} ${wall.getUTCDate()} ${wall.getUTCMonth() + 1} *`,
      timeZone,
      endTime: new Date(at + 86_400_000).toISOString().replace('.000Z', 'Z'),
    },
  };
}

/** Each target gets its working-day schedule plus a stop and a start in the next few minutes. */
export function demoSchedules(now: number): { resourceId: string; computeStartStop: ScheduleEntry[] }[] {
  // Started at 07:58 on a weekday, a demo stop two minutes on would clash with the working day's 08:00
  // start: move the demo entries on a minute at a time until nothing clashes.
  for (let lateBy = 0; ; lateBy++) {
    const targets = demoSchedulesFrom(now, lateBy);
    if (lateBy >= 10 || targets.every(({ computeStartStop }) => registrationAccepts(computeStartStop, now)))
      return targets;
  }
}

/** The very check `PUT /targets/{id}/schedules` makes, conflicts included. */
function registrationAccepts(computeStartStop: ScheduleEntry[], now: number): boolean {
  try {
    validateSchedules({ computeStartStop }, { now });
    return true;
  } catch {
    return false;
  }
}

function demoSchedulesFrom(
  now: number,
  lateBy: number,
): { resourceId: string; computeStartStop: ScheduleEntry[] }[] {
  const soon = (action: 'Start' | 'Stop', timeZone: string, minutes: number) =>
    inMinutes(action, timeZone, now, minutes + lateBy);
  const workday = (timeZone: string): ScheduleEntry[] => [
    {
      triggerType: 'Cron',
      action: 'Start',
      status: 'Enabled',
      cron: { expression: '0 8 * * 1-5', timeZone },
    },
    {
      triggerType: 'Cron',
      action: 'Stop',
      status: 'Enabled',
      cron: { expression: '0 18 * * 1-5', timeZone },
    },
  ];
  return [
    {
      resourceId: demoFleet.pacificVm,
      computeStartStop: [
        ...workday('Pacific Standard Time'),
        soon('Stop', 'Pacific Standard Time', 2),
        soon('Start', 'Pacific Standard Time', 5),
      ],
    },
    {
      resourceId: demoFleet.berlinVm,
      computeStartStop: [
        ...workday('W. Europe Standard Time'),
        soon('Start', 'W. Europe Standard Time', 1),
        soon('Stop', 'W. Europe Standard Time', 4),
      ],
    },
    {
      resourceId: demoFleet.pool,
      // No Start window: with its pool policy (toolkit/demo-pool.ts) the pool's floor stays at zero, so it
      // scales to zero when idle and wakes for whoever is waiting. The stops bring it down if anyone is left.
      computeStartStop: [workday('UTC')[1]!, soon('Stop', 'UTC', 2)],
    },
    {
      resourceId: demoFleet.computeInstance,
      computeStartStop: [
        {
          triggerType: 'Recurrence',
          action: 'Stop',
          status: 'Enabled',
          recurrence: {
            frequency: 'Day',
            interval: 1,
            timeZone: 'Pacific Standard Time',
            schedule: { hours: [22], minutes: [0] },
          },
        },
        soon('Stop', 'Pacific Standard Time', 3),
      ],
    },
  ];
}

/** Registers the demo targets and schedules through the local API. */
export async function registerDemo(baseUrl: string, now: number): Promise<string[]> {
  const ids: string[] = [];
  for (const { resourceId, computeStartStop } of demoSchedules(now)) {
    const registered = await fetch(`${baseUrl}/targets`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ resourceId }),
    });
    if (!registered.ok)
      throw new Error(
        `demo: registering ${resourceId} failed with ${registered.status}: ${await registered.text()}`,
      );
    const { id } = (await registered.json()) as { id: string };
    const scheduled = await fetch(`${baseUrl}/targets/${id}/schedules`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ computeStartStop }),
    });
    if (!scheduled.ok)
      throw new Error(
        `demo: scheduling ${resourceId} failed with ${scheduled.status}: ${await scheduled.text()}`,
      );
    ids.push(id);
  }
  return ids;
}
