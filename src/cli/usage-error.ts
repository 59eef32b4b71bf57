// A mistake in what the user typed: the CLI prints the reason and exits 2, never a stack trace.

export class UsageError extends Error {
  readonly isUserError = true;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
