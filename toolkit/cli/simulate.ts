// `compute-scheduler simulate --scenario FILE`: runs the whole pipeline on a virtual clock and prints one
// JSON document (calls, final states, runs, duplicates, missed). A progress bar goes to stderr on a terminal.

import { parseScenario } from '../simulate/scenario.js';
import { simulate } from '../simulate/simulator.js';
import { parseArguments, parseJsonOption, readInputFile } from './arguments.js';
import { UsageError } from './usage-error.js';

function progressBar(): ((done: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = -1;
  return (done) => {
    const percent = Math.floor(done * 100);
    if (percent === last) return;
    last = percent;
    const width = 30;
    const filled = Math.round(done * width);
    process.stderr.write(
      `\rsimulating [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}%${done >= 1 ? '\n' : ''}`,
    );
  };
}

export async function runSimulate(args: string[], write: (text: string) => void): Promise<void> {
  const { values } = parseArguments(args, ['scenario']);
  const file = values.get('scenario');
  if (file === undefined) throw new UsageError('simulate needs --scenario FILE');
  const scenario = parseScenario(parseJsonOption(readInputFile(file, '--scenario'), '--scenario'));
  const onProgress = progressBar();
  const result = await simulate(scenario, onProgress ? { onProgress } : {});
  write(`${JSON.stringify(result, null, 2)}\n`);
}
