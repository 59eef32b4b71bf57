// The credentials the permission check asks ARM with, on behalf of each caller: one per caller token, kept so
// that its token cache saves the trade with Entra ID on the caller's next registration. Building a credential
// makes no network call; what Entra ID answers is not exercised here (it cannot run on this machine).

import { OnBehalfOfCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { KEPT_CALLER_CREDENTIALS, onBehalfOf } from '../../src/auth/permission-check.js';
import { ConfigurationError, UnauthenticatedError } from '../../src/errors.js';

const settings = {
  tenantId: '11111111-1111-1111-1111-111111111111',
  clientId: '22222222-2222-2222-2222-222222222222',
  clientSecret: 'not-a-real-secret',
};
const principal = { id: 'dana-oid', isAdmin: false, roles: [] };
const caller = (token: string) => ({ principal, headers: new Headers({ authorization: `Bearer ${token}` }) });

describe('credentials on behalf of the caller', () => {
  it('hands out the same credential for the same token, and another for another token', () => {
    const credentialFor = onBehalfOf(settings);
    const first = credentialFor(caller('token-a'));
    expect(first).toBeInstanceOf(OnBehalfOfCredential);
    expect(credentialFor(caller('token-a'))).toBe(first);
    expect(credentialFor(caller('token-b'))).not.toBe(first);
    // Another check (another app) keeps its own.
    expect(onBehalfOf(settings)(caller('token-a'))).not.toBe(first);
  });

  it(`keeps the ${KEPT_CALLER_CREDENTIALS} most recently used, letting the least recently used go`, () => {
    const credentialFor = onBehalfOf(settings);
    const oldest = credentialFor(caller('token-0'));
    const second = credentialFor(caller('token-1'));
    for (let i = 2; i < KEPT_CALLER_CREDENTIALS; i++) credentialFor(caller(`token-${i}`));
    // Used again, token-0 is now the most recent: the next newcomer pushes token-1 out instead.
    expect(credentialFor(caller('token-0'))).toBe(oldest);
    credentialFor(caller('token-new'));
    expect(credentialFor(caller('token-0'))).toBe(oldest);
    expect(credentialFor(caller('token-1'))).not.toBe(second);
  });

  it('refuses a request without the caller’s token, and a check without the app’s settings', () => {
    expect(() => onBehalfOf(settings)({ principal, headers: new Headers() })).toThrow(UnauthenticatedError);
    expect(() => onBehalfOf(undefined)(caller('token-a'))).toThrow(ConfigurationError);
  });
});
