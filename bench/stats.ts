// How every bench summarises its timings: the median, nearest-rank percentiles and elapsed milliseconds,
// so that the figures of different tables are taken the same way.

/** The middle value of `values` (the upper one of two), or NaN when there are none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The middle, fastest and slowest of a series of timings. */
export interface Timings {
  medianInMs: number;
  minInMs: number;
  maxInMs: number;
}

export function timings(valuesInMs: readonly number[]): Timings {
  return {
    medianInMs: median(valuesInMs),
    minInMs: Math.min(...valuesInMs),
    maxInMs: Math.max(...valuesInMs),
  };
}

/** Nearest-rank percentile `p` (0–100) of values sorted ascending; undefined when there are none. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Milliseconds since `startedNs`, a `process.hrtime.bigint()`. */
export function elapsedInMs(startedNs: bigint): number {
  return Number(process.hrtime.bigint() - startedNs) / 1e6;
}

/** `n` with thousands separators and `digits` decimals, as the tables print figures. */
export function formatNumber(n: number, digits = 0): string {
  return n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
