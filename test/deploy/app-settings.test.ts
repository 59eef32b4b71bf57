// The template owns the Function App's whole settings collection (a setting added by hand is gone after the next
// provision), so every setting the app reads must be one the template sets, from a parameter with the app's own
// default and bounds. What the app reads is found by running readConfig, not by listing names here.

import { readFileSync } from 'node:fs';
import type { Node } from 'web-tree-sitter';
import { describe, expect, it } from 'vitest';
import { readConfig, type Environment } from '../../src/config.js';
import { nodesOfType, parameters, parseBicep, propertiesUnder, type BicepParameter } from './bicep.js';

/** Settings readConfig reads that the template deliberately leaves unset, and why. */
const NOT_DEPLOYED: Record<string, string> = {
  AzureWebJobsStorage: 'the template connects storage with the managed identity (AzureWebJobsStorage__*)',
  AzureWebJobsStorage__tableServiceUri: 'derived from AzureWebJobsStorage__accountName',
  AzureWebJobsStorage__queueServiceUri: 'derived from AzureWebJobsStorage__accountName',
  SCHEDULER_OBO_CLIENT_SECRET:
    'the template gives the secret as MICROSOFT_PROVIDER_AUTHENTICATION_SECRET, which App Service Authentication reads too',
  WEBSITE_HOSTNAME: 'App Service sets it on every app',
  SCHEDULER_STORAGE_PREFIX:
    'the template creates the unprefixed tables and queues; a prefix is for shared test accounts',
};

/** An environment that notes every setting name read from it. */
function watched(values: Environment, read: Set<string>): Environment {
  return new Proxy(values, {
    get(target, name: string): string | undefined {
      read.add(name);
      return target[name];
    },
  });
}

/** Every setting name readConfig looks at, found by watching it read an environment. */
function settingsReadConfigReads(): Set<string> {
  const read = new Set<string>();
  readConfig(watched({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }, read));
  // The identity-based storage branch only runs without a connection string.
  readConfig(watched({ AzureWebJobsStorage__accountName: 'account' }, read));
  return read;
}

interface DeployedSetting {
  name: string;
  value: Node;
  /** main.bicep sets the scheduler's tunable settings; api.bicep the identity and telemetry ones. */
  template: 'main' | 'api';
}

/** The app settings the templates write: the scheduler's (main.bicep) and the platform's (api.bicep). */
async function deployedSettings(): Promise<DeployedSetting[]> {
  const main = await parseBicep('infra/main.bicep');
  const fromMain = [...propertiesUnder(main, 'appSettings')].map(([name, value]): DeployedSetting => ({
    name,
    value,
    template: 'main',
  }));
  const api = await parseBicep('infra/app/api.bicep');
  const union = nodesOfType(api, 'call_expression').find(
    (call) => call.namedChildren[0]?.text === 'union' && call.text.includes('appSettings'),
  );
  const object = union ? nodesOfType(union, 'object')[0] : undefined;
  const fromApi = (object?.namedChildren ?? [])
    .filter((p): p is Node => p?.type === 'object_property')
    .map((p): DeployedSetting => ({
      name: p.namedChildren[0]?.text ?? '',
      value: p.namedChildren[1] as Node,
      template: 'api',
    }));
  return [...fromMain, ...fromApi];
}

/** The settings a deployment tunes: main.bicep's, but the principal header, which follows authClientId. */
async function tunableSettings(): Promise<DeployedSetting[]> {
  return (await deployedSettings()).filter(
    (s) => s.template === 'main' && s.name !== 'SCHEDULER_TRUST_PRINCIPAL_HEADER',
  );
}

/** The main.bicep parameter a setting's value is made from (`string(catchUpHours)`, `waitForCompletion ? …`). */
function parameterBehind(value: Node, params: Map<string, BicepParameter>): BicepParameter | undefined {
  const names = [value, ...nodesOfType(value, 'identifier')].map((n) => n.text);
  return names.map((n) => params.get(n)).find((p) => p !== undefined);
}

/** The environment a parameter's value gives the app: `24` → '24', `false` → 'false', `'x'` → 'x'. */
function asSetting(text: string): string {
  return text.replace(/^'|'$/g, '');
}

describe('the app settings in the template', () => {
  it('include every setting readConfig reads, but the ones left out on purpose', async () => {
    const deployed = new Set((await deployedSettings()).map((s) => s.name));
    const read = settingsReadConfigReads();
    expect(read.size).toBeGreaterThan(8);
    const missing = [...read].filter((name) => !deployed.has(name) && !(name in NOT_DEPLOYED));
    expect(
      missing,
      'add each as a parameter in infra/main.bicep and an app setting in `appSettings`',
    ).toEqual([]);
  });

  it('are all read by the app or the Functions host: none is dead', async () => {
    const read = settingsReadConfigReads();
    const host = ['AzureWebJobsStorage__credential', 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'];
    const dead = (await deployedSettings())
      .map((s) => s.name)
      .filter((name) => !read.has(name) && !host.includes(name));
    expect(dead).toEqual([]);
  });

  it('come from parameters whose defaults are the app defaults and whose bounds are the app bounds', async () => {
    const params = parameters(await parseBicep('infra/main.bicep'));
    const base = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };
    const tunable = await tunableSettings();
    expect(tunable.length).toBeGreaterThanOrEqual(7);
    let checkedBounds = 0;
    for (const { name, value } of tunable) {
      const param = parameterBehind(value, params);
      expect(param, `${name} is not made from a parameter of main.bicep`).toBeDefined();
      if (!param?.defaultText) continue;
      expect(readConfig({ ...base, [name]: asSetting(param.defaultText) }), name).toEqual(readConfig(base));
      const { minValue, maxValue } = param.decorators;
      if (minValue === undefined || maxValue === undefined) continue;
      checkedBounds++;
      expect(() => readConfig({ ...base, [name]: minValue }), `${name} at its minimum`).not.toThrow();
      expect(() => readConfig({ ...base, [name]: maxValue }), `${name} at its maximum`).not.toThrow();
      expect(() => readConfig({ ...base, [name]: String(Number(minValue) - 1) })).toThrow(name);
      expect(() => readConfig({ ...base, [name]: String(Number(maxValue) + 1) })).toThrow(name);
    }
    expect(checkedBounds).toBeGreaterThanOrEqual(6);
  });

  it('can each be set from the azd environment under the same name, with the same default', async () => {
    const file = JSON.parse(
      readFileSync(new URL('../../infra/main.parameters.json', import.meta.url), 'utf8'),
    ) as { parameters: Record<string, { value: unknown }> };
    const params = parameters(await parseBicep('infra/main.bicep'));
    for (const { name, value } of await tunableSettings()) {
      const param = parameterBehind(value, params);
      const entry = param ? file.parameters[param.name]?.value : undefined;
      expect(entry, `main.parameters.json passes ${param?.name} from \${${name}}`).toBe(
        `\${${name}=${asSetting(param?.defaultText ?? '')}}`,
      );
    }
  });
});
