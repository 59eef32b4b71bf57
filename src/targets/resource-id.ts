// Parses the ARM resource ids of the machines we schedule and tells which kind each one is.
// ARM compares ids case-insensitively, so everything downstream keys on the lowercased `normalizedId`.

import { userFault } from '../errors.js';

export type TargetKind = 'vm' | 'pool' | 'computeInstance';

export interface ParsedResourceId {
  kind: TargetKind;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  /** The Azure ML workspace, for compute instances only. */
  workspace?: string;
  /** The canonical id, lowercased: compare and key on this one. */
  normalizedId: string;
}

/** A resource id we cannot schedule; `reason` says which part is wrong and why. */
export class InvalidResourceIdError extends userFault(
  400,
  'invalid-resource-id',
  'The resource id is invalid',
) {
  readonly reason: string;

  constructor(reason: string) {
    // The API takes resource ids in a body's `resourceId`.
    super(`resource id: ${reason}`, [{ pointer: '/resourceId', reason }]);
    this.reason = reason;
  }
}

const SUBSCRIPTION = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Resource groups: 1–90 letters (any script), digits, `_ - . ( )`, not ending in a period.
const RESOURCE_GROUP = /^[\p{L}\p{N}_\-.()]{0,89}[\p{L}\p{N}_\-()]$/u;
// VM and scale-set names: 1–64 characters, letters, digits, `_ - .`; no leading `_`, no trailing `.` or `-`.
const COMPUTE_NAME = /^(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])$/;
// ML workspaces: 3–33 letters, digits, `-` and `_`, starting with a letter or digit.
const WORKSPACE = /^[A-Za-z0-9][A-Za-z0-9_-]{2,32}$/;

const KINDS: { provider: string; type: string; kind: TargetKind }[] = [
  { provider: 'microsoft.compute', type: 'virtualmachines', kind: 'vm' },
  { provider: 'microsoft.compute', type: 'virtualmachinescalesets', kind: 'pool' },
];

/** Parses `/subscriptions/{s}/resourceGroups/{rg}/providers/{provider}/{type}/{name}[/computes/{name}]`. */
export function parseResourceId(id: string): ParsedResourceId {
  if (typeof id !== 'string' || id.length === 0)
    throw new InvalidResourceIdError('must be a non-empty string');
  if (id.length > 1024) throw new InvalidResourceIdError('is longer than 1024 characters');
  if (id !== id.trim()) throw new InvalidResourceIdError('must not start or end with white space');
  if (!id.startsWith('/')) throw new InvalidResourceIdError("must start with '/subscriptions/'");
  const segments = id.slice(1).split('/');
  if (segments.some((s) => s === ''))
    throw new InvalidResourceIdError('has an empty segment (a doubled or trailing /)');

  const [subscriptionsWord, subscriptionId, groupsWord, resourceGroup, providersWord, provider, type, name] =
    segments;
  if (subscriptionsWord?.toLowerCase() !== 'subscriptions' || subscriptionId === undefined) {
    throw new InvalidResourceIdError("must start with '/subscriptions/{subscriptionId}'");
  }
  if (!SUBSCRIPTION.test(subscriptionId)) {
    throw new InvalidResourceIdError(`subscription '${subscriptionId}' is not a GUID`);
  }
  if (groupsWord?.toLowerCase() !== 'resourcegroups' || resourceGroup === undefined) {
    throw new InvalidResourceIdError("expected '/resourceGroups/{name}' after the subscription");
  }
  if (!RESOURCE_GROUP.test(resourceGroup)) {
    throw new InvalidResourceIdError(
      `resource group '${resourceGroup}' must be 1–90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'`,
    );
  }
  if (providersWord?.toLowerCase() !== 'providers' || provider === undefined || type === undefined) {
    throw new InvalidResourceIdError(
      "expected '/providers/{namespace}/{type}/{name}' after the resource group",
    );
  }
  if (name === undefined) throw new InvalidResourceIdError('the resource name is missing');

  const lowerProvider = provider.toLowerCase();
  const lowerType = type.toLowerCase();
  const base = { subscriptionId, resourceGroup };

  if (lowerProvider === 'microsoft.machinelearningservices' && lowerType === 'workspaces') {
    return parseComputeInstance(segments.slice(8), base, name);
  }
  const known = KINDS.find((k) => k.provider === lowerProvider && k.type === lowerType);
  if (!known) {
    throw new InvalidResourceIdError(
      `'${provider}/${type}' is not schedulable: use Microsoft.Compute/virtualMachines, ` +
        'Microsoft.Compute/virtualMachineScaleSets or Microsoft.MachineLearningServices/workspaces/{ws}/computes',
    );
  }
  if (segments.length > 8) throw new InvalidResourceIdError(`unexpected segments after the ${type} name`);
  if (!COMPUTE_NAME.test(name)) {
    throw new InvalidResourceIdError(
      `name '${name}' must be 1–64 letters, digits, '_', '-' or '.', not starting with '_' nor ending in '.' or '-'`,
    );
  }
  return {
    kind: known.kind,
    ...base,
    name,
    normalizedId: normalize(subscriptionId, resourceGroup, provider, type, name),
  };
}

function parseComputeInstance(
  rest: string[],
  base: { subscriptionId: string; resourceGroup: string },
  workspace: string,
): ParsedResourceId {
  if (!WORKSPACE.test(workspace)) {
    throw new InvalidResourceIdError(
      `workspace '${workspace}' must be 3–33 letters, digits, '-' or '_', starting with a letter or digit`,
    );
  }
  const [computesWord, name, ...extra] = rest;
  if (computesWord?.toLowerCase() !== 'computes' || name === undefined) {
    throw new InvalidResourceIdError("expected '/computes/{name}' after the workspace");
  }
  if (extra.length > 0) throw new InvalidResourceIdError('unexpected segments after the compute name');
  const problem = computeInstanceNameProblem(name);
  if (problem) throw new InvalidResourceIdError(`compute name '${name}' ${problem}`);
  return {
    kind: 'computeInstance',
    ...base,
    name,
    workspace,
    normalizedId: normalize(
      base.subscriptionId,
      base.resourceGroup,
      'Microsoft.MachineLearningServices',
      'workspaces',
      workspace,
      'computes',
      name,
    ),
  };
}

/** Azure ML's rule for compute instance names, or undefined when the name is fine. */
export function computeInstanceNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 24) return 'must be 3 to 24 characters long';
  if (!/^[A-Za-z0-9-]+$/.test(name)) return "may contain only letters, digits and '-'";
  if (!/^[A-Za-z]/.test(name)) return 'must start with a letter';
  // Azure ML refuses names like "ci-1": every hyphen must be followed later by at least one letter.
  if (/-[^A-Za-z]*$/.test(name)) {
    return "must have a letter somewhere after every '-'";
  }
  return undefined;
}

function normalize(
  subscriptionId: string,
  resourceGroup: string,
  provider: string,
  type: string,
  name: string,
  ...child: string[]
): string {
  return [
    '',
    'subscriptions',
    subscriptionId,
    'resourceGroups',
    resourceGroup,
    'providers',
    provider,
    type,
    name,
  ]
    .concat(child)
    .join('/')
    .toLowerCase();
}
