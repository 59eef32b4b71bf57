// Reads the request body before anything else looks at the request, refusing one that is too large
// (413) as ARM does; parsing waits until the route is known and paid for.

import { ArmError } from '../arm-error.js';
import type { Gate } from './gate.js';

export function readBody(maxBytes: number): Gate {
  return async (exchange, next) => {
    exchange.text = await readText(exchange.body, maxBytes);
    return next(exchange);
  };
}

async function readText(body: AsyncIterable<Buffer>, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) throw new ArmError(413, 'RequestEntityTooLarge', 'The request body is too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
