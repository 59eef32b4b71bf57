// The only way the program learns the time. Production reads the system clock; tests and the
// simulator move a manual one, so every time-dependent behaviour can be pinned to golden instants.

export interface Clock {
  /** Milliseconds since the Unix epoch, UTC. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that stands still until told to move. */
export class ManualClock implements Clock {
  private instant: number;

  constructor(start: number | string) {
    this.instant = toInstant(start);
  }

  now(): number {
    return this.instant;
  }

  set(instant: number | string): void {
    this.instant = toInstant(instant);
  }

  advance(byInMs: number): void {
    this.instant += byInMs;
  }
}

function toInstant(value: number | string): number {
  const instant = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(instant)) throw new RangeError(`clock: '${String(value)}' is not an instant`);
  return instant;
}
