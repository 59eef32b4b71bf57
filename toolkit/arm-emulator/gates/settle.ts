// Lets time catch up before the request looks: operations due by the clock finish (and raise their
// events) first, so every request, refused or not, sees the fleet as it is now (on the real clock, as it was a
// few ms ago at most when nothing fell due since: see `FleetOptions.coalesceSettlesInMs`).

import type { Gate } from './gate.js';

export function settleFirst(fleet: { settle(): void }): Gate {
  return (exchange, next) => {
    fleet.settle();
    return next(exchange);
  };
}
