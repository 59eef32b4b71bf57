// A mistake in what the user typed: the CLI prints the reason and exits 2, never a stack trace.

import { SchedulerError } from '../../src/errors.js';

export class UsageError extends SchedulerError {
  readonly isUserError = true;
  override readonly name = 'UsageError';
}
