// The schedule module's error family: every problem names the field (an RFC 6901 JSON pointer)
// and says why, so the HTTP layer and the CLI can report it without knowing the engine.

export interface FieldProblem {
  /** JSON pointer to the offending field, relative to the document that was validated. */
  pointer: string;
  reason: string;
}

/** Bad user input: one or more fields are wrong. Never a system fault. */
export class ScheduleValidationError extends Error {
  readonly isUserError = true;
  readonly errors: FieldProblem[];

  constructor(errors: FieldProblem[]) {
    super(`schedule: ${errors.map((e) => `${e.pointer || '/'}: ${e.reason}`).join('; ')}`);
    this.name = 'ScheduleValidationError';
    this.errors = errors;
  }
}

/** Thrown by parsers deep inside the engine; validation turns it into a ScheduleValidationError with a pointer. */
export class ScheduleSyntaxError extends Error {
  readonly isUserError = true;
  /** Pointer relative to the value being parsed ('' for the value itself). */
  readonly relativePointer: string;

  constructor(reason: string, relativePointer = '') {
    super(reason);
    this.name = 'ScheduleSyntaxError';
    this.relativePointer = relativePointer;
  }
}
