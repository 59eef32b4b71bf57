// How long each kind of change takes on the emulator's clock, with Azure-like defaults, and how the
// emulator's, a resource's and a test's settings combine.

/** How long each kind of change takes, in milliseconds of the injected clock. */
export interface TransitionDurations {
  /** VM start, scale-set start, ML start. */
  start: number;
  deallocate: number;
  powerOff: number;
  restart: number;
  /** ML compute instance stop. */
  stop: number;
  /** Scale-set capacity change: the last new instance is running (or the last removed one gone) after this. */
  scale: number;
  delete: number;
}

export const defaultTransitionDurations: TransitionDurations = {
  start: 30_000,
  deallocate: 30_000,
  powerOff: 15_000,
  restart: 30_000,
  stop: 20_000,
  scale: 30_000,
  delete: 20_000,
};

export type DurationsOption = number | Partial<TransitionDurations>;

export function resolveDurations(
  base: TransitionDurations,
  option: DurationsOption | undefined,
): TransitionDurations {
  if (option === undefined) return base;
  if (typeof option === 'number') {
    return {
      start: option,
      deallocate: option,
      powerOff: option,
      restart: option,
      stop: option,
      scale: option,
      delete: option,
    };
  }
  return { ...base, ...option };
}
