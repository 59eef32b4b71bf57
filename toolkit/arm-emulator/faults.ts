// Injected failures: 500s, 429s, slow answers, dropped connections and operations that end Failed.
// Each draw is fixed by the seed, the request (method and path) and how many such requests came before,
// so a seed replays the same faults even when concurrent callers reach the emulator in another order.

import { createHash } from 'node:crypto';

export interface FaultRequest {
  method: string;
  /** Path without the query string, as sent. */
  path: string;
}

export interface FaultOptions {
  /** Seed for the draws; the same seed and the same requests per resource give the same faults. Default 1. */
  seed?: number;
  /** Share of requests answered 500 InternalServerError (0–1). */
  serverErrorRate?: number;
  /** Share of requests answered 429 without touching any bucket. */
  throttleRate?: number;
  /** Retry-After sent with an injected 429, in seconds. Default 30. */
  throttleRetryAfterInSeconds?: number;
  /** Share of requests answered only after `slowDelayInMs` of real time. */
  slowRate?: number;
  /** Default 2000. */
  slowDelayInMs?: number;
  /** Share of requests whose connection is destroyed before any answer. */
  dropConnectionRate?: number;
  /** Share of long-running operations that end Failed instead of Succeeded. */
  operationFailureRate?: number;
  /** Only requests this returns true for are faulted (operations: the request that started them). */
  appliesTo?: (request: FaultRequest) => boolean;
}

export type RequestFault =
  | { kind: 'dropConnection' }
  | { kind: 'serverError' }
  | { kind: 'throttle'; retryAfterInSeconds: number }
  | { kind: 'slow'; delayInMs: number };

/** mulberry32: tiny, fast, and good enough to spread faults; not for anything secret. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A number in [0, 1) fixed by the seed and the key. SHA-256, not a small hash: keys differ only in a
 * counter, and a weak mix turns neighbouring counts into runs of the same fault.
 */
export function keyedUnit(seed: number, key: string): number {
  return createHash('sha256').update(`${seed}:${key}`).digest().readUInt32BE(0) / 2 ** 32;
}

export class FaultInjector {
  private options: FaultOptions = {};
  /** Requests seen per method and path since the last `configure`. */
  private readonly seen = new Map<string, number>();

  constructor(options: FaultOptions = {}) {
    this.configure(options);
  }

  /** Replaces every fault setting and restarts the random sequence from the seed. */
  configure(options: FaultOptions): void {
    for (const [name, value] of Object.entries(options)) {
      if (name.endsWith('Rate') && (typeof value !== 'number' || value < 0 || value > 1)) {
        throw new RangeError(`arm-emulator: fault ${name} must be a number from 0 to 1`);
      }
    }
    this.options = { ...options };
    this.seen.clear();
  }

  /** The draws for one request: fixed by the seed, the request and its count among its kind. */
  private drawsFor(kind: string, request: FaultRequest): () => number {
    const key = `${kind} ${request.method.toUpperCase()} ${request.path.toLowerCase()}`;
    const count = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, count);
    const seed = this.options.seed ?? 1;
    let draw = 0;
    return () => keyedUnit(seed, `${key}#${count}/${draw++}`);
  }

  /**
   * The faults for one request, at most one that ends it (drop, 500 or 429) plus possibly a delay.
   * Every rate draws once per request, even when zero, so changing one rate does not shift the others.
   */
  forRequest(request: FaultRequest): RequestFault[] {
    const { options } = this;
    const random = this.drawsFor('request', request);
    const drop = random() < (options.dropConnectionRate ?? 0);
    const serverError = random() < (options.serverErrorRate ?? 0);
    const throttle = random() < (options.throttleRate ?? 0);
    const slow = random() < (options.slowRate ?? 0);
    if (options.appliesTo && !options.appliesTo(request)) return [];
    const faults: RequestFault[] = [];
    if (slow) faults.push({ kind: 'slow', delayInMs: options.slowDelayInMs ?? 2000 });
    if (drop) faults.push({ kind: 'dropConnection' });
    else if (serverError) faults.push({ kind: 'serverError' });
    else if (throttle) {
      faults.push({ kind: 'throttle', retryAfterInSeconds: options.throttleRetryAfterInSeconds ?? 30 });
    }
    return faults;
  }

  /** Whether an operation started by this request should end Failed. */
  operationFails(request: FaultRequest): boolean {
    const fails = this.drawsFor('operation', request)() < (this.options.operationFailureRate ?? 0);
    if (this.options.appliesTo && !this.options.appliesTo(request)) return false;
    return fails;
  }
}
