// The end of the way in: the body, read earlier, is parsed now (a throttled request with bad JSON is a
// 429, as in Azure, not a 400) and the route answers with the caller and correlation id the gates found.

import { ArmError } from '../arm-error.js';
import { learnt, type Answer, type Exchange } from './gate.js';

export function answer(exchange: Exchange): Promise<Answer> {
  const route = learnt(exchange.route, 'route');
  const body = parseBody(learnt(exchange.text, 'read body'));
  return Promise.resolve(
    route.handle({
      method: exchange.method,
      url: exchange.url,
      body,
      caller: learnt(exchange.caller, 'authenticate'),
      correlationId: exchange.correlationId,
      ...ifMatchOf(exchange),
    }),
  );
}

function parseBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ArmError(400, 'InvalidRequestContent', 'The request content was not valid JSON.');
  }
}

function ifMatchOf(exchange: Exchange): { ifMatch?: string } {
  const value = exchange.headers['if-match'];
  return typeof value === 'string' ? { ifMatch: value } : {};
}
