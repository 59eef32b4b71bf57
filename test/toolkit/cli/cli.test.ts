// The compute-scheduler command as users run it: a real child process, stdout, stderr and exit codes.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { CostReport } from '../../../toolkit/cli/cost.js';

const run = promisify(execFile);

/** The files the tests hand the command, under one directory that goes when this file's tests end. */
const scratch = mkdtempSync(join(tmpdir(), 'cs-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const scratchDir = (): string => mkdtempSync(join(scratch, 'case-'));
const CLI = ['--import', 'tsx', join(import.meta.dirname, '../../../toolkit/cli/main.ts')];

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
    const dir = scratchDir();
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

describe('compute-scheduler refuses input it cannot answer, with exit 2 and never a stack trace', () => {
  const file = (name: string, text: string): string => {
    const path = join(scratchDir(), name);
    writeFileSync(path, text);
    return path;
  };
  const deep = (levels: number): string => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
  const expectRefused = (
    result: { code: number; stdout: string; stderr: string },
    ...phrases: string[]
  ): void => {
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    for (const phrase of phrases) expect(result.stderr).toContain(phrase);
    expect(result.stderr).not.toMatch(/\n\s+at |Maximum call stack|heap/);
  };

  it('a --count above 1,000,000, on the command line and on a batch line (1e12 used to exhaust memory)', async () => {
    expectRefused(
      await cli(
        'preview',
        '--schedule',
        stopWeekdays,
        '--from',
        '2026-11-25T00:00:00Z',
        '--count',
        '1000001',
      ),
      '--count: 1000001 is more than 1,000,000',
    );
    const batch = file(
      'batch.jsonl',
      `{"schedule": ${stopWeekdays}, "from": "2026-11-25T00:00:00Z", "count": 1e12}\n`,
    );
    expectRefused(
      await cli('preview', '--input', batch),
      'line 1 /count: 1000000000000 is more than 1,000,000',
    );
  });

  it('JSON nested thousands of levels deep, in every command that reads JSON', async () => {
    const nested = deep(5000);
    expectRefused(
      await cli(
        'validate',
        '--file',
        file(
          'deep.json',
          `{"computeStartStop": [{"triggerType": "Recurrence", "action": "Start", "recurrence": {"frequency": "Day", "interval": ${nested}}}]}`,
        ),
      ),
      '--file: JSON nested more than 32 levels deep',
    );
    expectRefused(
      await cli(
        'preview',
        '--input',
        file(
          'deep.jsonl',
          `{"schedule": ${stopWeekdays}, "from": "2026-11-25T00:00:00Z", "count": ${nested}}\n`,
        ),
      ),
      'line 1: JSON nested more than 32 levels deep',
    );
    expectRefused(
      await cli('preview', '--schedule', nested, '--from', '2026-11-25T00:00:00Z'),
      '--schedule: JSON nested more than 32 levels deep',
    );
    expectRefused(
      await cli(
        'simulate',
        '--scenario',
        file(
          'deep.json',
          `{"from": "2026-03-02T12:00:00Z", "to": "2026-03-03T12:00:00Z", "fleet": [], "targets": [{"schedules": ${nested}}]}`,
        ),
      ),
      '--scenario: JSON nested more than 32 levels deep',
    );
  });

  it('brackets inside JSON strings do not count as nesting', async () => {
    const schedule = JSON.stringify({
      triggerType: 'Cron',
      action: 'Stop',
      cron: { expression: '0 18 * * 1-5', timeZone: `UTC${'['.repeat(100)}` },
    });
    const result = await cli('preview', '--schedule', schedule, '--from', '2026-11-25T00:00:00Z');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('/cron/timeZone');
  });

  it('a nested value where a number belongs, quoted back by its type only', async () => {
    const schedule = JSON.stringify({
      triggerType: 'Recurrence',
      action: 'Start',
      recurrence: { frequency: 'Day', interval: [[[1]]], schedule: { hours: [[8]], minutes: [0] } },
    });
    expectRefused(
      await cli('preview', '--schedule', schedule, '--from', '2026-11-25T00:00:00Z'),
      '/recurrence/interval: must be a whole number; got an array',
      '/recurrence/schedule/hours/0: must be an integer; got an array',
    );
  });

  it('a --from or a batch from that names a day the month does not have, instead of rolling it over', async () => {
    expectRefused(
      await cli('preview', '--schedule', stopWeekdays, '--from', '2026-02-30T00:00:00Z'),
      '--from: "2026-02-30T00:00:00Z" is not a date: 2026-02 has 28 days',
    );
    const batch = file(
      'batch.jsonl',
      `{"schedule": ${stopWeekdays}, "from": "2026-04-31T00:00:00Z", "count": 1}\n`,
    );
    expectRefused(
      await cli('preview', '--input', batch),
      'line 1 /from: "2026-04-31T00:00:00Z" is not a date: 2026-04 has 30 days',
    );
  });

  it('a --from after 9999-12-31T23:59:59Z, and prints no instant past it', async () => {
    expectRefused(
      await cli('preview', '--schedule', stopWeekdays, '--from', '9999-12-31T23:00:00-05:00'),
      '--from: "9999-12-31T23:00:00-05:00" is after 9999-12-31T23:59:59Z',
    );
    const daily = JSON.stringify({ triggerType: 'Cron', action: 'Stop', cron: { expression: '0 8 * * *' } });
    const { code, stdout } = await cli(
      'preview',
      '--schedule',
      daily,
      '--from',
      '9999-12-30T00:00:00Z',
      '--count',
      '5',
    );
    expect(code).toBe(0);
    expect(stdout).toBe('9999-12-30T08:00:00Z\n9999-12-31T08:00:00Z\n');
  });
});

describe('compute-scheduler validate', () => {
  const write = (doc: unknown): string => {
    const file = join(scratchDir(), 'schedules.json');
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

const vmId =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-1';

/** The scenario as a file for `--scenario`. */
function scenarioFile(doc: unknown): string {
  const file = join(scratchDir(), 'scenario.json');
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

const stopAt18 = {
  computeStartStop: [
    { triggerType: 'Cron', action: 'Stop', cron: { expression: '0 18 * * *', timeZone: 'UTC' } },
  ],
};

/** A scenario file of one running VM whose schedule stops it at 18:00 UTC, over the window given. */
const oneVmStoppedAt18 = (from: string, to: string): string =>
  scenarioFile({
    from,
    to,
    fleet: [{ resourceId: vmId, state: 'running' }],
    targets: [{ resourceId: vmId, schedules: stopAt18 }],
  });

describe('compute-scheduler simulate', () => {
  it('prints one JSON document with calls, final states, runs, duplicates, missed, wrong finals and stale actions', async () => {
    const file = oneVmStoppedAt18('2026-03-02T12:00:00Z', '2026-03-03T12:00:00Z');
    const { code, stdout } = await cli('simulate', '--scenario', file);
    expect(code).toBe(0);
    const { cost, ...result } = JSON.parse(stdout) as Record<string, unknown>;
    // What the window would be billed for; its wall times vary from run to run, its shape does not.
    expect(cost).toMatchObject({
      storage: { table: expect.any(Object) as unknown, queue: expect.any(Object) as unknown },
      executions: { tick: { trigger: 'timer' }, execute: { trigger: 'queue' } },
      arm: { writes: 1 },
    });
    expect(result).toEqual({
      calls: [{ at: '2026-03-02T18:00:00.000Z', resourceId: vmId, operation: 'deallocate', status: 202 }],
      final: [{ resourceId: vmId, state: 'deallocated' }],
      runs: { succeeded: 1, accepted: 0, skipped: 0, superseded: 0, failed: 0, poisoned: 0, pending: 0 },
      duplicates: 0,
      failures: [],
      missed: 0,
      wrongFinal: 0,
      staleActions: 0,
    });
  }, 60_000);

  it('exits 2 for the same resource twice in targets (once in other letter case), naming both', async () => {
    const { code, stdout, stderr } = await cli(
      'simulate',
      '--scenario',
      scenarioFile({
        from: '2026-03-02T12:00:00Z',
        to: '2026-03-03T12:00:00Z',
        fleet: [{ resourceId: vmId, state: 'running' }],
        targets: [
          { resourceId: vmId, schedules: stopAt18 },
          { resourceId: vmId.toUpperCase(), schedules: stopAt18 },
        ],
      }),
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('scenario /targets/1/resourceId: is already a target at /targets/0');
  });

  it('exits 2 for a scenario date the month does not have, naming the field', async () => {
    const { code, stderr } = await cli(
      'simulate',
      '--scenario',
      scenarioFile({ from: '2026-02-29T00:00:00Z', to: '2026-03-03T12:00:00Z', fleet: [], targets: [] }),
    );
    expect(code).toBe(2);
    expect(stderr).toContain('scenario /from: "2026-02-29T00:00:00Z" is not a date: 2026-02 has 28 days');
  });

  it('exits 2 naming the field of a scenario mistake', async () => {
    const file = scenarioFile({
      from: '2026-03-02T12:00:00Z',
      to: '2026-03-01T12:00:00Z',
      fleet: [],
      targets: [],
    });
    const { code, stderr } = await cli('simulate', '--scenario', file);
    expect(code).toBe(2);
    expect(stderr).toContain('/to');
  });
});

describe('compute-scheduler cost', () => {
  // Two hours with one stop: every minute ticks (30 × 1,440 runs of each of the three timers a month).
  const twoHours = () => oneVmStoppedAt18('2026-03-02T17:00:00Z', '2026-03-02T19:00:00Z');

  it('prints a month per 1,000 targets from what a scenario counted', async () => {
    const { code, stdout } = await cli('cost', '--scenario', twoHours(), '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as CostReport;
    expect(report.scenario).toEqual({
      targets: 1,
      days: 2 / 24,
      from: '2026-03-02T17:00:00.000Z',
      to: '2026-03-02T19:00:00.000Z',
    });
    expect(report.counted.executions.tick?.count).toBe(120);
    const month = report.perThousandTargets.withFreeGrant;
    // The app's timers run without the host's schedule monitor: no status blob per run.
    expect(month.host.timerStatusWrites).toBe(0);
    expect(month.storage.tableTransactions).toBeGreaterThan(0);
    expect(report.perThousandTargets.withoutFreeGrant.totalUsd).toBeGreaterThan(month.totalUsd);
  }, 60_000);

  it('says it in words without --json', async () => {
    const { code, stdout } = await cli('cost', '--scenario', twoHours());
    expect(code).toBe(0);
    expect(stdout).toContain('Per 1,000 targets, 30 days, Flex Consumption on demand at 512 MB');
    expect(stdout).toMatch(/with the free grant: +USD \d+\.\d\d a month/);
  }, 60_000);

  it('exits 2 for an instance size Flex does not have, and for --targets with --scenario', async () => {
    const size = await cli('cost', '--memory-mb', '1024');
    expect(size.code).toBe(2);
    expect(size.stderr).toContain('--memory-mb: 1024 is not one of 512, 2048, 4096');
    const both = await cli('cost', '--targets', '10', '--scenario', 'x.json');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--targets N');
  });
});
