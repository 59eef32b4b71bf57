import { describe, expect, it } from 'vitest';
import {
  InvalidResourceIdError,
  computeInstanceNameProblem,
  parseResourceId,
} from '../../src/targets/resource-id.js';

const SUB = '00000000-0000-0000-0000-000000000001';

describe('resource ids', () => {
  it('parses a VM and lowercases the normalized id', () => {
    expect(
      parseResourceId(
        `/subscriptions/${SUB}/resourceGroups/RG-Data/providers/Microsoft.Compute/virtualMachines/VM-01`,
      ),
    ).toEqual({
      kind: 'vm',
      subscriptionId: SUB,
      resourceGroup: 'RG-Data',
      name: 'VM-01',
      normalizedId: `/subscriptions/${SUB}/resourcegroups/rg-data/providers/microsoft.compute/virtualmachines/vm-01`,
    });
  });

  it('parses a scale set as a pool and a compute as a compute instance, whatever the letter case', () => {
    expect(
      parseResourceId(
        `/SUBSCRIPTIONS/${SUB}/resourcegroups/rg/PROVIDERS/microsoft.compute/VIRTUALMACHINESCALESETS/pool-1`,
      ).kind,
    ).toBe('pool');
    expect(
      parseResourceId(
        `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws-1/computes/ci-alice`,
      ),
    ).toMatchObject({ kind: 'computeInstance', workspace: 'ws-1', name: 'ci-alice' });
  });

  it.each([
    ['ab', '3 to 24'],
    ['a'.repeat(25), '3 to 24'],
    ['1abc', 'start with a letter'],
    ['ci_alice', 'only letters, digits'],
    ['ci-1', "after every '-'"],
    ['ci-', "after every '-'"],
    ['ci-a-1', "after every '-'"],
  ])('refuses the compute instance name %j (%s)', (name, reason) => {
    expect(computeInstanceNameProblem(name)).toContain(reason);
  });

  it.each(['abc', 'ci-a', 'ci-1a', 'a-b-c', 'A23456789012345678901234'])(
    'accepts the compute instance name %j',
    (name) => {
      expect(computeInstanceNameProblem(name)).toBeUndefined();
    },
  );

  it.each([
    '',
    'subscriptions/x',
    `/subscriptions/${SUB}`,
    `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines`,
    `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/disks/d1`,
    `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm/extensions/x`,
    `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm.`,
    `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/_vm`,
    `/subscriptions/${SUB}/resourceGroups/rg./providers/Microsoft.Compute/virtualMachines/vm`,
    ` /subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm`,
    `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/ci-1`,
  ])('refuses %j with a reason', (id) => {
    expect(() => parseResourceId(id)).toThrow(InvalidResourceIdError);
  });
});
