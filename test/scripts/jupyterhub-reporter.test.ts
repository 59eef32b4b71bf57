// The JupyterHub reporter as it runs on a pool instance: a process of its own that reads the hub's REST API
// (the emulator's fake JupyterHub) and posts the sessions to the local host with an activity token.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArmEmulator, type ArmEmulator } from '../../toolkit/arm-emulator/index.js';
import { startLocalHost, type LocalHost } from '../../toolkit/local-host/host.js';
import { clientPrincipalHeaders } from '../../src/auth/principal.js';
import { admin, poolId } from '../support/api.js';
import { emulatorGateway } from '../support/emulator.js';
import { freshStorage } from '../support/storage.js';

const SCRIPT = new URL('../../scripts/jupyterhub-reporter.mjs', import.meta.url).pathname;
const POOL = poolId('pool-hub');

let emulator: ArmEmulator;
let host: LocalHost;
let targetId: string;
let token: string;
let caFile: string;

beforeAll(async () => {
  emulator = await startArmEmulator({ transitionDurationsInMs: 0 });
  emulator.addScaleSet(POOL, { capacity: 2 });
  emulator.setSessionDemand(POOL, 3, { seatsPerInstance: 2 });
  const gateway = emulatorGateway(emulator);
  const { config } = await freshStorage();
  // No default caller: a report counts only with its token, as behind App Service Authentication's exclusion.
  host = await startLocalHost({ config, port: 0, principal: undefined, overrides: { gateway } });
  const asAdmin = { 'Content-Type': 'application/json', ...clientPrincipalHeaders(admin) };
  const registered = await fetch(`${host.baseUrl}/targets`, {
    method: 'POST',
    headers: asAdmin,
    body: JSON.stringify({ resourceId: POOL }),
  });
  targetId = ((await registered.json()) as { id: string }).id;
  const created = await fetch(`${host.baseUrl}/targets/${targetId}/activity-tokens`, {
    method: 'POST',
    headers: asAdmin,
    body: '{}',
  });
  token = ((await created.json()) as { token: string }).token;
  // The reporter is a process of its own: it trusts the emulator's certificate the way Node lets it.
  caFile = join(mkdtempSync(join(tmpdir(), 'reporter-')), 'emulator.pem');
  writeFileSync(caFile, emulator.certificatePem);
}, 60_000);

afterAll(async () => {
  await host.close();
  await emulator.close();
  if (caFile) rmSync(dirname(caFile), { recursive: true, force: true });
});

function reporter(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [SCRIPT, '--once'],
      { env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: caFile, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function settings(instanceId: string): Record<string, string> {
  return {
    SCHEDULER_URL: new URL(host.baseUrl).origin,
    TARGET_ID: targetId,
    ACTIVITY_TOKEN: token,
    JUPYTERHUB_URL: emulator.jupyterHubUrl(POOL, instanceId),
    JUPYTERHUB_API_TOKEN: 'hub-token',
    INSTANCE_ID: instanceId,
  };
}

describe('scripts/jupyterhub-reporter.mjs', () => {
  it('reads the hub on its instance and reports its sessions with the activity token', async () => {
    const placed = emulator.workloadOf(POOL)!.sessions;
    for (const instanceId of ['0', '1']) {
      const run = await reporter(settings(instanceId));
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`"instanceId":"${instanceId}","sessions":${placed[instanceId] ?? 0}`);
    }
    const stored = await host.deps.store.scaling.readActivity(targetId);
    const sessions = Object.fromEntries(stored.instances.map((i) => [i.instanceId, i.sessions]));
    expect(sessions).toEqual({ '0': placed['0'] ?? 0, '1': placed['1'] ?? 0 });
    expect((placed['0'] ?? 0) + (placed['1'] ?? 0)).toBe(3);
  });

  it('exits 1 with what the scheduler said when the token is not one it issued', async () => {
    const run = await reporter({ ...settings('0'), ACTIVITY_TOKEN: 'not-a-token' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('compute-scheduler answered 401');
  });

  it('exits 2 naming every setting that is missing or wrong', async () => {
    const run = await reporter({
      SCHEDULER_URL: 'http://localhost:1',
      TARGET_ID: 'x',
      INTERVAL_SECONDS: '1',
    });
    expect(run.code).toBe(2);
    for (const problem of ['TARGET_ID must be a target id', 'ACTIVITY_TOKEN', 'JUPYTERHUB_API_TOKEN']) {
      expect(run.stderr).toContain(problem);
    }
  });
});
