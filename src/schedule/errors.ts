// The schedule engine's errors, on the project's one root (the only module outside schedule/ it imports):
// every problem names the field by an RFC 6901 JSON pointer relative to the validated document and says why.

import { SchedulerError, userFault, type FieldProblem } from '../errors.js';

export type { FieldProblem };

/** Bad user input: one or more fields are wrong. Never a system fault. */
export class ScheduleValidationError extends userFault(400, 'invalid-schedule', 'The schedule is invalid') {
  /** @param errors each with a `pointer` into the validated document */
  constructor(errors: readonly FieldProblem[]) {
    super(`schedule: ${errors.map((e) => `${e.pointer || '/'}: ${e.reason}`).join('; ')}`, errors);
  }
}

/**
 * Thrown by parsers deep inside the engine; validation turns it into a ScheduleValidationError with a
 * pointer. A request that meets one unconverted is our bug, so its HTTP status is the root's 500.
 */
export class ScheduleSyntaxError extends SchedulerError {
  readonly isUserError = true;
  override readonly name = 'ScheduleSyntaxError';
  /** Pointer relative to the value being parsed ('' for the value itself). */
  readonly relativePointer: string;

  constructor(reason: string, relativePointer = '') {
    super(reason);
    this.relativePointer = relativePointer;
  }
}
