// Replaces the Azure SDK's default retry policy, which sleeps for any Retry-After on a 429 or 503 (20
// minutes is possible) and never retries a 429 without one. Here a call retries a few times, quickly,
// and hands long waits back to the caller, whose queue can delay the message instead of holding a worker.

import { retryPolicy, type PipelinePolicy, type RetryStrategy } from '@azure/core-rest-pipeline';

export interface CappedRetryOptions {
  /** Retries after the first attempt, for 5xx, 408 and dropped connections. */
  maxRetries: number;
  /** First back-off; doubles each retry, with jitter. */
  retryDelayInMs: number;
  maxRetryDelayInMs: number;
  /** A 429/503 whose Retry-After is at most this is waited out inside the call; a longer one is returned. */
  maxRetryAfterInMs: number;
}

export const cappedRetryPolicyName = 'cappedRetryPolicy';

/** Network failures worth another try: the request may never have reached Azure, or its answer was lost. */
const TRANSPORT_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'REQUEST_SEND_ERROR',
  'UND_ERR_SOCKET',
]);

export function isTransportErrorCode(code: string | undefined): boolean {
  return code !== undefined && TRANSPORT_ERROR_CODES.has(code);
}

/** Retry-After in seconds or as an HTTP date, or Azure's millisecond headers; undefined when absent. */
export function retryAfterInMs(
  headers: { get(name: string): string | undefined },
  now = Date.now(),
): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = Number(headers.get(name));
    if (headers.get(name) !== undefined && Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = headers.get('retry-after');
  if (retryAfter === undefined) return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(retryAfter);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

function isTransientStatus(status: number): boolean {
  return status === 408 || (status >= 500 && status !== 501 && status !== 505);
}

export function cappedRetryPolicy(options: CappedRetryOptions): PipelinePolicy {
  const backOff = (retryCount: number): number => {
    const exponential = options.retryDelayInMs * 2 ** retryCount;
    const jittered = exponential * (0.8 + Math.random() * 0.4);
    return Math.min(options.maxRetryDelayInMs, Math.round(jittered));
  };
  const strategy: RetryStrategy = {
    name: 'cappedRetryStrategy',
    retry({ retryCount, response, responseError }) {
      if (response && (response.status === 429 || response.status === 503)) {
        const wait = retryAfterInMs(response.headers);
        if (wait !== undefined)
          return wait <= options.maxRetryAfterInMs ? { retryAfterInMs: wait } : { skipStrategy: true };
        if (response.status === 429) return { skipStrategy: true };
      }
      if (response && isTransientStatus(response.status)) return { retryAfterInMs: backOff(retryCount) };
      if (!response && responseError && isTransportErrorCode(responseError.code)) {
        return { retryAfterInMs: backOff(retryCount) };
      }
      return { skipStrategy: true };
    },
  };
  const policy = retryPolicy([strategy], { maxRetries: options.maxRetries });
  return { name: cappedRetryPolicyName, sendRequest: (request, next) => policy.sendRequest(request, next) };
}
