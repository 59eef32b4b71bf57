// The part of autocannon's API the registration bench uses: autocannon ships no types of its own.

declare module 'autocannon' {
  export interface Request {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  }

  export interface Options extends Request {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    requests?: (Request & { setupRequest?: (request: Request) => Request })[];
  }

  export interface Result {
    /** `total`: requests answered. */
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
  }

  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
