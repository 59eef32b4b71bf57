// The permission check over real HTTP, wired as `npm start` wires it: the local host asks the ARM emulator's
// permissions API with a token for the caller, and the emulator answers from the role assignments it holds.

import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROLE, clientPrincipalHeaders } from '../../src/auth/principal.js';
import { actionMatches, isAllowed } from '../../src/auth/permissions.js';
import { startLocalHost, type LocalHost } from '../../toolkit/local-host/host.js';
import { localPermissionCheck } from '../../toolkit/local-host/permissions.js';
import { startArmEmulator, type ArmEmulator } from '../../toolkit/arm-emulator/index.js';
import { freshStorage } from '../support/storage.js';
import { computeInstanceId, GROUP, SUBSCRIPTION, vmId, WORKSPACE } from '../toolkit/arm-emulator/fixture.js';

const GROUP_SCOPE = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}`;
const dana = { id: 'dana-oid', name: 'dana@contoso.com' };
const erin = { id: 'erin-oid', name: 'erin@contoso.com' };
const admin = { id: 'admin-oid', name: 'admin@contoso.com', roles: [ADMIN_ROLE] };
const schedule = {
  computeStartStop: [
    { triggerType: 'Cron', action: 'Stop', cron: { expression: '0 19 * * *', timeZone: 'UTC' } },
  ],
};

let emulator: ArmEmulator;
let host: LocalHost;
let unchecked: LocalHost;

beforeAll(async () => {
  emulator = await startArmEmulator({
    transitionDurationsInMs: 0,
    permissions: {
      grantEveryone: false,
      roleAssignments: [
        // Dana operates the group's VMs: Virtual Machine Contributor's compute actions.
        { principalId: dana.id, scope: GROUP_SCOPE, actions: ['Microsoft.Compute/virtualMachines/*'] },
        // Erin may start VMs but not deallocate them.
        {
          principalId: erin.id,
          scope: GROUP_SCOPE,
          actions: ['Microsoft.Compute/*/read', 'Microsoft.Compute/virtualMachines/start/action'],
        },
      ],
    },
  });
  for (const name of ['vm-dana', 'vm-erin', 'vm-admin', 'vm-off']) emulator.addVirtualMachine(vmId(name));
  emulator.addComputeInstance(computeInstanceId('ci-dana'));
  const agent = new https.Agent({ ca: emulator.certificatePem });
  const { config } = await freshStorage({ SCHEDULER_PERMISSION_CHECK: 'on-behalf-of' });
  host = await startLocalHost({
    config,
    port: 0,
    principal: undefined,
    overrides: { permissions: localPermissionCheck(emulator.url, agent) },
  });
  const off = await freshStorage({ SCHEDULER_PERMISSION_CHECK: 'off' });
  unchecked = await startLocalHost({ config: off.config, port: 0, principal: undefined });
});

afterAll(async () => {
  await host?.close();
  await unchecked?.close();
  await emulator?.close();
});

async function call(
  on: LocalHost,
  method: string,
  path: string,
  as: { id: string; roles?: string[] },
  body: unknown,
): Promise<{ status: number; type: string | null; json: Record<string, unknown> }> {
  const response = await fetch(`${on.baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...clientPrincipalHeaders(as) },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    json: (await response.json()) as Record<string, unknown>,
  };
}

describe('registering a machine needs the caller’s own right to start and stop it', () => {
  it('is allowed when the caller’s role assignments hold both actions', async () => {
    const res = await call(host, 'POST', '/targets', dana, { resourceId: vmId('vm-dana') });
    expect(res.status).toBe(201);
    const put = await call(host, 'PUT', `/targets/${res.json['id'] as string}/schedules`, dana, schedule);
    expect(put.status).toBe(200);
  });

  it('is refused with a 403 problem that names the missing action', async () => {
    const res = await call(host, 'POST', '/targets', erin, { resourceId: vmId('vm-erin') });
    expect(res.status).toBe(403);
    expect(res.type).toBe('application/problem+json');
    expect(res.json['detail']).toContain('Microsoft.Compute/virtualMachines/deallocate/action');
    expect(res.json['detail']).not.toContain('virtualMachines/start/action');
    expect(res.json['errors']).toEqual([
      {
        pointer: '/resourceId',
        reason: 'missing the Azure action Microsoft.Compute/virtualMachines/deallocate/action',
      },
    ]);
  });

  it('is refused for a kind the caller holds nothing on: both compute-instance actions are named', async () => {
    const res = await call(host, 'POST', '/targets', dana, {
      resourceId: computeInstanceId('ci-dana', WORKSPACE),
    });
    expect(res.status).toBe(403);
    expect(res.json['detail']).toContain(
      'Microsoft.MachineLearningServices/workspaces/computes/start/action',
    );
    expect(res.json['detail']).toContain('Microsoft.MachineLearningServices/workspaces/computes/stop/action');
  });

  it('checks an admin registering for someone else for themselves, not for the assignee', async () => {
    const forDana = await call(host, 'POST', '/targets', admin, {
      resourceId: vmId('vm-admin'),
      assignedTo: dana.id,
    });
    expect(forDana.status).toBe(403);
    expect(forDana.json['detail']).toContain('Microsoft.Compute/virtualMachines/start/action');
    emulator.assignRole({ principalId: admin.id, scope: `/subscriptions/${SUBSCRIPTION}`, actions: ['*'] });
    const granted = await call(host, 'POST', '/targets', admin, {
      resourceId: vmId('vm-admin'),
      assignedTo: erin.id,
    });
    expect(granted.status).toBe(201);
    expect(granted.json['assignedTo']).toBe(erin.id);
  });

  it('is checked again when the schedule changes', async () => {
    // An admin (who may) registers it for Erin, who may start it but not deallocate it.
    const target = await call(host, 'POST', '/targets', admin, {
      resourceId: vmId('vm-erin'),
      assignedTo: erin.id,
    });
    expect(target.status).toBe(201);
    const put = await call(host, 'PUT', `/targets/${target.json['id'] as string}/schedules`, erin, schedule);
    expect(put.status).toBe(403);
    expect(put.json['detail']).toContain('deallocate/action');
  });

  it('is not made with SCHEDULER_PERMISSION_CHECK=off', async () => {
    const res = await call(unchecked, 'POST', '/targets', erin, { resourceId: vmId('vm-off') });
    expect(res.status).toBe(201);
  });

  it('refuses a machine Azure does not know, pointing at the resource id', async () => {
    const res = await call(host, 'POST', '/targets', dana, { resourceId: vmId('vm-nowhere') });
    expect(res.status).toBe(400);
    expect(res.json['errors']).toEqual([{ pointer: '/resourceId', reason: 'was not found in Azure' }]);
  });
});

describe('RBAC action patterns', () => {
  it('match with * anywhere and in any case, and notActions take away', () => {
    expect(actionMatches('Microsoft.Compute/*', 'Microsoft.Compute/virtualMachines/start/action')).toBe(true);
    expect(
      actionMatches(
        'microsoft.compute/virtualmachines/*/action',
        'Microsoft.Compute/virtualMachines/start/action',
      ),
    ).toBe(true);
    expect(actionMatches('Microsoft.Compute/*/read', 'Microsoft.Compute/virtualMachines/start/action')).toBe(
      false,
    );
    expect(
      actionMatches(
        'Microsoft.Compute/virtualMachines/start',
        'Microsoft.Compute/virtualMachines/start/action',
      ),
    ).toBe(false);
    const contributorButNoDeallocate = [
      { actions: ['*'], notActions: ['Microsoft.Compute/virtualMachines/deallocate/action'] },
    ];
    expect(isAllowed(contributorButNoDeallocate, 'Microsoft.Compute/virtualMachines/start/action')).toBe(
      true,
    );
    expect(isAllowed(contributorButNoDeallocate, 'Microsoft.Compute/virtualMachines/deallocate/action')).toBe(
      false,
    );
    // A notAction of one block does not take away what another block grants.
    expect(
      isAllowed(
        [...contributorButNoDeallocate, { actions: ['Microsoft.Compute/virtualMachines/*'] }],
        'Microsoft.Compute/virtualMachines/deallocate/action',
      ),
    ).toBe(true);
  });
});
