// Shared by the gate tests: a request as the gates see it, built without a server, and a `next` that
// records whether it was reached and answers 200.

import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { Answer, Exchange, Gate, Next } from '../../../../toolkit/arm-emulator/gates/gate.js';

export function exchangeOf(
  request: { method?: string; path?: string; headers?: IncomingHttpHeaders; chunks?: string[] } = {},
): Exchange {
  const chunks = (request.chunks ?? []).map((chunk) => Buffer.from(chunk, 'utf8'));
  return {
    method: request.method ?? 'GET',
    url: new URL(request.path ?? '/', 'https://127.0.0.1:4443'),
    headers: request.headers ?? {},
    body: Readable.from(chunks),
    correlationId: 'c0ffee00-0000-4000-8000-000000000001',
    answerHeaders: {},
    log: {},
  };
}

export const OK: Answer = { status: 200, body: { reached: true } };

/** A `next` that counts its calls and answers OK. */
export function recordingNext(): Next & { calls: number } {
  const next = Object.assign(
    (_exchange: Exchange): Promise<Answer> => {
      next.calls++;
      return Promise.resolve(OK);
    },
    { calls: 0 },
  );
  return next;
}

/** Runs one gate, turning a synchronous refusal into a rejection as the gates before it see it. */
export async function pass(gate: Gate, exchange: Exchange, next: Next): Promise<Answer> {
  return gate(exchange, next);
}
