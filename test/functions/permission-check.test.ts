// The permission check over real HTTP, wired as `npm start` wires it: the local host reads the caller's role
// assignments from the ARM emulator with the scheduler's identity (role-assignments), or asks the emulator's
// permissions API with a token for the caller (on-behalf-of); the emulator answers from the role assignments
// it holds. Both ways must decide alike.

import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROLE, clientPrincipalHeaders } from '../../src/auth/principal.js';
import { actionMatches, isAllowed } from '../../src/auth/permissions.js';
import { startLocalHost, type LocalHost } from '../../toolkit/local-host/host.js';
import type { PermissionCheckMode } from '../../src/config.js';
import { localPermissionCheck, schedulerReadsAssignments } from '../../toolkit/local-host/permissions.js';
import {
  startArmEmulator,
  type ArmEmulator,
  type PermissionOptions,
  type RoleAssignment,
} from '../../toolkit/arm-emulator/index.js';
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

const SCHEDULER = 'compute-scheduler';

/** Dana operates the group's VMs; Erin may start them but not deallocate them. */
const ASSIGNMENTS: RoleAssignment[] = [
  // Virtual Machine Contributor's compute actions.
  { principalId: dana.id, scope: GROUP_SCOPE, actions: ['Microsoft.Compute/virtualMachines/*'] },
  {
    principalId: erin.id,
    scope: GROUP_SCOPE,
    actions: ['Microsoft.Compute/*/read', 'Microsoft.Compute/virtualMachines/start/action'],
  },
];

interface Running {
  emulator: ArmEmulator;
  host: LocalHost;
  agent: https.Agent;
}

/** An emulator holding `permissions`, and a local host checking with `mode` against it. */
async function start(
  mode: PermissionCheckMode,
  permissions: PermissionOptions,
  vms: string[],
  listPageSize?: number,
): Promise<Running> {
  const emulator = await startArmEmulator({
    transitionDurationsInMs: 0,
    permissions,
    ...(listPageSize ? { listPageSize } : {}),
  });
  for (const name of vms) emulator.addVirtualMachine(vmId(name));
  emulator.addComputeInstance(computeInstanceId('ci-dana'));
  const agent = new https.Agent({ ca: emulator.certificatePem });
  const { config } = await freshStorage({ SCHEDULER_PERMISSION_CHECK: mode });
  const host = await startLocalHost({
    config,
    port: 0,
    principal: undefined,
    overrides: {
      permissions: localPermissionCheck(config.permissionCheck, emulator.url, agent, SCHEDULER),
    },
  });
  return { emulator, host, agent };
}

async function stop(running: Running | undefined): Promise<void> {
  await running?.host.close();
  await running?.emulator.close();
  running?.agent.destroy();
}

let unchecked: LocalHost;

beforeAll(async () => {
  const off = await freshStorage({ SCHEDULER_PERMISSION_CHECK: 'off' });
  unchecked = await startLocalHost({ config: off.config, port: 0, principal: undefined });
});

afterAll(async () => {
  await unchecked?.close();
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

describe.each(['role-assignments', 'on-behalf-of'] as const)('with SCHEDULER_PERMISSION_CHECK=%s', (mode) => {
  let running: Running;
  let emulator: ArmEmulator;
  let host: LocalHost;

  beforeAll(async () => {
    running = await start(
      mode,
      { grantEveryone: false, roleAssignments: [...ASSIGNMENTS, schedulerReadsAssignments(SCHEDULER)] },
      ['vm-dana', 'vm-erin', 'vm-admin'],
    );
    ({ emulator, host } = running);
  });

  afterAll(() => stop(running));

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

  it('refuses a machine Azure does not know, pointing at the resource id', async () => {
    const res = await call(host, 'POST', '/targets', dana, { resourceId: vmId('vm-nowhere') });
    expect(res.status).toBe(400);
    expect(res.json['errors']).toEqual([{ pointer: '/resourceId', reason: 'was not found in Azure' }]);
  });
});

it('is not made with SCHEDULER_PERMISSION_CHECK=off', async () => {
  const res = await call(unchecked, 'POST', '/targets', erin, { resourceId: vmId('vm-off') });
  expect(res.status).toBe(201);
});

describe('the role-assignment check', () => {
  const frank = { id: 'frank-oid' };
  const gina = { id: 'gina-oid' };
  const hank = { id: 'hank-oid' };
  const ivy = { id: 'ivy-oid' };
  const vmContributor = ['Microsoft.Compute/virtualMachines/*'];
  let running: Running;
  let blind: Running;

  beforeAll(async () => {
    // One assignment per page, so that every person with two assignments needs ARM's nextLink.
    running = await start(
      'role-assignments',
      {
        grantEveryone: false,
        roleAssignments: [
          schedulerReadsAssignments(SCHEDULER),
          { principalId: frank.id, scope: GROUP_SCOPE, actions: vmContributor },
          // Gina's right holds only under a condition, which the scheduler does not evaluate.
          {
            principalId: gina.id,
            scope: GROUP_SCOPE,
            actions: vmContributor,
            condition: '@Resource[x] == 1',
          },
          // Hank's right is on something below the machine, which gives nothing on the machine itself.
          { principalId: hank.id, scope: `${vmId('vm-hank')}/extensions/agent`, actions: vmContributor },
          // Ivy's two rights are two assignments at two scopes, on two pages.
          {
            principalId: ivy.id,
            scope: GROUP_SCOPE,
            actions: ['Microsoft.Compute/virtualMachines/start/action'],
          },
          {
            principalId: ivy.id,
            scope: `/subscriptions/${SUBSCRIPTION}`,
            actions: ['Microsoft.Compute/virtualMachines/deallocate/action'],
          },
        ],
        denyAssignments: [
          // Nobody but Frank's colleague may deallocate vm-locked.
          {
            principalId: frank.id,
            scope: vmId('vm-locked'),
            actions: ['Microsoft.Compute/virtualMachines/deallocate/action'],
          },
          {
            principalId: frank.id,
            scope: vmId('vm-excused'),
            actions: ['*'],
            excludePrincipalIds: [frank.id],
          },
          // At the group and for the group only: machines in it are not denied.
          { principalId: frank.id, scope: GROUP_SCOPE, actions: ['*'], doNotApplyToChildScopes: true },
        ],
      },
      ['vm-frank', 'vm-locked', 'vm-excused', 'vm-gina', 'vm-hank', 'vm-ivy'],
      1,
    );
    // A deployment whose scheduler was not given the right to read role assignments.
    blind = await start('role-assignments', { grantEveryone: false, roleAssignments: ASSIGNMENTS }, [
      'vm-dana',
    ]);
  });

  afterAll(async () => {
    await stop(running);
    await stop(blind);
  });

  it('honours a deny assignment on the machine, saying so', async () => {
    const allowed = await call(running.host, 'POST', '/targets', frank, { resourceId: vmId('vm-frank') });
    expect(allowed.status).toBe(201);
    const denied = await call(running.host, 'POST', '/targets', frank, { resourceId: vmId('vm-locked') });
    expect(denied.status).toBe(403);
    expect(denied.json['detail']).toContain('a deny assignment takes away');
    expect(denied.json['errors']).toEqual([
      {
        pointer: '/resourceId',
        reason: 'missing the Azure action Microsoft.Compute/virtualMachines/deallocate/action',
      },
    ]);
  });

  it('lets through whom a deny assignment excludes, and below a deny that stops at its own scope', async () => {
    const excused = await call(running.host, 'POST', '/targets', frank, { resourceId: vmId('vm-excused') });
    expect(excused.status).toBe(201);
  });

  it('does not count an assignment with a condition, and says so', async () => {
    const res = await call(running.host, 'POST', '/targets', gina, { resourceId: vmId('vm-gina') });
    expect(res.status).toBe(403);
    expect(res.json['detail']).toContain('with a condition are not counted');
  });

  it('does not count an assignment below the machine', async () => {
    const res = await call(running.host, 'POST', '/targets', hank, { resourceId: vmId('vm-hank') });
    expect(res.status).toBe(403);
    expect(res.json['detail']).toContain('virtualMachines/start/action');
  });

  it('adds up assignments at several scopes, across pages', async () => {
    const res = await call(running.host, 'POST', '/targets', ivy, { resourceId: vmId('vm-ivy') });
    expect(res.status).toBe(201);
  });

  it('reads a role definition once for many checks, and the caller’s assignments every time', async () => {
    const before = running.emulator.requests.length;
    for (const name of ['vm-frank-2', 'vm-frank-3', 'vm-frank-4']) {
      running.emulator.addVirtualMachine(vmId(name));
      const res = await call(running.host, 'POST', '/targets', frank, { resourceId: vmId(name) });
      expect(res.status).toBe(201);
    }
    const paths = running.emulator.requests.slice(before).map((r) => r.path);
    // Frank's role was read by the first test already; his assignments are read anew for each machine.
    expect(paths.filter((p) => p.includes('/roleDefinitions/'))).toEqual([]);
    expect(paths.filter((p) => p.endsWith('/roleAssignments'))).toHaveLength(3);
    expect(paths.filter((p) => p.endsWith('/denyAssignments'))).toHaveLength(3);
  });

  it('names the scheduler’s missing read rights when its role cannot read assignments, and registers nothing', async () => {
    const res = await call(blind.host, 'POST', '/targets', dana, { resourceId: vmId('vm-dana') });
    expect(res.status).toBe(500);
    expect(res.type).toBe('application/problem+json');
    expect(JSON.stringify(res.json)).toContain('Microsoft.Authorization/roleAssignments/read');
    const list = await fetch(`${blind.host.baseUrl}/targets`, { headers: clientPrincipalHeaders(dana) });
    expect(((await list.json()) as { items?: unknown[] }).items ?? []).toEqual([]);
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
