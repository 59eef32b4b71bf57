// The local host plays App Service Authentication: requests without a principal get the configured
// local one (by default an admin, so `npm start` works out of the box); requests may bring their own.

import { ADMIN_ROLE, clientPrincipalHeaders } from '../../src/auth/principal.js';
import { ConfigurationError } from '../../src/errors.js';

export interface LocalPrincipal {
  id: string;
  name?: string;
  roles: string[];
}

export const DEFAULT_LOCAL_PRINCIPAL: LocalPrincipal = {
  id: 'local-user',
  name: 'local.user@localhost',
  roles: [ADMIN_ROLE],
};

/**
 * Reads SCHEDULER_LOCAL_PRINCIPAL: absent for the default admin, `none` for anonymous requests (to see
 * 401s), or JSON `{"id":"alice","name":"alice@contoso.com","roles":[]}`.
 */
export function readLocalPrincipal(value: string | undefined): LocalPrincipal | undefined {
  if (value === undefined || value.trim() === '') return DEFAULT_LOCAL_PRINCIPAL;
  if (value.trim().toLowerCase() === 'none') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigurationError([
      `SCHEDULER_LOCAL_PRINCIPAL must be 'none' or JSON like {"id":"alice","roles":[]}`,
    ]);
  }
  const { id, name, roles } = (parsed ?? {}) as { id?: unknown; name?: unknown; roles?: unknown };
  if (typeof id !== 'string' || id === '')
    throw new ConfigurationError(['SCHEDULER_LOCAL_PRINCIPAL needs an "id"']);
  if (name !== undefined && typeof name !== 'string') {
    throw new ConfigurationError(['SCHEDULER_LOCAL_PRINCIPAL "name" must be a string']);
  }
  if (roles !== undefined && !(Array.isArray(roles) && roles.every((r) => typeof r === 'string'))) {
    throw new ConfigurationError(['SCHEDULER_LOCAL_PRINCIPAL "roles" must be an array of strings']);
  }
  return { id, ...(name !== undefined ? { name } : {}), roles: roles ?? [] };
}

/** Adds the principal headers unless the request carries its own. */
export function withLocalPrincipal(
  headers: Record<string, string>,
  principal: LocalPrincipal | undefined,
): Record<string, string> {
  if (!principal || 'x-ms-client-principal' in headers || 'x-ms-client-principal-id' in headers)
    return headers;
  return { ...headers, ...clientPrincipalHeaders(principal) };
}
