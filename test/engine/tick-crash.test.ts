// The tick's batched moves against real Table Storage (Azurite), crashed at every storage call it makes:
// the tick run again after the crash sends every due target's message (more than once is fine: the run
// row dedupes), and leaves each entry exactly one due row, at its next occurrence, that the next tick
// accepts as current. Nothing lost, nothing left behind to act on twice.

import { TableClient } from '@azure/data-tables';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { ActionMessage } from '../../src/engine/action-message.js';
import { resolveTickOptions } from '../../src/engine/options.js';
import { tick } from '../../src/engine/tick.js';
import { validateEntry } from '../../src/schedule/index.js';
import type { DueEntry, Store } from '../../src/store/ports.js';
import { freshStorage } from '../support/storage.js';
import { vmTarget } from '../store/fixtures.js';
import { MemoryActionQueue } from './fakes.js';

const at = (iso: string) => Date.parse(iso);
const stopAt18 = validateEntry({
  triggerType: 'Cron',
  action: 'Stop',
  cron: { expression: '0 18 * * *', timeZone: 'UTC' },
});
const stopAt18Too = validateEntry({
  triggerType: 'Recurrence',
  action: 'Stop',
  recurrence: { frequency: 'Day', interval: 1, timeZone: 'UTC', schedule: { hours: [18], minutes: [0] } },
});
const DUE = at('2026-11-26T18:00:00Z');
const NEXT = at('2026-11-27T18:00:00Z');

class HostCrash extends Error {}

/** Makes every storage call after the first `survive` ones fail, as if the host had died there. */
class CrashAfter {
  calls = 0;
  private readonly restore: (() => void)[] = [];

  constructor(
    private readonly survive: number,
    actions: MemoryActionQueue,
  ) {
    const methods = [
      'getEntity',
      'updateEntity',
      'upsertEntity',
      'deleteEntity',
      'submitTransaction',
    ] as const;
    for (const name of methods) this.wrap(TableClient.prototype as unknown as Record<string, unknown>, name);
    this.wrap(actions as unknown as Record<string, unknown>, 'send');
  }

  private wrap(owner: Record<string, unknown>, name: string): void {
    const original = owner[name] as (...args: unknown[]) => Promise<unknown>;
    const own = Object.prototype.hasOwnProperty.call(owner, name);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const crash = this;
    owner[name] = function (this: unknown, ...args: unknown[]) {
      if (crash.calls++ >= crash.survive) return Promise.reject(new HostCrash(`crashed at ${name}`));
      return original.apply(this, args);
    };
    this.restore.push(() => {
      if (own) owner[name] = original;
      else delete owner[name];
    });
  }

  heal(): void {
    for (const undo of this.restore.splice(0)) undo();
  }
}

async function register(store: Store): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, entries] of [[stopAt18, stopAt18Too], [stopAt18], [stopAt18]].entries()) {
    const target = await store.targets.create(vmTarget(`vm-crash-${i}`));
    await store.schedules.replace(target.id, {
      entries,
      nextOccurrences: entries.map(() => DUE),
      registeredAt: target.createdAt,
      updatedAt: target.createdAt,
    });
    ids.push(target.id);
  }
  return ids;
}

async function dueRows(store: Store, after: number, until: number): Promise<DueEntry[]> {
  const rows: DueEntry[] = [];
  for await (const row of store.due.listDue(after, until)) rows.push(row);
  return rows;
}

let crash: CrashAfter | undefined;
afterEach(() => crash?.heal());

describe('the tick crashed at any storage call', () => {
  it('sends every due message after the restart, and leaves each entry one current row at its next occurrence', async () => {
    // A clean run first, to learn how many calls there are to crash at.
    let callsInCleanRun = 0;
    for (let survive = 0; survive <= callsInCleanRun; survive++) {
      const { store } = await freshStorage();
      const ids = await register(store);
      const actions = new MemoryActionQueue();
      const deps = {
        store,
        actions,
        clock: new ManualClock(DUE + 30_000),
        options: resolveTickOptions(),
      };
      crash = new CrashAfter(survive === 0 ? Number.MAX_SAFE_INTEGER : survive - 1, actions);
      const first = await tick(deps).catch((error: unknown) => error);
      const calls = crash.calls;
      crash.heal();
      if (survive === 0) {
        expect(first).not.toBeInstanceOf(Error);
        callsInCleanRun = calls;
        expect(callsInCleanRun).toBeGreaterThan(5);
      } else {
        // The store wraps what failed beneath it (a StorageError whose cause is the crash).
        expect(first).toBeInstanceOf(Error);
        expect(calls).toBeGreaterThan(survive - 1);
        await tick(deps);
      }

      const sent = new Set(actions.sent.map(({ message }: { message: ActionMessage }) => message.targetId));
      expect([...sent].sort(), `crash after ${survive - 1} calls`).toEqual([...ids].sort());
      expect(await dueRows(store, DUE - 60_000, DUE)).toEqual([]);
      const next = await dueRows(store, DUE, NEXT + 60_000);
      expect(next.map((row) => `${row.targetId}/${row.entryIndex}@${row.at}`).sort()).toEqual(
        [`${ids[0]}/0@${NEXT}`, `${ids[0]}/1@${NEXT}`, `${ids[1]}/0@${NEXT}`, `${ids[2]}/0@${NEXT}`].sort(),
      );
      for (const row of next) expect(await store.due.isCurrent(row)).toBe(true);
    }
  });
});
