import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/clock.js';
import { defaultTransitionDurations } from '../../../../toolkit/arm-emulator/fleet/durations.js';
import { Fleet } from '../../../../toolkit/arm-emulator/fleet/fleet.js';
import { route } from '../../../../toolkit/arm-emulator/gates/route.js';
import { RoleAssignments } from '../../../../toolkit/arm-emulator/role-assignments.js';
import { ArmRoutes } from '../../../../toolkit/arm-emulator/routes.js';
import { vmId } from '../fixture.js';
import { exchangeOf, pass, recordingNext } from './exchange.js';

function armRoutes(): ArmRoutes {
  const fleet = new Fleet({
    clock: new ManualClock('2026-03-02T08:00:00Z'),
    location: 'westeurope',
    durations: defaultTransitionDurations,
    onFinished: () => undefined,
  });
  return new ArmRoutes({
    fleet,
    baseUrl: () => 'https://127.0.0.1:4443',
    listPageSize: 50,
    pollRetryAfterInSeconds: undefined,
    operationFails: () => false,
    permissions: new RoleAssignments(),
  });
}

describe('the route gate', () => {
  it('finds the route and what it costs before the request is charged: a VM start is a write on vmActions', async () => {
    const exchange = exchangeOf({ method: 'POST', path: `${vmId('vm-1')}/start?api-version=2026-03-01` });
    const next = recordingNext();
    await pass(route(armRoutes()), exchange, next);
    expect(exchange.route).toMatchObject({
      subscriptionId: '6f1c1e2a-3b4d-4c5e-8f90-1a2b3c4d5e6f',
      write: true,
      compute: { policy: 'vmActions', resourceKey: vmId('vm-1').toLowerCase() },
    });
    expect(next.calls).toBe(1);
  });

  it('a VM read is a read on vmReads', async () => {
    const exchange = exchangeOf({ method: 'GET', path: vmId('vm-1') });
    await pass(route(armRoutes()), exchange, recordingNext());
    expect(exchange.route).toMatchObject({ write: false, compute: { policy: 'vmReads' } });
  });

  it('refuses a path the emulator does not serve with 404 InvalidResourceType', async () => {
    const exchange = exchangeOf({ path: '/subscriptions/s/providers/Microsoft.Storage/storageAccounts' });
    const next = recordingNext();
    await expect(pass(route(armRoutes()), exchange, next)).rejects.toMatchObject({
      status: 404,
      code: 'InvalidResourceType',
    });
    expect(next.calls).toBe(0);
  });

  it('refuses a method the path does not take with 405 MethodNotAllowed', async () => {
    const exchange = exchangeOf({ method: 'PUT', path: `${vmId('vm-1')}/start` });
    await expect(pass(route(armRoutes()), exchange, recordingNext())).rejects.toMatchObject({
      status: 405,
      code: 'MethodNotAllowed',
    });
  });
});
