// Who is calling, read from the bearer token the way ARM puts it into Event Grid events: the token's
// claims when it is a JWT, otherwise the token itself taken as the caller's object id.

import type { AccessToken, TokenCredential } from '@azure/identity';

const OBJECT_ID_CLAIM = 'http://schemas.microsoft.com/identity/claims/objectidentifier';

export interface Caller {
  principalId: string;
  principalType: 'ServicePrincipal' | 'User';
  /** The claims ARM copies into `data.claims` of resource events. */
  claims: Record<string, string>;
}

/** The caller behind an `Authorization` header, or undefined when there is no bearer token. */
export function callerFromAuthorization(header: string | undefined): Caller | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const token = match?.[1];
  if (!token) return undefined;
  const claims = jwtClaims(token);
  if (!claims) {
    return {
      principalId: token,
      principalType: 'ServicePrincipal',
      claims: { [OBJECT_ID_CLAIM]: token, appid: token },
    };
  }
  const principalId = claims['oid'] ?? claims[OBJECT_ID_CLAIM] ?? claims['sub'] ?? 'unknown';
  const isApp = claims['idtyp'] === 'app' || (claims['upn'] === undefined && claims['appid'] !== undefined);
  return {
    principalId,
    principalType: isApp ? 'ServicePrincipal' : 'User',
    claims: { ...claims, [OBJECT_ID_CLAIM]: principalId },
  };
}

function jwtClaims(token: string): Record<string, string> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (typeof payload !== 'object' || payload === null) return undefined;
    const claims: Record<string, string> = {};
    for (const [name, value] of Object.entries(payload)) {
      claims[name] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    return claims;
  } catch {
    return undefined;
  }
}

export interface EmulatorIdentity {
  /** Object id of the caller; events name it in `data.claims` and `data.authorization.evidence`. */
  principalId: string;
  /** Application (client) id; defaults to the object id. */
  appId?: string;
  /** A user signs in with a UPN; a managed identity or app registration does not. Default false. */
  isUser?: boolean;
  tenantId?: string;
}

/** The claims Entra ID would put in a token for this identity. */
function identityClaims(identity: EmulatorIdentity): Record<string, string> {
  return {
    aud: 'https://management.azure.com',
    iss: 'https://sts.windows.net/arm-emulator/',
    oid: identity.principalId,
    appid: identity.appId ?? identity.principalId,
    tid: identity.tenantId ?? '00000000-0000-0000-0000-000000000000',
    idtyp: identity.isUser ? 'user' : 'app',
    ...(identity.isUser ? { upn: `${identity.principalId}@example.com`, name: identity.principalId } : {}),
  };
}

/** The caller the emulator sees for this identity, for actions taken without HTTP (a person in the portal). */
export function callerFromIdentity(identity: EmulatorIdentity): Caller {
  const claims = identityClaims(identity);
  return {
    principalId: identity.principalId,
    principalType: identity.isUser ? 'User' : 'ServicePrincipal',
    claims: { ...claims, [OBJECT_ID_CLAIM]: identity.principalId },
  };
}

/**
 * A credential for the emulator: an unsigned JWT carrying the identity's claims, so the emulator's
 * events tell this caller from others exactly as Azure's do. Never valid against real Azure.
 */
export function emulatorCredential(identity: EmulatorIdentity): TokenCredential {
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(identityClaims(identity))).toString('base64url');
  const token = `${header}.${payload}.`;
  return {
    getToken: (): Promise<AccessToken> =>
      Promise.resolve({ token, expiresOnTimestamp: Date.now() + 60 * 60 * 1000, tokenType: 'Bearer' }),
  };
}
