#!/usr/bin/env node
// The `compute-scheduler` command. User mistakes exit 2 with the reason on stderr; anything else is a
// fault and exits 1 with a one-line message (set DEBUG=1 for the stack).

import { systemClock } from '../../src/clock.js';
import { SchedulerError } from '../../src/errors.js';
import { MAX_JSON_DEPTH } from './arguments.js';
import { MAX_PREVIEW_COUNT, runPreview } from './preview.js';
import { UsageError } from './usage-error.js';
import { runValidate } from './validate.js';

const USAGE = `usage:
  compute-scheduler preview --schedule '<computeStartStop entry JSON>' --from <ISO instant> --count <N> [--describe]
  compute-scheduler preview --input FILE        (each line: {"schedule": <entry>, "from": ISO, "count": N})
  compute-scheduler validate --file schedules.json
  compute-scheduler simulate --scenario FILE
  compute-scheduler cost [--targets N | --scenario FILE] [--memory-mb 512|2048|4096] [--json]

  N is 1 to ${MAX_PREVIEW_COUNT.toLocaleString('en-US')} (default 10); instants run to 9999-12-31T23:59:59Z;
  JSON nests at most ${MAX_JSON_DEPTH} levels.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const write = (text: string): void => {
    process.stdout.write(text);
  };
  switch (command) {
    case 'preview':
      runPreview(args, write);
      return 0;
    case 'validate':
      runValidate(args, write, systemClock);
      return 0;
    case 'simulate': {
      // Loaded on demand: it pulls in Azurite, the emulator and the Azure SDKs.
      const { runSimulate } = await import('./simulate.js');
      await runSimulate(args, write);
      return 0;
    }
    case 'cost': {
      const { runCost } = await import('./cost.js');
      await runCost(args, write);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof SchedulerError && error.isUserError) {
      process.stderr.write(`compute-scheduler: ${error.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`compute-scheduler: ${error instanceof Error ? error.message : String(error)}\n`);
      if (process.env.DEBUG) process.stderr.write(`${String((error as Error).stack)}\n`);
      process.exitCode = 1;
    }
  },
);
