// The Functions entry point: reads and validates settings once, builds the dependencies, and registers
// every function of the registry with the host. Outside the host `app.*` only warns (test mode).

import { app } from '@azure/functions';
import { readConfig } from './config.js';
import { createDependencies } from './functions/dependencies.js';
import { createFunctionRegistry, hasTrigger, type FunctionDefinition } from './functions/registry.js';
import { provisionStorage } from './store/index.js';
import { startTelemetry } from './telemetry/setup.js';

function register(definition: FunctionDefinition): void {
  const { name } = definition;
  if (hasTrigger(definition, 'http')) {
    const { methods, route, authLevel } = definition.trigger;
    app.http(name, { methods, route, authLevel, handler: definition.handler });
  } else if (hasTrigger(definition, 'timer')) {
    // runOnStartup stays off: in production it would fire on every scale-out and restart. The schedule
    // monitor is off too: every timer of ours catches up from its own checkpoint (the tick, the warnings) or
    // is a fresh look each minute (pool rounds), and the monitor's status blob written after each run of
    // each every-minute timer was the largest line of the monthly cost (docs/cost.md).
    app.timer(name, {
      schedule: definition.trigger.schedule,
      runOnStartup: false,
      useMonitor: false,
      handler: definition.handler,
    });
  } else if (hasTrigger(definition, 'queue')) {
    const { queueName, connection } = definition.trigger;
    app.storageQueue(name, { queueName, connection, handler: definition.handler });
  } else if (hasTrigger(definition, 'eventGrid')) {
    app.eventGrid(name, { handler: definition.handler });
  }
}

const config = readConfig(process.env);
// Before the first invocation, so it is traced: Application Insights when configured (docs/telemetry.md).
await startTelemetry(config);
const deps = createDependencies(config);
for (const definition of createFunctionRegistry(deps)) register(definition);

// Tables and queues must exist before the first request or tick; creating them is idempotent.
app.hook.appStart(async () => {
  await provisionStorage(deps.storage);
});
