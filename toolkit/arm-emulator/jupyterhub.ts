// A fake JupyterHub REST API on every emulated machine (each pool instance, each VM or compute instance), so
// the activity reporter can be run and tested against the sessions the emulator places there. Only what the
// reporter reads: `GET {hub}/hub/api/users` (and `?state=active`), users with their `servers`.
//
//   pool instance: {emulator}/jupyterhub{scale set resource id}/{instanceId}/hub/api/users
//   single machine: {emulator}/jupyterhub{resource id}/hub/api/users

import type { Fleet } from './fleet/fleet.js';
import type { Resource } from './fleet/resource.js';
import { scaleSetInstanceName } from './representations.js';

export const JUPYTERHUB_PREFIX = '/jupyterhub';

const POOL_HUB =
  /^\/jupyterhub(?<id>\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/virtualMachineScaleSets\/[^/]+)\/(?<instance>[^/]+)\/hub\/api\/(?<rest>.*)$/i;
const MACHINE_HUB = /^\/jupyterhub(?<id>\/subscriptions\/.+?)\/hub\/api\/(?<rest>.*)$/i;

/** The hub's base URL (what a reporter is configured with), for a pool instance or a single machine. */
export function jupyterHubPath(resourceId: string, instanceId?: string): string {
  return `${JUPYTERHUB_PREFIX}${resourceId}${instanceId === undefined ? '' : `/${encodeURIComponent(instanceId)}`}/`;
}

export interface HubAnswer {
  status: number;
  body: unknown;
}

/**
 * One request to a machine's hub. JupyterHub wants `Authorization: token …` (403 without); a machine that
 * is not running has no hub to answer (503, as a proxy in front of it would).
 */
export function answerJupyterHub(
  fleet: Fleet,
  method: string,
  url: URL,
  authorization: string | undefined,
): HubAnswer {
  const path = url.pathname.replace(/\/+$/, '');
  const match = POOL_HUB.exec(path) ?? MACHINE_HUB.exec(path);
  const resource = match ? fleet.find(decodeURIComponent(match.groups!['id']!)) : undefined;
  const instanceId =
    match?.groups?.['instance'] === undefined ? '' : decodeURIComponent(match.groups['instance']);
  if (!match || !resource || (resource.kind === 'pool') !== (instanceId !== ''))
    return hubError(404, 'Not Found');
  if (!/^(token|bearer) \S+/i.test(authorization ?? ''))
    return hubError(403, 'Missing or invalid credentials.');
  if (method !== 'GET') return hubError(405, 'Method Not Allowed');
  if (match.groups!['rest'] !== 'users') return hubError(404, 'Not Found');
  if (resource.kind === 'pool' && !resource.instances.some((i) => i.instanceId === instanceId)) {
    return hubError(404, 'Not Found');
  }
  const report = fleet.workloadOf(resource.id)!;
  if (!runningHub(resource, instanceId)) return hubError(503, 'The machine is not running.');
  const sessions = report.sessions[instanceId] ?? 0;
  const now = new Date(fleet.now()).toISOString();
  const prefix = resource.kind === 'pool' ? scaleSetInstanceName(resource, instanceId) : resource.parsed.name;
  // Every session is an active user: with or without `?state=active` the list is the same.
  const users = Array.from({ length: sessions }, (_, index) => user(`${prefix}-user-${index + 1}`, now));
  return { status: 200, body: users };
}

function user(name: string, now: string): Record<string, unknown> {
  const url = `/user/${name}/`;
  return {
    kind: 'user',
    name,
    admin: false,
    groups: [],
    roles: ['user'],
    server: url,
    pending: null,
    created: now,
    last_activity: now,
    servers: {
      '': {
        name: '',
        ready: true,
        stopped: false,
        pending: null,
        url,
        progress_url: `/hub/api/users/${name}/server/progress`,
        started: now,
        last_activity: now,
        user_options: {},
      },
    },
  };
}

function runningHub(resource: Resource, instanceId: string): boolean {
  switch (resource.kind) {
    case 'pool': {
      const instance = resource.instances.find((i) => i.instanceId === instanceId);
      return (
        instance !== undefined &&
        instance.removalEndsAt === undefined &&
        instance.power === 'running' &&
        !instance.transition
      );
    }
    case 'vm':
      return resource.power === 'running' && !resource.transition;
    case 'computeInstance':
      return resource.state === 'Running' || resource.state === 'JobRunning';
  }
}

function hubError(status: number, message: string): HubAnswer {
  return { status, body: { status, message } };
}
