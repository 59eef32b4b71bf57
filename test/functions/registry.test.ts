import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.js';
import { createDependencies } from '../../src/functions/dependencies.js';
import { createFunctionRegistry, hasTrigger } from '../../src/functions/registry.js';
import { operations } from '../../src/api-contract/operations.js';

const deps = createDependencies(readConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }));
const registry = createFunctionRegistry(deps);

describe('the function registry', () => {
  it('has one HTTP function per API operation, with its route, method and key level', () => {
    for (const operation of operations) {
      const fn = registry.find((d) => d.name === operation.operationId);
      expect(fn, operation.operationId).toBeDefined();
      expect(fn?.trigger).toEqual({
        type: 'http',
        methods: [operation.method],
        route: operation.route,
        authLevel: operation.authLevel,
      });
    }
  });

  it('serves the routes the README lists', () => {
    const served = registry
      .filter((d) => hasTrigger(d, 'http') && !d.name.startsWith('methodNotAllowed'))
      .flatMap((d) =>
        hasTrigger(d, 'http') ? d.trigger.methods.map((m) => `${m} /api/${d.trigger.route}`) : [],
      );
    expect(served.sort()).toEqual(
      [
        'POST /api/targets',
        'GET /api/targets',
        'GET /api/targets/{id}',
        'DELETE /api/targets/{id}',
        'PUT /api/targets/{id}/schedules',
        'GET /api/targets/{id}/schedules',
        'GET /api/targets/{id}/timeline',
        'POST /api/preview',
        'POST /api/targets/{id}/actions/{action}',
        'GET /api/targets/{id}/runs',
        'GET /api/targets/{id}/registrations',
        'PUT /api/targets/{id}/enforcement',
        'GET /api/targets/{id}/enforcement',
        'DELETE /api/targets/{id}/enforcement',
        'POST /api/targets/{id}/override',
        'GET /api/targets/{id}/override',
        'DELETE /api/targets/{id}/override',
        'GET /api/openapi.json',
        'PUT /api/targets/{id}/pool',
        'GET /api/targets/{id}/pool',
        'DELETE /api/targets/{id}/pool',
        'PUT /api/targets/{id}/idle',
        'GET /api/targets/{id}/idle',
        'DELETE /api/targets/{id}/idle',
        'GET /api/targets/{id}/pool/history',
        'PATCH /api/targets/{id}',
        'POST /api/targets/{id}/activity',
        'POST /api/targets/{id}/activity-tokens',
        'GET /api/targets/{id}/activity-tokens',
        'DELETE /api/targets/{id}/activity-tokens/{tokenId}',
        'POST /api/targets/{id}/wake',
        'GET /api/targets/{id}/connect',
        'GET /api/dashboard',
        'GET /api/dashboard/assets/{*file}',
        'GET /api/policies',
        'PUT /api/policies/{name}',
        'GET /api/policies/{name}',
        'DELETE /api/policies/{name}',
        'POST /api/policies/{name}/apply',
        'PUT /api/targets/{id}/warning',
        'GET /api/targets/{id}/warning',
        'DELETE /api/targets/{id}/warning',
        'GET /api/warnings/snooze',
      ].sort(),
    );
  });

  it('runs the tick and the pools round every minute at second 0, and executes both queues', () => {
    const timers = registry.filter((d) => hasTrigger(d, 'timer'));
    expect(timers.map((d) => [d.name, hasTrigger(d, 'timer') && d.trigger.schedule])).toEqual([
      ['tick', '0 * * * * *'],
      ['poolRound', '0 * * * * *'],
      ['warnBeforeStops', '30 * * * * *'],
    ]);
    const queues = registry.filter((d) => hasTrigger(d, 'queue'));
    expect(
      queues.map((d) => [
        d.name,
        hasTrigger(d, 'queue') && d.trigger.queueName.replace(/^.*?(actions|pools)$/, '$1'),
        hasTrigger(d, 'queue') && d.trigger.connection,
      ]),
    ).toEqual([
      ['execute', 'actions', 'AzureWebJobsStorage'],
      ['reconcile', 'pools', 'AzureWebJobsStorage'],
    ]);
  });

  it('requires a function key everywhere but openapi.json, activity reports, the connect page and the snooze link', () => {
    // A reporter on a machine has an activity token, a browser following a bookmark a sign-in, and a snooze
    // link its signature, but none has a function key; these routes check their caller themselves.
    const anonymous = ['openapi.json', 'targets/{id}/activity', 'targets/{id}/connect', 'warnings/snooze'];
    for (const d of registry) {
      if (!hasTrigger(d, 'http')) continue;
      expect(d.trigger.authLevel, d.name).toBe(
        anonymous.includes(d.trigger.route) ? 'anonymous' : 'function',
      );
    }
  });

  it('answers every other method of each route with a 405 function, never two functions per method', () => {
    const byRoute = new Map<string, string[]>();
    for (const d of registry) {
      if (!hasTrigger(d, 'http')) continue;
      byRoute.set(d.trigger.route, [...(byRoute.get(d.trigger.route) ?? []), ...d.trigger.methods]);
    }
    for (const [route, methods] of byRoute) {
      expect([...methods].sort(), route).toEqual(['DELETE', 'GET', 'PATCH', 'POST', 'PUT']);
    }
  });

  it('gives every function a unique name the Functions host accepts', () => {
    const names = registry.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[A-Za-z][A-Za-z0-9_-]{0,126}$/);
  });
});
