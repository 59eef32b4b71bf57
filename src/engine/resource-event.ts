// Azure Resource Manager's resource events, as Event Grid delivers them from a subscription's or resource
// group's system topic, in the Event Grid schema or CloudEvents 1.0: read into what the reactions need.
// Pure: no I/O. Shapes from Microsoft's "Azure resource group as an Event Grid source" samples.

import { InvalidResourceIdError, parseResourceId, type TargetKind } from '../targets/resource-id.js';

export type ResourceEventCategory = 'write' | 'delete' | 'action';
export type ResourceEventStatus = 'Success' | 'Failure' | 'Cancel';

/** Who made the call, from `data.claims` and `data.authorization.evidence`. */
export interface EventCaller {
  /** The Entra object id (`oid` claim), if any. */
  objectId?: string;
  /** The application id (`appid`) of an app or managed identity. */
  appId?: string;
  /** A name for people to read: the UPN or name claim, else the object id. */
  display: string;
}

/** One resource event about a machine we could schedule. */
export interface ResourceEvent {
  /** Unique per event; redeliveries repeat it. */
  id: string;
  category: ResourceEventCategory;
  status: ResourceEventStatus;
  resourceId: string;
  kind: TargetKind;
  /** The permission exercised, e.g. `Microsoft.Compute/virtualMachines/start/action`. */
  operationName: string;
  /** When ARM raised it (UTC ms). */
  at: number;
  caller: EventCaller;
}

/** What reading one delivered item gave: an event to react to, one to ignore, or junk to log and drop. */
export type ReadEvent =
  | { kind: 'event'; event: ResourceEvent }
  | { kind: 'ignored'; id?: string; reason: string }
  | { kind: 'malformed'; id?: string; reason: string };

const TYPE = /^Microsoft\.Resources\.Resource(Write|Delete|Action)(Success|Failure|Cancel)$/;
const OBJECT_ID = 'http://schemas.microsoft.com/identity/claims/objectidentifier';
const UPN = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn';
const MAX_ID_LENGTH = 256;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * Reads one item as delivered: an Event Grid schema event (`eventType`, `eventTime`) or a CloudEvent
 * (`specversion` 1.0, `type`, `time`). Never throws.
 */
export function readResourceEvent(item: unknown): ReadEvent {
  if (!isObject(item)) return { kind: 'malformed', reason: 'not a JSON object' };
  const cloud = item.specversion !== undefined;
  const id = text(item.id);
  const type = text(cloud ? item.type : item.eventType);
  const time = text(cloud ? item.time : item.eventTime);
  if (cloud && item.specversion !== '1.0') {
    return { kind: 'malformed', ...(id ? { id } : {}), reason: `specversion ${String(item.specversion)}` };
  }
  if (!id || id.length > MAX_ID_LENGTH) return { kind: 'malformed', reason: 'no usable id' };
  if (!type) return { kind: 'malformed', id, reason: 'no event type' };
  const match = TYPE.exec(type);
  if (!match) return { kind: 'ignored', id, reason: `event type ${type.slice(0, 100)}` };
  const at = time ? Date.parse(time) : NaN;
  if (!Number.isFinite(at)) return { kind: 'malformed', id, reason: 'no valid event time' };
  const data = item.data;
  if (!isObject(data)) return { kind: 'malformed', id, reason: 'no data object' };
  const resourceId = text(item.subject) ?? text(data.resourceUri);
  const operationName =
    text(data.operationName) ?? text(isObject(data.authorization) ? data.authorization.action : undefined);
  if (!resourceId) return { kind: 'malformed', id, reason: 'no subject' };
  if (!operationName) return { kind: 'malformed', id, reason: 'no operationName' };
  let kind: TargetKind;
  try {
    kind = parseResourceId(resourceId).kind;
  } catch (error) {
    if (!(error instanceof InvalidResourceIdError)) throw error;
    // Any other resource in the topic (disks, NICs, deployments…): not ours to react to.
    return { kind: 'ignored', id, reason: 'not a VM, pool or compute instance' };
  }
  const [, category, status] = match as unknown as [string, string, ResourceEventStatus];
  return {
    kind: 'event',
    event: {
      id,
      category: category.toLowerCase() as ResourceEventCategory,
      status,
      resourceId,
      kind,
      operationName,
      at,
      caller: callerOf(data),
    },
  };
}

function callerOf(data: Json): EventCaller {
  const claims = isObject(data.claims) ? data.claims : {};
  const evidence =
    isObject(data.authorization) && isObject(data.authorization.evidence) ? data.authorization.evidence : {};
  const objectId = text(claims[OBJECT_ID]) ?? text(claims.oid) ?? text(evidence.principalId);
  const appId = text(claims.appid) ?? text(claims.azp);
  const display =
    text(claims[UPN]) ?? text(claims.upn) ?? text(claims.name) ?? objectId ?? appId ?? 'unknown';
  return { ...(objectId ? { objectId } : {}), ...(appId ? { appId } : {}), display };
}

/**
 * The Event Grid trigger hands one event per invocation; a webhook body holds an array (Event Grid schema,
 * CloudEvents batch) or one CloudEvent. Either way: the items to read.
 */
export function eventItems(body: unknown): unknown[] {
  return Array.isArray(body) ? body : [body];
}

/** The run operation an event's permission names (as runs record it), e.g. `deallocate`, or undefined. */
export function operationOf(operationName: string): string | undefined {
  const lower = operationName.toLowerCase();
  if (lower === 'microsoft.compute/virtualmachinescalesets/write') return 'scale';
  const match = /\/(start|deallocate|poweroff|stop|restart)\/action$/.exec(lower);
  return match?.[1] === 'poweroff' ? 'powerOff' : match?.[1];
}

/** Whether a power operation starts, stops or restarts the machine. */
export function powerChangeOf(operationName: string): 'Start' | 'Stop' | 'Restart' | undefined {
  const operation = operationOf(operationName);
  if (operation === 'start') return 'Start';
  if (operation === 'deallocate' || operation === 'powerOff' || operation === 'stop') return 'Stop';
  if (operation === 'restart') return 'Restart';
  return undefined;
}
