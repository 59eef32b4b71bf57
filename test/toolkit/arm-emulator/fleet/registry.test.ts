import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/clock.js';
import { ArmError } from '../../../../toolkit/arm-emulator/arm-error.js';
import { ResourceRegistry, type ResourcePath } from '../../../../toolkit/arm-emulator/fleet/registry.js';
import { defaultTransitionDurations } from '../../../../toolkit/arm-emulator/fleet/durations.js';
import { Fleet } from '../../../../toolkit/arm-emulator/fleet/fleet.js';
import { computeInstanceId, GROUP, SUBSCRIPTION, vmId } from '../fixture.js';

const fleet = (): Fleet =>
  new Fleet({
    clock: new ManualClock('2026-03-02T08:00:00Z'),
    location: 'westeurope',
    durations: defaultTransitionDurations,
    onFinished: () => undefined,
  });

const path = (id: string, type: string, name: string, resourceGroup = GROUP): ResourcePath => ({
  key: id.toLowerCase(),
  subscriptionId: SUBSCRIPTION,
  resourceGroup,
  type,
  name,
});

function refusal(act: () => unknown): ArmError {
  try {
    act();
  } catch (error) {
    if (error instanceof ArmError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('the registry of resources', () => {
  it('finds a resource by its id in any case', () => {
    const registry = new ResourceRegistry();
    const vm = fleet().addVirtualMachine(vmId('VM-Mixed'));
    registry.add(vm);
    expect(registry.get(vmId('vm-mixed').toUpperCase())).toBe(vm);
    registry.delete(vm);
    expect(registry.get(vmId('VM-Mixed'))).toBeUndefined();
  });

  it('answers a group that never held a resource with ResourceGroupNotFound, a known group with ResourceNotFound', () => {
    const registry = new ResourceRegistry();
    registry.add(fleet().addVirtualMachine(vmId('vm-1')));
    expect(() =>
      registry.require(
        path(vmId('vm-1', 'rg-other'), 'Microsoft.Compute/virtualMachines', 'vm-1', 'rg-other'),
      ),
    ).toThrow(expect.objectContaining({ status: 404, code: 'ResourceGroupNotFound' }));
    const missing = refusal(() =>
      registry.require(path(vmId('vm-2'), 'Microsoft.Compute/virtualMachines', 'vm-2')),
    );
    expect(missing).toMatchObject({ status: 404, code: 'ResourceNotFound' });
    expect(missing.message).toContain(
      `'Microsoft.Compute/virtualMachines/vm-2' under resource group '${GROUP}'`,
    );
  });

  it('answers a compute instance in an unknown workspace as the workspace not found', () => {
    const registry = new ResourceRegistry();
    registry.add(fleet().addComputeInstance(computeInstanceId('ci-one')));
    const missing = computeInstanceId('ci-one', 'ws-other');
    const error = refusal(() =>
      registry.require(path(missing, 'Microsoft.MachineLearningServices/workspaces/computes', 'ci-one')),
    );
    expect(error).toMatchObject({ status: 404, code: 'ResourceNotFound' });
    expect(error.message).toContain("'Microsoft.MachineLearningServices/workspaces/ws-other'");
  });

  it('refuses to add an id of another kind, or one that exists', () => {
    const registry = new ResourceRegistry();
    expect(() => registry.claim(vmId('vm-1'), 'pool')).toThrow(/is a vm id, not a pool id/);
    registry.add(fleet().addVirtualMachine(vmId('vm-1')));
    expect(() => registry.claim(vmId('VM-1'), 'vm')).toThrow(/already exists/);
  });

  it("lists a subscription's VMs ordered by id", () => {
    const registry = new ResourceRegistry();
    const source = fleet();
    for (const name of ['vm-b', 'vm-a', 'vm-c']) registry.add(source.addVirtualMachine(vmId(name)));
    registry.add(source.addComputeInstance(computeInstanceId('ci-one')));
    expect(registry.virtualMachinesIn(SUBSCRIPTION.toUpperCase()).map((vm) => vm.parsed.name)).toEqual([
      'vm-a',
      'vm-b',
      'vm-c',
    ]);
  });
});
