import { describe, expect, it } from 'vitest';
import { canActOn } from '../../src/auth/access.js';
import { clientPrincipalHeaders, principalFromHeaders } from '../../src/auth/principal.js';
import { UnauthenticatedError } from '../../src/errors.js';

const headers = (values: Record<string, string>) => new Headers(values);
const encode = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64');

describe('the caller from App Service Authentication headers', () => {
  it('reads id, name and roles as App Service sends them', () => {
    const principal = principalFromHeaders(
      headers(
        clientPrincipalHeaders({
          id: 'oid-1',
          name: 'ana@contoso.com',
          roles: ['Scheduler.Admin', 'Reader'],
        }),
      ),
      true,
    );
    expect(principal).toEqual({
      id: 'oid-1',
      name: 'ana@contoso.com',
      roles: ['Scheduler.Admin', 'Reader'],
      isAdmin: true,
    });
  });

  it('takes roles from the claim type named by role_typ', () => {
    const principal = principalFromHeaders(
      headers({
        'x-ms-client-principal': encode({
          auth_typ: 'aad',
          name_typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
          role_typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
          claims: [
            { typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val: 'Scheduler.Admin' },
            {
              typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
              val: 'ops@contoso.com',
            },
            { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: 'oid-2' },
          ],
        }),
      }),
      true,
    );
    expect(principal).toEqual({
      id: 'oid-2',
      name: 'ops@contoso.com',
      roles: ['Scheduler.Admin'],
      isAdmin: true,
    });
  });

  it('does not make an admin of a role in another claim type or another case', () => {
    const principal = principalFromHeaders(
      headers({
        'x-ms-client-principal-id': 'oid-3',
        'x-ms-client-principal': encode({
          role_typ: 'roles',
          claims: [
            { typ: 'groups', val: 'Scheduler.Admin' },
            { typ: 'roles', val: 'scheduler.admin' },
          ],
        }),
      }),
      true,
    );
    expect(principal?.isAdmin).toBe(false);
  });

  it('has no caller without the headers, or when the headers are not trusted', () => {
    expect(principalFromHeaders(headers({}), true)).toBeUndefined();
    expect(
      principalFromHeaders(headers(clientPrincipalHeaders({ id: 'x', roles: ['Scheduler.Admin'] })), false),
    ).toBeUndefined();
  });

  it('refuses a principal header that is not base64 JSON with claims', () => {
    for (const value of [
      'not json',
      encode('string'),
      encode({ claims: 'all' }),
      encode({ claims: [{ typ: 1 }] }),
    ]) {
      expect(() => principalFromHeaders(headers({ 'x-ms-client-principal': value }), true)).toThrow(
        UnauthenticatedError,
      );
    }
  });
});

describe('who may act on a target', () => {
  const target = { id: 't', owner: { id: 'owner' }, assignedTo: 'assignee' };
  it.each([
    ['owner', false, true],
    ['assignee', false, true],
    ['stranger', false, false],
    ['stranger', true, true],
  ])('%s (admin: %s) → %s', (id, isAdmin, allowed) => {
    expect(canActOn({ id, roles: [], isAdmin }, target)).toBe(allowed);
  });
});
