// Which resources exist, looked up by lowercased id, and which resource groups and ML workspaces have
// ever held one, so a missing resource gets the same 404 as in Azure.

import { parseResourceId, type ParsedResourceId } from '../../../src/targets/resource-id.js';
import { resourceGroupNotFound, resourceNotFound } from '../arm-error.js';
import { ML_PROVIDER, type Resource } from './resource.js';
import type { VirtualMachine } from './virtual-machines.js';

/** The resource part of a request path. */
export interface ResourcePath {
  key: string;
  subscriptionId: string;
  resourceGroup: string;
  type: string;
  name: string;
}

export class ResourceRegistry {
  private readonly resources = new Map<string, Resource>();
  private readonly resourceGroups = new Set<string>();
  private readonly workspaces = new Set<string>();

  /** The parsed id for a resource about to be added; throws when it is of another kind or exists. */
  claim(id: string, kind: Resource['kind']): ParsedResourceId {
    const parsed = parseResourceId(id);
    if (parsed.kind !== kind) {
      throw new Error(`arm-emulator: '${id}' is a ${parsed.kind} id, not a ${kind} id`);
    }
    if (this.resources.has(parsed.normalizedId)) throw new Error(`arm-emulator: '${id}' already exists`);
    return parsed;
  }

  add(resource: Resource): void {
    const { subscriptionId, resourceGroup, workspace } = resource.parsed;
    this.resources.set(resource.key, resource);
    this.resourceGroups.add(`/subscriptions/${subscriptionId}/resourcegroups/${resourceGroup}`.toLowerCase());
    if (workspace) {
      this.workspaces.add(
        `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroup}/providers/${ML_PROVIDER}/workspaces/${workspace}`.toLowerCase(),
      );
    }
  }

  delete(resource: Resource): void {
    this.resources.delete(resource.key);
  }

  get(id: string): Resource | undefined {
    return this.resources.get(id.toLowerCase());
  }

  /**
   * The resource at a path's resource part, or ARM's 404: ResourceGroupNotFound when nothing was ever added
   * to that group, ResourceNotFound otherwise. For compute instances an unknown workspace is ResourceNotFound.
   */
  require(path: ResourcePath): Resource {
    const resource = this.resources.get(path.key);
    if (resource) return resource;
    const group = `/subscriptions/${path.subscriptionId}/resourcegroups/${path.resourceGroup}`.toLowerCase();
    if (!this.resourceGroups.has(group)) throw resourceGroupNotFound(path.resourceGroup);
    const workspaceEnd = path.key.indexOf('/computes/');
    if (workspaceEnd >= 0 && !this.workspaces.has(path.key.slice(0, workspaceEnd))) {
      const workspace = path.key.slice(0, workspaceEnd).split('/').pop() ?? '';
      throw resourceNotFound(`${ML_PROVIDER}/workspaces`, workspace, path.resourceGroup);
    }
    throw resourceNotFound(path.type, path.name, path.resourceGroup);
  }

  /** The subscription's VMs, ordered by id as ARM lists them. */
  virtualMachinesIn(subscriptionId: string): VirtualMachine[] {
    const prefix = `/subscriptions/${subscriptionId.toLowerCase()}/`;
    return [...this.resources.values()]
      .filter((r): r is VirtualMachine => r.kind === 'vm' && r.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  all(): Resource[] {
    return [...this.resources.values()];
  }
}
