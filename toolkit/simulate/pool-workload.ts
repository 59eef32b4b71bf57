// The people of a pool scenario: sessions that open and close as the scenario's `activity` says, placed on
// the machines that are up (packed onto the fullest instance with a free seat, as a hub with a packing
// spawner would), waiting while none has a seat, and interrupted when the machine under them goes away.
// It is what the reporter on the machines would see, and it measures what the users would feel.

import type { ArmEmulator } from '../arm-emulator/index.js';
import type { ScenarioActivity } from './scenario.js';

const MINUTE_MS = 60_000;

interface Session {
  until: number;
  /** Where it runs; undefined while it waits for a seat. */
  instanceId?: string;
  openedAt: number;
}

/** A machine's instances that can host sessions now, and how many seats each has. */
export interface Hosts {
  /** Instance ids of running instances not being deleted ('' for a single machine). */
  serving: string[];
  /** Instances that cost money this minute (anything not deallocated, deleting ones included). */
  billed: number;
}

/** What the users of one machine saw. */
export interface WorkloadFigures {
  interruptedSessions: number;
  /** Seconds each session waited for a seat (0 when one was free at once). */
  waits: number[];
  nodeMinutes: number;
}

/** One pool's (or single machine's) sessions over the scenario. */
export class MachineWorkload {
  private readonly sessions: Session[] = [];
  private next = 0;
  private interrupted = 0;
  private readonly waits: number[] = [];
  private nodeMinutes = 0;
  private lastBilledAt?: number;
  private lastBilled = 0;

  constructor(
    readonly resourceId: string,
    /** This machine's activity, by `from`. */
    private readonly activity: readonly ScenarioActivity[],
    /** Seats per instance: a pool's sessionsPerInstance; a single machine hosts any number. */
    private readonly seats: number,
  ) {
    this.activity = [...activity].sort((a, b) => a.from - b.from);
  }

  /** Sessions open now (placed or waiting). */
  get open(): number {
    return this.sessions.length;
  }

  /** When the next session opens, for skipping quiet minutes. */
  get nextOpening(): number {
    return this.activity[this.next]?.from ?? Infinity;
  }

  /** Opens and closes sessions up to `t`, then moves sessions off machines that went away and seats the waiting. */
  step(t: number, hosts: Hosts): void {
    this.bill(t, hosts.billed);
    for (let i = this.sessions.length - 1; i >= 0; i--)
      if (this.sessions[i]!.until <= t) this.sessions.splice(i, 1);
    while (this.next < this.activity.length && this.activity[this.next]!.from <= t) {
      const a = this.activity[this.next++]!;
      if (a.to <= t) continue;
      for (let s = 0; s < a.sessions; s++) this.sessions.push({ until: a.to, openedAt: t });
    }
    const serving = new Set(hosts.serving);
    for (const session of this.sessions) {
      if (session.instanceId !== undefined && !serving.has(session.instanceId)) {
        this.interrupted++;
        delete session.instanceId;
      }
    }
    this.seat(t, hosts.serving);
  }

  /** Sessions per serving instance, and those waiting: what a reporter posts. */
  report(hosts: Hosts): { instances: { instanceId: string; sessions: number }[]; waiting: number } {
    const perInstance = new Map(hosts.serving.map((id) => [id, 0]));
    let waiting = 0;
    for (const s of this.sessions) {
      if (s.instanceId === undefined) waiting++;
      else perInstance.set(s.instanceId, (perInstance.get(s.instanceId) ?? 0) + 1);
    }
    return {
      instances: [...perInstance].map(([instanceId, sessions]) => ({ instanceId, sessions })),
      waiting,
    };
  }

  /** Whether anyone is waiting for a seat. */
  get waiting(): boolean {
    return this.sessions.some((s) => s.instanceId === undefined);
  }

  figures(end: number): WorkloadFigures {
    this.bill(end, this.lastBilled);
    return { interruptedSessions: this.interrupted, waits: this.waits, nodeMinutes: this.nodeMinutes };
  }

  private seat(t: number, serving: string[]): void {
    const load = new Map(serving.map((id) => [id, 0]));
    for (const s of this.sessions)
      if (s.instanceId !== undefined) load.set(s.instanceId, (load.get(s.instanceId) ?? 0) + 1);
    for (const session of this.sessions) {
      if (session.instanceId !== undefined) continue;
      // Pack: the fullest instance that still has a seat, so idle ones can go.
      let best: string | undefined;
      for (const [id, n] of load) {
        if (n < this.seats && (best === undefined || n > load.get(best)!)) best = id;
      }
      if (best === undefined) return;
      session.instanceId = best;
      load.set(best, load.get(best)! + 1);
      this.waits.push((t - session.openedAt) / 1000);
    }
  }

  /** Adds the node-minutes since the last step at the count billed then, and remembers the new count. */
  private bill(t: number, billed: number): void {
    if (this.lastBilledAt !== undefined && t > this.lastBilledAt) {
      this.nodeMinutes += (this.lastBilled * (t - this.lastBilledAt)) / MINUTE_MS;
    }
    this.lastBilledAt = t;
    this.lastBilled = billed;
  }
}

/** The instances of a machine in the emulator that host sessions and that bill, right now. */
export function hostsOf(emulator: ArmEmulator, resourceId: string): Hosts {
  const state = emulator.stateOf(resourceId);
  if (!state) return { serving: [], billed: 0 };
  if (state.kind === 'pool') {
    const live = state.members.filter((m) => !m.deleting);
    return {
      serving: live.filter((m) => m.power === 'running').map((m) => m.instanceId),
      billed: state.members.filter((m) => m.power !== 'deallocated').length,
    };
  }
  const running = state.kind === 'vm' ? state.powerState === 'running' : state.state === 'Running';
  const billed = state.kind === 'vm' ? state.powerState !== 'deallocated' : state.state !== 'Stopped';
  return { serving: running ? [''] : [], billed: billed ? 1 : 0 };
}
