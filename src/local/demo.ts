// The demo a new user sees after `npm start`: a small fleet in the local ARM emulator (VMs in two time
// zones, a pool, a compute instance) with schedules that act within the first minutes, registered through
// the API exactly as a user would.

import type { ArmEmulator } from './arm-emulator/index.js';
import { resolveTimeZone, type ScheduleEntry } from '../schedule/index.js';

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

/** A cron entry at the wall-clock minute `minutesFromNow` ahead in `timeZone`, every day. */
function inMinutes(
  action: 'Start' | 'Stop',
  timeZone: string,
  now: number,
  minutesFromNow: number,
): ScheduleEntry {
  const at = Math.floor(now / 60_000) * 60_000 + minutesFromNow * 60_000;
  const wall = new Date(at + resolveTimeZone(timeZone).offsetAt(at));
  return {
    triggerType: 'Cron',
    action,
    status: 'Enabled',
    cron: { expression: `${wall.getUTCMinutes()} ${wall.getUTCHours()} * * *`, timeZone },
  };
}

/** Each target gets its working-day schedule plus a stop and a start in the next few minutes. */
export function demoSchedules(now: number): { resourceId: string; computeStartStop: ScheduleEntry[] }[] {
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
        inMinutes('Stop', 'Pacific Standard Time', now, 2),
        inMinutes('Start', 'Pacific Standard Time', now, 5),
      ],
    },
    {
      resourceId: demoFleet.berlinVm,
      computeStartStop: [
        ...workday('W. Europe Standard Time'),
        inMinutes('Start', 'W. Europe Standard Time', now, 1),
        inMinutes('Stop', 'W. Europe Standard Time', now, 4),
      ],
    },
    {
      resourceId: demoFleet.pool,
      computeStartStop: [
        ...workday('UTC'),
        inMinutes('Stop', 'UTC', now, 2),
        inMinutes('Start', 'UTC', now, 4),
      ],
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
        inMinutes('Stop', 'Pacific Standard Time', now, 3),
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
