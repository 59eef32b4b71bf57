// Lets time catch up before the request looks: operations due by the clock finish (and raise their
// events) first, so every request, refused or not, sees the fleet as it is now. A settle costs what fell due
// since the last one, so every request can afford one.

import type { Gate } from './gate.js';

export function settleFirst(fleet: { settle(): void }): Gate {
  return (exchange, next) => {
    fleet.settle();
    return next(exchange);
  };
}
