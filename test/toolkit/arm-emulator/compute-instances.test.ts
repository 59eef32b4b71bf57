import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { ManualClock } from '../../../src/clock.js';
import {
  startArmEmulator,
  type ArmEmulator,
  type ComputeInstanceState,
} from '../../../toolkit/arm-emulator/index.js';
import { computeInstanceId, GROUP, machineLearningClient, rawRequest, WORKSPACE } from './fixture.js';

const clock = new ManualClock('2026-03-02T08:00:00Z');
let emulator: ArmEmulator;
let client: AzureMachineLearningWorkspaces;
let nextName = 0;

function newInstance(state: ComputeInstanceState): string {
  const name = `ci-${String.fromCharCode(97 + nextName++)}`;
  emulator.addComputeInstance(computeInstanceId(name), { state });
  return name;
}

async function stateOf(name: string): Promise<unknown> {
  const resource = await client.computeOperations.get(GROUP, WORKSPACE, name);
  return (resource.properties as { properties?: { state?: string } }).properties?.state;
}

beforeAll(async () => {
  emulator = await startArmEmulator({
    clock,
    transitionDurationsInMs: { start: 120_000, stop: 60_000, restart: 90_000 },
  });
  client = machineLearningClient(emulator);
});
afterAll(() => emulator.close());

describe('Azure ML compute instances', () => {
  it('reads as a ComputeInstance with its state under properties.properties', async () => {
    const name = newInstance('Stopped');
    const resource = await client.computeOperations.get(GROUP, WORKSPACE, name);
    expect(resource.properties?.computeType).toBe('ComputeInstance');
    expect(await stateOf(name)).toBe('Stopped');
  });

  it('start answers 202 and goes Starting → Running', async () => {
    const name = newInstance('Stopped');
    const poller = await client.computeOperations.beginStart(GROUP, WORKSPACE, name, {
      updateIntervalInMs: 1,
    });
    expect(await stateOf(name)).toBe('Starting');
    clock.advance(120_000);
    await poller.pollUntilDone();
    expect(await stateOf(name)).toBe('Running');
  });

  it('stop goes Stopping → Stopped and restart Restarting → Running', async () => {
    const name = newInstance('Running');
    const stopping = await client.computeOperations.beginStop(GROUP, WORKSPACE, name, {
      updateIntervalInMs: 1,
    });
    expect(await stateOf(name)).toBe('Stopping');
    clock.advance(60_000);
    await stopping.pollUntilDone();
    expect(await stateOf(name)).toBe('Stopped');

    const other = newInstance('Running');
    const restarting = await client.computeOperations.beginRestart(GROUP, WORKSPACE, other, {
      updateIntervalInMs: 1,
    });
    expect(await stateOf(other)).toBe('Restarting');
    clock.advance(90_000);
    await restarting.pollUntilDone();
    expect(await stateOf(other)).toBe('Running');
  });

  it('a busy instance answers 409', async () => {
    const name = newInstance('Stopped');
    await client.computeOperations.beginStart(GROUP, WORKSPACE, name);
    const refused = await rawRequest(
      emulator,
      'POST',
      `${computeInstanceId(name)}/stop?api-version=2022-10-01`,
    );
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'Conflict' } });
    clock.advance(120_000);
  });

  it('starting a running instance is accepted and the operation fails, as Azure ML does', async () => {
    const name = newInstance('Running');
    const attempt = (async () => {
      const poller = await client.computeOperations.beginStart(GROUP, WORKSPACE, name, {
        updateIntervalInMs: 1,
      });
      await poller.pollUntilDone();
    })();
    await expect(attempt).rejects.toThrow(/StartComputeInstanceOnlyAllowedInStoppedState/);
    expect(await stateOf(name)).toBe('Running');
  });

  it('an unknown workspace or compute is 404 ResourceNotFound', async () => {
    await expect(client.computeOperations.get(GROUP, 'ws-missing', 'ci-a')).rejects.toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFound',
    });
    await expect(client.computeOperations.get(GROUP, WORKSPACE, 'ci-zzz')).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});
