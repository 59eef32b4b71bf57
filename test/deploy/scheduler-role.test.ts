// The custom role (infra/app/scheduler-role.bicep) against what the scheduler really sends to ARM: every call of a
// run through the local ARM emulator, covering each kind, each action, with and without waiting for completion,
// and the reads of the role-assignment permission check, is turned into the RBAC action ARM would check for
// it, and the role must grant each one.

import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArmComputeGateway } from '../../src/compute/arm-gateway.js';
import type { Machine, TargetAction } from '../../src/compute/gateway.js';
import { startArmEmulator, type ArmEmulator } from '../../toolkit/arm-emulator/index.js';
import { computeInstanceId, poolId, schedulerIdentity, vmId } from '../toolkit/arm-emulator/fixture.js';
import { gatewayFor } from '../compute/gateway-fixture.js';
import { localPermissionCheck } from '../../toolkit/local-host/permissions.js';
import { nodesOfType, parseBicep, stringValue, variable } from './bicep.js';

/**
 * The RBAC action ARM authorizes a request as: the provider namespace and the resource types along the path,
 * then `read` (GET), `write` (PUT, PATCH), `delete`, or, for a POST to a named action, `{action}/action`.
 */
export function rbacActionOf(method: string, path: string): string {
  const segments = path.split('/').filter(Boolean);
  const providers = segments.map((s) => s.toLowerCase()).lastIndexOf('providers');
  const [namespace, ...rest] = segments.slice(providers + 1);
  // Types sit at even positions after the namespace (type, name, type, name, ...); an odd tail is a child
  // type (instanceView) or an action (start).
  const types = rest.filter((_, index) => index % 2 === 0);
  const verb = method.toUpperCase();
  if (verb === 'POST') return `${namespace}/${types.join('/')}/action`;
  const operation = verb === 'GET' ? 'read' : verb === 'DELETE' ? 'delete' : 'write';
  return `${namespace}/${types.join('/')}/${operation}`;
}

/** Whether a role action (with ARM's `*` wildcard, compared case-insensitively) grants a requested action. */
function grants(roleAction: string, requested: string): boolean {
  const pattern = roleAction
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`, 'i').test(requested);
}

async function roleActions(): Promise<string[]> {
  const root = await parseBicep('infra/app/scheduler-role.bicep');
  const list = variable(root, 'actions');
  if (!list) throw new Error('scheduler-role.bicep has no `var actions`');
  return nodesOfType(list, 'string').map((s) => stringValue(s) ?? `<not a literal: ${s.text}>`);
}

let emulator: ArmEmulator;
let gateway: ArmComputeGateway;
/** The RBAC action of every request the run sent, in order. */
let called: string[];

beforeAll(async () => {
  emulator = await startArmEmulator({ transitionDurationsInMs: 30 });
  gateway = gatewayFor(emulator);
  await exerciseGateway();
  await exercisePermissionCheck();
  called = emulator.requests.map((r) => rbacActionOf(r.method, r.path));
});
afterAll(() => emulator.close());

/** Every action on every kind, from a state where it does something, waiting for completion or not. */
async function exerciseGateway(): Promise<void> {
  let n = 0;
  for (const waitForCompletion of [true, false]) {
    const vm = (powerState: 'running' | 'deallocated'): Machine => {
      const id = vmId(`role-vm-${++n}`);
      emulator.addVirtualMachine(id, { powerState });
      return { resourceId: id, kind: 'vm' };
    };
    const pool = (capacity: number, powerState: 'running' | 'deallocated'): Machine => {
      const id = poolId(`role-pool-${++n}`);
      emulator.addScaleSet(id, { capacity, powerState });
      return { resourceId: id, kind: 'pool' };
    };
    const instance = (state: 'Running' | 'Stopped'): Machine => {
      const id = computeInstanceId(`role-ci-${String.fromCharCode(97 + (++n % 26))}${n}`);
      emulator.addComputeInstance(id, { state });
      return { resourceId: id, kind: 'computeInstance' };
    };
    const targets: [Machine, TargetAction][] = [
      [vm('deallocated'), 'start'],
      [vm('running'), 'stop'],
      [vm('running'), 'restart'],
      [pool(2, 'running'), 'stop'],
      [pool(0, 'deallocated'), 'start'],
      [pool(2, 'deallocated'), 'start'],
      [pool(2, 'running'), 'restart'],
      [instance('Stopped'), 'start'],
      [instance('Running'), 'stop'],
      [instance('Running'), 'restart'],
      // Already there: the gateway reads instead of acting (pools), or learns it from a refusal (ML).
      [pool(0, 'deallocated'), 'stop'],
      [instance('Running'), 'start'],
    ];
    for (const [target, action] of targets) {
      await gateway.readState(target);
      await gateway.act(target, action, { waitForCompletion });
    }
    // What pools and policies read and change beyond power: tags, instances, capacity, CPU.
    const busy = pool(3, 'running');
    const view = await gateway.readPool(busy);
    await gateway.readCpu(busy);
    await gateway.readTags(busy);
    await gateway.readTags(vm('running'));
    await gateway.readCpu(vm('running'));
    // Awaited either way: removing instances while the scale-out still runs is Azure's 409, not a role question.
    await gateway.scalePool(busy, 4, { waitForCompletion: true });
    const instanceId = view.instances[0]?.instanceId;
    if (instanceId) await gateway.removePoolInstances(busy, [instanceId], { waitForCompletion });
  }
}

/** The role-assignment check on each kind: role assignments, deny assignments and role definitions read. */
async function exercisePermissionCheck(): Promise<void> {
  const agent = new https.Agent({ ca: emulator.certificatePem });
  const check = localPermissionCheck('role-assignments', emulator.url, agent, schedulerIdentity.principalId);
  const caller = { principal: { id: 'registering-user', roles: [], isAdmin: false }, headers: new Headers() };
  const machines = [
    { resourceId: vmId('role-check-vm'), kind: 'vm' as const },
    { resourceId: poolId('role-check-pool'), kind: 'pool' as const },
    { resourceId: computeInstanceId('role-check-ci'), kind: 'computeInstance' as const },
  ];
  emulator.addVirtualMachine(machines[0]!.resourceId);
  emulator.addScaleSet(machines[1]!.resourceId, { capacity: 1 });
  emulator.addComputeInstance(machines[2]!.resourceId);
  for (const machine of machines) await check.assertMayStartAndStop(caller, machine);
  agent.destroy();
}

describe('the scheduler role', () => {
  it('grants every ARM call the gateway makes, operation polls included', async () => {
    // The run did follow operations to their end: the polls are among the calls checked.
    expect(called).toContain('Microsoft.Compute/locations/operations/read');
    expect(called.some((a) => /^Microsoft\.MachineLearningServices\/locations\//i.test(a))).toBe(true);
    // And the role-assignment permission check read what it decides on.
    expect(called).toContain('Microsoft.Authorization/roleAssignments/read');
    expect(called).toContain('Microsoft.Authorization/denyAssignments/read');
    expect(called).toContain('Microsoft.Authorization/roleDefinitions/read');

    const role = await roleActions();
    const missing = new Set(called.filter((action) => !role.some((granted) => grants(granted, action))));
    expect([...missing]).toEqual([]);
  });

  it('grants nothing the gateway never calls, but the ML status URL the emulator does not use', async () => {
    const unused = (await roleActions()).filter((granted) => !called.some((a) => grants(granted, a)));
    // Azure ML also lists locations/computeOperationsStatus among its resource types for compute operations;
    // the emulator answers with the mfeOperationsStatus and mfeOperationResults URLs.
    expect(unused).toEqual(['Microsoft.MachineLearningServices/locations/computeOperationsStatus/read']);
  });

  it('maps requests to the actions ARM checks', () => {
    const vm = '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm1';
    expect(rbacActionOf('POST', `${vm}/deallocate`)).toBe(
      'Microsoft.Compute/virtualMachines/deallocate/action',
    );
    expect(rbacActionOf('GET', `${vm}/instanceView`)).toBe(
      'Microsoft.Compute/virtualMachines/instanceView/read',
    );
    expect(rbacActionOf('GET', vm)).toBe('Microsoft.Compute/virtualMachines/read');
    expect(rbacActionOf('PATCH', vm.replace('virtualMachines', 'virtualMachineScaleSets'))).toBe(
      'Microsoft.Compute/virtualMachineScaleSets/write',
    );
    expect(
      rbacActionOf('GET', '/subscriptions/s/providers/Microsoft.Compute/locations/westeurope/operations/abc'),
    ).toBe('Microsoft.Compute/locations/operations/read');
    expect(
      rbacActionOf(
        'POST',
        '/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/w/computes/c/stop',
      ),
    ).toBe('Microsoft.MachineLearningServices/workspaces/computes/stop/action');
    expect(
      grants('Microsoft.Compute/virtualMachines/*', 'microsoft.compute/virtualmachines/start/action'),
    ).toBe(true);
    expect(
      grants('Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/virtualMachines/start/action'),
    ).toBe(false);
  });
});
