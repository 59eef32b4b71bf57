#!/usr/bin/env node
// Reports a JupyterHub's sessions to compute-scheduler every minute, so a pool (or an idle machine) scales
// with the people using it. Runs on each pool instance (or beside one hub); Node 20, no dependencies.
//
//   SCHEDULER_URL        the app, e.g. https://func-xyz.azurewebsites.net
//   TARGET_ID            the target's id (GET /api/targets)
//   ACTIVITY_TOKEN       from POST /api/targets/{id}/activity-tokens (or ACTIVITY_TOKEN_FILE)
//   JUPYTERHUB_URL       the hub, default http://127.0.0.1:8000/
//   JUPYTERHUB_API_TOKEN a hub API token that may list users and their servers (or JUPYTERHUB_API_TOKEN_FILE)
//   INSTANCE_ID          a pool instance's id; "imds" asks Azure's instance metadata; empty: a single machine
//   ACTIVE_MINUTES       a running server counts as a session while its last_activity is this recent (15)
//   INTERVAL_SECONDS     how often to report (60); `--once` reports once and exits (for a systemd timer)
//
// Exit codes: 0 reported, 1 a report failed (the next one is tried anyway when looping), 2 bad settings.

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

function setting(name, fallback) {
  const file = process.env[`${name}_FILE`];
  if (file) return readFileSync(file, 'utf8').trim();
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

/** The settings, checked once; every problem at once. */
export function readSettings(env = process.env) {
  const saved = process.env;
  process.env = env;
  try {
    const settings = {
      schedulerUrl: setting('SCHEDULER_URL'),
      targetId: setting('TARGET_ID'),
      activityToken: setting('ACTIVITY_TOKEN'),
      hubUrl: setting('JUPYTERHUB_URL', 'http://127.0.0.1:8000/'),
      hubToken: setting('JUPYTERHUB_API_TOKEN'),
      instanceId: setting('INSTANCE_ID', ''),
      activeMinutes: Number(setting('ACTIVE_MINUTES', '15')),
      intervalSeconds: Number(setting('INTERVAL_SECONDS', '60')),
    };
    const problems = [];
    if (!settings.schedulerUrl) problems.push('SCHEDULER_URL is required');
    if (!/^[0-9a-f]{32}$/.test(settings.targetId ?? ''))
      problems.push('TARGET_ID must be a target id (32 hex digits)');
    if (!settings.activityToken) problems.push('ACTIVITY_TOKEN (or ACTIVITY_TOKEN_FILE) is required');
    if (!settings.hubToken) problems.push('JUPYTERHUB_API_TOKEN (or JUPYTERHUB_API_TOKEN_FILE) is required');
    if (!(settings.activeMinutes > 0)) problems.push('ACTIVE_MINUTES must be a positive number');
    if (!(settings.intervalSeconds >= 10)) problems.push('INTERVAL_SECONDS must be at least 10');
    if (problems.length > 0) throw Object.assign(new Error(problems.join('; ')), { exitCode: 2 });
    return settings;
  } finally {
    process.env = saved;
  }
}

/** A pool instance's id from Azure's instance metadata: a scale set VM is named `{scaleSet}_{instanceId}`. */
async function instanceIdFromImds() {
  const response = await fetch('http://169.254.169.254/metadata/instance/compute?api-version=2021-02-01', {
    headers: { Metadata: 'true' },
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) throw new Error(`instance metadata answered ${response.status}`);
  const { name } = await response.json();
  const id = String(name ?? '')
    .split('_')
    .pop();
  if (!id) throw new Error(`cannot tell the instance id from the VM name "${name}"`);
  return id;
}

/**
 * Counts sessions on the hub: users' servers that are ready and were active within `activeMinutes`, and
 * spawns still pending (people waiting for a place).
 */
export async function readHub(settings, now = Date.now()) {
  const url = new URL(
    'hub/api/users?state=active',
    settings.hubUrl.endsWith('/') ? settings.hubUrl : `${settings.hubUrl}/`,
  );
  const response = await fetch(url, {
    headers: { Authorization: `token ${settings.hubToken}`, Accept: 'application/json' },
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`JupyterHub answered ${response.status} for ${url.pathname}`);
  const users = await response.json();
  if (!Array.isArray(users)) throw new Error('JupyterHub did not answer a list of users');
  let sessions = 0;
  let waiting = 0;
  for (const user of users) {
    for (const server of Object.values(user?.servers ?? {})) {
      if (server?.pending === 'spawn') waiting++;
      else if (
        server?.ready &&
        now - Date.parse(server.last_activity ?? user.last_activity ?? '') <= settings.activeMinutes * 60_000
      )
        sessions++;
    }
  }
  return { sessions, waiting };
}

/** Posts one report; throws with what the scheduler said when it refuses. */
export async function report(settings, counts, instanceId) {
  const base = settings.schedulerUrl.endsWith('/') ? settings.schedulerUrl : `${settings.schedulerUrl}/`;
  const body =
    instanceId === ''
      ? { sessions: counts.sessions }
      : { instances: [{ instanceId, sessions: counts.sessions }], waiting: counts.waiting };
  const response = await fetch(new URL(`api/targets/${settings.targetId}/activity`, base), {
    method: 'POST',
    headers: { Authorization: `Bearer ${settings.activityToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  if (!response.ok) {
    const text = await response.text();
    throw new Error(`compute-scheduler answered ${response.status}: ${text.slice(0, 300)}`);
  }
  return body;
}

async function once(settings, instanceId) {
  const counts = await readHub(settings);
  const sent = await report(settings, counts, instanceId);
  console.log(`${new Date().toISOString()} reported ${JSON.stringify(sent)}`);
}

async function main() {
  const settings = readSettings();
  const instanceId = settings.instanceId === 'imds' ? await instanceIdFromImds() : settings.instanceId;
  if (process.argv.includes('--once')) return once(settings, instanceId);
  for (;;) {
    await once(settings, instanceId).catch((error) =>
      console.error(`${new Date().toISOString()} ${error.message}`),
    );
    await new Promise((resolve) => setTimeout(resolve, settings.intervalSeconds * 1000));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(`jupyterhub-reporter: ${error.message}`);
    process.exit(error.exitCode ?? 1);
  });
}
