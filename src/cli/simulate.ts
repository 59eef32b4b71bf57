// `compute-scheduler simulate --scenario FILE` (the pipeline on a virtual clock).

import { UsageError } from './usage-error.js';

export function runSimulate(_args: string[], _write: (text: string) => void): Promise<void> {
  return Promise.reject(new UsageError('simulate is not available in this build yet'));
}
