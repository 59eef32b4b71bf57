// What azd hands the template, and what the template promises about access: parameters azd can pass on every
// version, the API closed to everyone not named, and .funcignore patterns that only match at the root.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { operations } from '../../src/api-contract/operations.js';
import { readResourceEvent } from '../../src/engine/resource-event.js';
import { RESOURCE_EVENTS_FUNCTION } from '../../src/functions/resource-events.js';
import { nodesOfType, parameters, parseBicep, propertiesUnder, stringValue, variable } from './bicep.js';

const VM =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('infra/main.parameters.json', () => {
  const file = JSON.parse(read('infra/main.parameters.json')) as {
    parameters: Record<string, { value: unknown }>;
  };

  it('passes only parameters main.bicep declares', async () => {
    const declared = parameters(await parseBicep('infra/main.bicep'));
    expect(Object.keys(file.parameters).filter((name) => !declared.has(name))).toEqual([]);
  });

  it('substitutes azd variables only into strings, numbers and booleans: arrays as text need azd 1.23.4', async () => {
    const declared = parameters(await parseBicep('infra/main.bicep'));
    const structured = Object.entries(file.parameters)
      .filter(([, { value }]) => typeof value === 'string' && value.includes('${'))
      .map(([name]) => declared.get(name))
      .filter((p) => p && !['string', 'int', 'bool'].includes(p.type))
      .map((p) => `${p?.name}: ${p?.type}`);
    expect(structured).toEqual([]);
  });
});

describe('App Service Authentication (infra/app/api-auth.bicep)', () => {
  it('lets in only the principals and groups it is given', async () => {
    const auth = await parseBicep('infra/app/api-auth.bicep');
    const policy = propertiesUnder(auth, 'allowedPrincipals');
    expect(policy.get('identities')?.text).toBe('admittedPrincipalIds');
    expect(policy.get('groups')?.text).toBe('allowedGroupIds');
    const declared = parameters(auth);
    // Required, no default: a deployment with authentication must say who may use it.
    expect(declared.get('allowedPrincipalIds')).toMatchObject({ type: 'string[]' });
    expect(declared.get('allowedPrincipalIds')?.defaultText).toBeUndefined();
  });

  it('stays shut when nobody is named, instead of letting in the whole tenant', async () => {
    const auth = await parseBicep('infra/app/api-auth.bicep');
    const admitted = variable(auth, 'admittedPrincipalIds')?.text ?? '';
    expect(admitted).toMatch(/empty\(allowedPrincipalIds\) && empty\(allowedGroupIds\) \? \[nobody\]/);
    expect(stringValue(variable(auth, 'nobody'))).toBe('00000000-0000-0000-0000-000000000000');
  });

  it('is given the deployer by default, and the lists azd passes', async () => {
    const main = await parseBicep('infra/main.bicep');
    const module = nodesOfType(main, 'module_declaration').find((m) =>
      m.text.includes("'./app/api-auth.bicep'"),
    );
    expect(module).toBeDefined();
    const params = propertiesUnder(module!, 'params');
    expect(params.get('allowedPrincipalIds')?.text).toBe('allowedPrincipalIds');
    expect(params.get('allowedGroupIds')?.text).toBe('allowedGroupIds');
    expect(variable(main, 'allowedPrincipalIds')?.text).toMatch(
      /empty\(listedPrincipalIds\) && !empty\(principalId\) \? \[principalId\]/,
    );
  });
});

describe('.funcignore', () => {
  it('anchors every path at the root, so a folder name never matches inside node_modules', () => {
    const patterns = read('.funcignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(patterns.length).toBeGreaterThan(5);
    // `*.ts` style globs match any file of that kind on purpose; anything else names a path and starts with '/'.
    expect(patterns.filter((p) => !p.startsWith('/') && !/^\*\.[\w.]+$/.test(p))).toEqual([]);
    expect(patterns).toContain('/dist-azure');
  });
});

describe('resource events in Azure (infra/app/resource-events.bicep)', () => {
  it('subscribes the Event Grid function by its registered name to every event kind it reacts to', async () => {
    const events = await parseBicep('infra/app/resource-events.bicep');
    const declared = parameters(events);
    expect(declared.get('functionName')?.defaultText).toBe(`'${RESOURCE_EVENTS_FUNCTION}'`);
    const filter = propertiesUnder(events, 'filter').get('includedEventTypes');
    const types = nodesOfType(filter!, 'string').map((n) => stringValue(n));
    // Each one is a type the function parses (not ignored), and together they cover what it reacts to.
    for (const type of types) {
      const read = readResourceEvent({
        id: 'e',
        eventType: type,
        subject: VM,
        eventTime: '2026-11-26T00:00:00Z',
        data: { operationName: 'Microsoft.Compute/virtualMachines/start/action' },
      });
      expect(read.kind, type).toBe('event');
    }
    expect(types).toEqual(
      expect.arrayContaining([
        'Microsoft.Resources.ResourceWriteSuccess',
        'Microsoft.Resources.ResourceDeleteSuccess',
        'Microsoft.Resources.ResourceActionSuccess',
        'Microsoft.Resources.ResourceActionFailure',
      ]),
    );
  });

  it('is made for each scope group once the app is deployed, and the postdeploy hook asks for it', async () => {
    const main = await parseBicep('infra/main.bicep');
    const module = nodesOfType(main, 'module_declaration').find((m) =>
      m.text.includes("'./app/resource-events.bicep'"),
    );
    expect(module?.text).toContain('subscribeResourceEvents ? scheduleScopeResourceGroupIds : []');
    expect(parameters(main).get('subscribeResourceEvents')?.defaultText).toBe('false');
    const hooks = read('azure.yaml');
    expect(hooks).toMatch(
      /postdeploy:[\s\S]*azd env set SCHEDULER_SUBSCRIBE_RESOURCE_EVENTS true && azd provision/,
    );
  });
});

describe('requests without a token (App Service Authentication lets them through to the app)', () => {
  it('are let through only because the app itself wants a principal on every route not anonymous by design', async () => {
    const auth = await parseBicep('infra/app/api-auth.bicep');
    const validation = propertiesUnder(auth, 'globalValidation');
    expect(stringValue(validation.get('unauthenticatedClientAction'))).toBe('AllowAnonymous');
    const withoutPrincipal = operations.filter((o) => !o.requiresPrincipal).map((o) => o.operationId);
    expect(withoutPrincipal.sort()).toEqual(['getOpenApi', 'reportActivity', 'snoozeStop']);
  });
});
