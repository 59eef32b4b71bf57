// The compute-scheduler command as users run it: a real child process, stdout, stderr and exit codes.

import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', join(import.meta.dirname, '../../src/cli/main.ts')];

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...CLI, ...args], {
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const stopWeekdays = JSON.stringify({
  triggerType: 'Cron',
  action: 'Stop',
  cron: { expression: '0 18 * * 1-5', timeZone: 'Pacific Standard Time' },
});

describe('compute-scheduler preview', () => {
  it('prints the next N instants strictly after --from, one per line, in UTC', async () => {
    const { code, stdout } = await cli(
      'preview',
      '--schedule',
      stopWeekdays,
      '--from',
      '2026-11-27T02:00:00Z',
      '--count',
      '3',
    );
    expect(code).toBe(0);
    // --from is Thursday 26 November 18:00 PST itself, excluded; then Friday, then Monday and Tuesday.
    expect(stdout).toBe('2026-11-28T02:00:00Z\n2026-12-01T02:00:00Z\n2026-12-02T02:00:00Z\n');
  });

  it('prints the description first with --describe', async () => {
    const { stdout } = await cli(
      'preview',
      '--describe',
      '--schedule',
      stopWeekdays,
      '--from',
      '2026-11-25T00:00:00Z',
      '--count',
      '1',
    );
    expect(stdout).toBe(
      'At 18:00, Monday to Friday, Pacific time (UTC\u221208:00/\u221207:00)\n2026-11-25T02:00:00Z\n',
    );
  });

  it('answers a batch file with one JSON array per line, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-cli-'));
    const file = join(dir, 'batch.jsonl');
    const recurrence = {
      triggerType: 'Recurrence',
      action: 'Start',
      recurrence: { frequency: 'Day', interval: 1, timeZone: 'UTC', schedule: { hours: [8], minutes: [0] } },
    };
    writeFileSync(
      file,
      [
        JSON.stringify({
          schedule: JSON.parse(stopWeekdays) as unknown,
          from: '2026-11-25T00:00:00Z',
          count: 2,
        }),
        '',
        JSON.stringify({ schedule: recurrence, from: '2026-11-25T08:00:00Z', count: 2 }),
      ].join('\n'),
    );
    const { code, stdout } = await cli('preview', '--input', file);
    expect(code).toBe(0);
    expect(stdout).toBe(
      '["2026-11-25T02:00:00Z","2026-11-26T02:00:00Z"]\n["2026-11-26T08:00:00Z","2026-11-27T08:00:00Z"]\n',
    );
  });

  it('exits 2 naming the field for an unknown zone, and suggests close matches', async () => {
    const bad = stopWeekdays.replace('Pacific Standard Time', 'Pacific Standard Tme');
    const { code, stdout, stderr } = await cli(
      'preview',
      '--schedule',
      bad,
      '--from',
      '2026-11-25T00:00:00Z',
      '--count',
      '3',
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('/cron/timeZone');
    expect(stderr).toContain('"Pacific Standard Time"');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['an out-of-range minute', { expression: '61 * * * *' }, '/cron/expression'],
    ['a date that never comes', { expression: '0 0 30 2 *' }, '/cron/expression'],
    [
      'a malformed startTime',
      { expression: '0 8 * * *', startTime: '2026-13-01T00:00:00' },
      '/cron/startTime',
    ],
  ])('exits 2 for %s', async (_name, cron, pointer) => {
    const schedule = JSON.stringify({
      triggerType: 'Cron',
      action: 'Start',
      cron: { timeZone: 'UTC', ...cron },
    });
    const { code, stderr } = await cli(
      'preview',
      '--schedule',
      schedule,
      '--from',
      '2026-11-25T00:00:00Z',
      '--count',
      '1',
    );
    expect(code).toBe(2);
    expect(stderr).toContain(pointer);
  });

  it('exits 2 for a --count that is not a positive whole number and for a bad --from', async () => {
    expect(
      (await cli('preview', '--schedule', stopWeekdays, '--from', '2026-11-25T00:00:00Z', '--count', '-1'))
        .code,
    ).toBe(2);
    const badFrom = await cli('preview', '--schedule', stopWeekdays, '--from', 'yesterday', '--count', '1');
    expect(badFrom.code).toBe(2);
    expect(badFrom.stderr).toContain('--from');
  });
});

describe('compute-scheduler validate', () => {
  const write = (doc: unknown): string => {
    const file = join(mkdtempSync(join(tmpdir(), 'cs-cli-')), 'schedules.json');
    writeFileSync(file, JSON.stringify(doc));
    return file;
  };

  it('accepts Azure ML schedule JSON and lists the entries', async () => {
    const file = write({
      computeStartStop: [
        JSON.parse(stopWeekdays) as unknown,
        {
          triggerType: 'Recurrence',
          action: 'Start',
          status: 'Enabled',
          recurrence: {
            frequency: 'Week',
            interval: 1,
            timeZone: 'W. Europe Standard Time',
            schedule: { hours: [8], minutes: [0], weekDays: ['Monday', 'Friday'] },
          },
        },
      ],
    });
    const { code, stdout } = await cli('validate', '--file', file);
    expect(code).toBe(0);
    expect(stdout).toContain('valid: 2 entries');
  });

  it('exits 2 for five entries and for a Start and a Stop at the same instant', async () => {
    const entry = JSON.parse(stopWeekdays) as Record<string, unknown>;
    const five = await cli(
      'validate',
      '--file',
      write({ computeStartStop: [entry, entry, entry, entry, entry] }),
    );
    expect(five.code).toBe(2);
    expect(five.stderr).toContain('/computeStartStop: 5 entries');
    const clash = await cli(
      'validate',
      '--file',
      write({ computeStartStop: [entry, { ...entry, action: 'Start' }] }),
    );
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(
      /\/computeStartStop\/0 \(Stop\) and \/computeStartStop\/1 \(Start\) both fire at \d{4}-\d{2}-\d{2}T02:00:00Z/,
    );
  });
});

describe('compute-scheduler simulate', () => {
  const vmId =
    '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-1';

  it('prints one JSON document with calls, final states, runs, duplicates and missed', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cs-cli-')), 'scenario.json');
    writeFileSync(
      file,
      JSON.stringify({
        from: '2026-03-02T12:00:00Z',
        to: '2026-03-03T12:00:00Z',
        fleet: [{ resourceId: vmId, state: 'running' }],
        targets: [
          {
            resourceId: vmId,
            schedules: {
              computeStartStop: [
                { triggerType: 'Cron', action: 'Stop', cron: { expression: '0 18 * * *', timeZone: 'UTC' } },
              ],
            },
          },
        ],
      }),
    );
    const { code, stdout } = await cli('simulate', '--scenario', file);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result).toEqual({
      calls: [{ at: '2026-03-02T18:00:00.000Z', resourceId: vmId, operation: 'deallocate', status: 202 }],
      final: [{ resourceId: vmId, state: 'deallocated' }],
      runs: { succeeded: 1, skipped: 0, superseded: 0, failed: 0, poisoned: 0, pending: 0 },
      duplicates: 0,
      missed: 0,
    });
  }, 60_000);

  it('exits 2 naming the field of a scenario mistake', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cs-cli-')), 'scenario.json');
    writeFileSync(
      file,
      JSON.stringify({ from: '2026-03-02T12:00:00Z', to: '2026-03-01T12:00:00Z', fleet: [], targets: [] }),
    );
    const { code, stderr } = await cli('simulate', '--scenario', file);
    expect(code).toBe(2);
    expect(stderr).toContain('/to');
  });
});
