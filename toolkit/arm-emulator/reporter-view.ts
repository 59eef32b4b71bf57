// What a reporter on an emulated machine sees and would post to `POST /api/targets/{id}/activity`: the
// instances (or the machine) serving sessions now, the sessions on each and who is waiting for a seat. The
// demo pool of `npm start` and simulate's pool driver both report through this, so they cannot drift apart.

import type { ResourceState } from './control.js';
import type { WorkloadReport } from './fleet/workload.js';

/** The activity body a reporter posts: per instance for a pool, one count for a single machine. */
export type ActivityReport =
  { instances: { instanceId: string; sessions: number }[]; waiting: number } | { sessions: number };

export interface ReporterView {
  /** Instance ids (a pool) or `''` (a single machine) serving now: running and not being deleted. */
  serving: string[];
  /** Sessions that found no free seat. */
  waiting: number;
  report: ActivityReport;
}

interface Emulated {
  stateOf(id: string): ResourceState | undefined;
  workloadOf(id: string): WorkloadReport | undefined;
}

/** Instance ids (a pool) or `''` (a single machine) that serve sessions now. */
export function servingOf(state: ResourceState | undefined): string[] {
  if (!state) return [];
  if (state.kind === 'pool') {
    return state.members.filter((m) => !m.deleting && m.power === 'running').map((m) => m.instanceId);
  }
  const running = state.kind === 'vm' ? state.powerState === 'running' : state.state === 'Running';
  return running ? [''] : [];
}

/** What a reporter on the machine would post now; undefined when the emulator has no such machine. */
export function reporterView(emulator: Emulated, resourceId: string): ReporterView | undefined {
  const state = emulator.stateOf(resourceId);
  const workload = emulator.workloadOf(resourceId);
  if (!state || !workload) return undefined;
  const serving = servingOf(state);
  const report: ActivityReport =
    state.kind === 'pool'
      ? {
          instances: serving.map((instanceId) => ({
            instanceId,
            sessions: workload.sessions[instanceId] ?? 0,
          })),
          waiting: workload.waiting,
        }
      : { sessions: workload.sessions[''] ?? 0 };
  return { serving, waiting: workload.waiting, report };
}
