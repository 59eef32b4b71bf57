import { describe, expect, it } from 'vitest';
import { authenticate } from '../../../../toolkit/arm-emulator/gates/authenticate.js';
import { exchangeOf, pass, recordingNext } from './exchange.js';

const unsignedJwt = (claims: Record<string, string>): string =>
  `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;

describe('the authenticate gate', () => {
  it("refuses a request without an Authorization header: 401 AuthenticationFailed, ARM's wording", async () => {
    const next = recordingNext();
    await expect(pass(authenticate, exchangeOf(), next)).rejects.toMatchObject({
      status: 401,
      code: 'AuthenticationFailed',
      message: "Authentication failed. The 'Authorization' header is missing.",
    });
    expect(next.calls).toBe(0);
  });

  it('refuses a header that is not a bearer token', async () => {
    const exchange = exchangeOf({ headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    await expect(pass(authenticate, exchange, recordingNext())).rejects.toMatchObject({ status: 401 });
  });

  it("takes an opaque bearer token as the caller's object id, a service principal", async () => {
    const exchange = exchangeOf({ headers: { authorization: 'Bearer scheduler-identity' } });
    const next = recordingNext();
    await pass(authenticate, exchange, next);
    expect(exchange.caller).toMatchObject({
      principalId: 'scheduler-identity',
      principalType: 'ServicePrincipal',
    });
    expect(next.calls).toBe(1);
  });

  it("reads a JWT's claims: a user signed in with a UPN", async () => {
    const token = unsignedJwt({ oid: 'ada', upn: 'ada@example.com', idtyp: 'user' });
    const exchange = exchangeOf({ headers: { authorization: `Bearer ${token}` } });
    await pass(authenticate, exchange, recordingNext());
    expect(exchange.caller).toMatchObject({ principalId: 'ada', principalType: 'User' });
  });
});
