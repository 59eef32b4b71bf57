// Who is calling: App Service Authentication puts the signed-in principal in `x-ms-client-principal`
// (base64 JSON) and strips any a client sends, so we believe the header only where that platform runs.

import { UnauthenticatedError } from '../errors.js';

export const ADMIN_ROLE = 'Scheduler.Admin';

export interface Principal {
  id: string;
  name?: string;
  roles: string[];
  /** Holds the Scheduler.Admin app role: acts on every target and registers for others. */
  isAdmin: boolean;
}

/** The header's payload, as App Service writes it. */
export interface ClientPrincipal {
  auth_typ?: string;
  name_typ?: string;
  role_typ?: string;
  claims?: { typ: string; val: string }[];
}

const HEADER = 'x-ms-client-principal';

/**
 * The longest principal id we believe, in UTF-16 code units. Ids become Table Storage keys, which hold at
 * most 1 KiB (512 characters): the base64url of 128 units' UTF-8 (384 bytes at most) always fits. Entra
 * object ids are 36 characters. Assignees (`assignedTo`) have the same limit.
 */
export const MAX_PRINCIPAL_ID_LENGTH = 128;
/** Names are only shown, never keys; this keeps a row's size predictable. */
export const MAX_PRINCIPAL_NAME_LENGTH = 256;
const ROLES_CLAIM = 'roles';
// Where Entra ID puts a user's or app's object id, when the -id header is missing.
const OBJECT_ID_CLAIMS = ['http://schemas.microsoft.com/identity/claims/objectidentifier', 'oid'];
const DEFAULT_NAME_TYPE = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name';
const DEFAULT_ROLE_TYPE = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';

export interface HeaderReader {
  get(name: string): string | null;
}

/**
 * The caller, from the platform's headers. Undefined when there is none (or we may not trust them);
 * throws UnauthenticatedError when a principal header is present but unreadable.
 */
export function principalFromHeaders(headers: HeaderReader, trusted: boolean): Principal | undefined {
  if (!trusted) return undefined;
  const encoded = headers.get(HEADER);
  const idHeader = headers.get(`${HEADER}-id`)?.trim();
  const nameHeader = headers.get(`${HEADER}-name`)?.trim();
  const payload = encoded ? decodeClientPrincipal(encoded) : {};
  const claims = payload.claims ?? [];
  const claim = (types: string[]) => claims.find((c) => types.includes(c.typ))?.val;
  const id = idHeader || claim(OBJECT_ID_CLAIMS);
  if (!id) return undefined;
  assertStorable('id', id, idHeader ? `${HEADER}-id` : HEADER);
  const nameType = payload.name_typ ?? DEFAULT_NAME_TYPE;
  const roleType = payload.role_typ ?? DEFAULT_ROLE_TYPE;
  const name = nameHeader || claim([nameType]);
  if (name) assertStorable('name', name, nameHeader ? `${HEADER}-name` : HEADER);
  const roles = [
    ...new Set(claims.filter((c) => c.typ === roleType || c.typ === ROLES_CLAIM).map((c) => c.val)),
  ];
  return { id, ...(name ? { name } : {}), roles, isAdmin: roles.includes(ADMIN_ROLE) };
}

// Control characters (C0, DEL, C1), and surrogates without their pair: UTF-8 cannot carry those.
const UNSTORABLE = /[\p{Cc}\p{Cs}]/u;

/** Ids and names end up in storage keys and rows: refuse what would not fit there rather than fail later. */
function assertStorable(what: 'id' | 'name', value: string, header: string): void {
  const limit = what === 'id' ? MAX_PRINCIPAL_ID_LENGTH : MAX_PRINCIPAL_NAME_LENGTH;
  let reason: string | undefined;
  if (value.length > limit) reason = `must be at most ${limit} characters`;
  else if (UNSTORABLE.test(value)) reason = 'must not hold control characters or unpaired surrogates';
  if (reason) {
    throw new UnauthenticatedError(`The principal's ${what} ${reason}.`, [
      { header, reason: `the ${what} ${reason}` },
    ]);
  }
}

function decodeClientPrincipal(encoded: string): ClientPrincipal {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    throw new UnauthenticatedError(`${HEADER} is not base64-encoded JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UnauthenticatedError(`${HEADER} is not a JSON object`);
  }
  const { claims, name_typ, role_typ, auth_typ } = parsed as Record<string, unknown>;
  const isClaim = (c: unknown): c is { typ: string; val: string } =>
    typeof c === 'object' &&
    c !== null &&
    typeof (c as { typ?: unknown }).typ === 'string' &&
    typeof (c as { val?: unknown }).val === 'string';
  if (claims !== undefined && (!Array.isArray(claims) || !claims.every(isClaim))) {
    throw new UnauthenticatedError(`${HEADER} has malformed claims`);
  }
  return {
    ...(typeof auth_typ === 'string' ? { auth_typ } : {}),
    ...(typeof name_typ === 'string' ? { name_typ } : {}),
    ...(typeof role_typ === 'string' ? { role_typ } : {}),
    ...(claims ? { claims } : {}),
  };
}

/** The headers App Service would send for this principal: used by the local host and by tests. */
export function clientPrincipalHeaders(principal: {
  id: string;
  name?: string;
  roles?: string[];
}): Record<string, string> {
  const payload: ClientPrincipal = {
    auth_typ: 'aad',
    name_typ: DEFAULT_NAME_TYPE,
    role_typ: DEFAULT_ROLE_TYPE,
    claims: [
      { typ: OBJECT_ID_CLAIMS[0]!, val: principal.id },
      ...(principal.name ? [{ typ: DEFAULT_NAME_TYPE, val: principal.name }] : []),
      ...(principal.roles ?? []).map((role) => ({ typ: ROLES_CLAIM, val: role })),
    ],
  };
  return {
    [HEADER]: Buffer.from(JSON.stringify(payload), 'utf8').toString('base64'),
    [`${HEADER}-id`]: principal.id,
    ...(principal.name ? { [`${HEADER}-name`]: principal.name } : {}),
  };
}
