// One request on its way through the emulator's gates, and what a gate is: like the Azure SDK's pipeline
// policies, each gate does its one part and hands the request on with `next`, or answers it itself.

import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from '../caller.js';
import type { RequestFault } from '../faults.js';
import type { ArmResponse, ResolvedRoute } from '../routes.js';

/** A request as the gates see it; each gate adds what it learnt for the gates after it. */
export interface Exchange {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  /** The body as it arrives; the body gate reads it into `text`. */
  readonly body: AsyncIterable<Buffer>;
  readonly correlationId: string;
  /** Headers every answer to this request carries, refusals included (the throttle's remaining counts). */
  readonly answerHeaders: Record<string, string>;
  /** What the request log will say about the gates that acted. */
  readonly log: GateNotes;
  text?: string;
  caller?: Caller;
  route?: ResolvedRoute;
}

export interface GateNotes {
  /** The injected fault, the last one when a slow answer ends in another. */
  fault?: RequestFault['kind'];
  /** The bucket that refused a 429, e.g. `VMStartRestartPowerOffPerResource`. */
  throttledBy?: string;
}

/** An answer to send, or none: the connection is dropped. */
export type Answer = ArmResponse | 'dropConnection';

export type Next = (exchange: Exchange) => Promise<Answer>;

/**
 * One step of the way in. A gate refuses by throwing an ArmError. Gates that do not wait call `next`
 * synchronously, so once the body is in, a request passes every gate before another request moves.
 */
export type Gate = (exchange: Exchange, next: Next) => Promise<Answer>;

/** The gates in order, in front of `last`, as one step: built once, run for every request. */
export function chain(gates: readonly Gate[], last: Next): Next {
  return gates.reduceRight<Next>((next, gate) => (exchange) => gate(exchange, next), last);
}

/** What an earlier gate learnt; missing means the gates are out of order, a bug of the emulator. */
export function learnt<T>(value: T | undefined, gate: string): T {
  if (value === undefined) throw new Error(`arm-emulator: the ${gate} gate has not run`);
  return value;
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
