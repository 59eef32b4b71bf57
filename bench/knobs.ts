// The environment variables that shrink or reshape a bench (BENCH_*), read in one place: a smaller run
// proves a bench works in seconds; the defaults are the figures the README quotes.

/** A positive number from `name`, or `fallback` when it is unset or empty. */
export function numberKnob(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`bench: ${name} must be a positive number`);
  return value;
}

/** A comma-separated list of positive numbers from `name`, e.g. `1000,10000`, or `fallback`. */
export function numberListKnob(name: string, fallback: readonly number[]): number[] {
  const raw = process.env[name]?.trim();
  if (!raw) return [...fallback];
  const values = raw.split(',').map(Number);
  if (values.some((v) => !Number.isFinite(v) || v <= 0)) {
    throw new Error(`bench: ${name} must be a comma-separated list of positive numbers`);
  }
  return values;
}
