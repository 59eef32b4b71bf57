// Finds the route for a request before it is paid for: an unknown path is a 404 and an unknown method a
// 405, and the route says which throttling buckets the request draws on.

import type { ResolvedRoute } from '../routes.js';
import type { Gate } from './gate.js';

export function route(routes: { resolve(method: string, url: URL): ResolvedRoute }): Gate {
  return (exchange, next) => {
    exchange.route = routes.resolve(exchange.method, exchange.url);
    return next(exchange);
  };
}
