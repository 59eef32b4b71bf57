// Which identity the app signs in to Azure with: in Azure, the user-assigned managed identity asked for by its
// client id (and nothing else tried); off Azure, the developer's own sign-in. The managed identity endpoint
// App Service and Functions provide is played by a local HTTP server, so the request the credential really
// makes is what is checked.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChainedTokenCredential, ManagedIdentityCredential } from '@azure/identity';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { appCredential } from '../src/credential.js';

let server: Server;
let asked: { url: string; identityHeader: string | undefined }[] = [];
const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response) => {
    asked.push({ url: request.url ?? '', identityHeader: request.headers['x-identity-header'] as string });
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(
      JSON.stringify({
        access_token: 'token-of-the-user-assigned-identity',
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        resource: 'https://management.azure.com',
        token_type: 'Bearer',
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
  asked = [];
  for (const [name, value] of [
    ['IDENTITY_ENDPOINT', saved.endpoint],
    ['IDENTITY_HEADER', saved.header],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('the app credential', () => {
  it('is the user-assigned managed identity, asked for by its client id, when one is configured', async () => {
    const { port } = server.address() as AddressInfo;
    process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${port}/msi/token`;
    process.env.IDENTITY_HEADER = 'platform-secret';
    const credential = appCredential('11111111-2222-3333-4444-555555555555');
    expect(credential).toBeInstanceOf(ManagedIdentityCredential);
    const token = await credential.getToken('https://management.azure.com/.default');
    expect(token?.token).toBe('token-of-the-user-assigned-identity');
    expect(asked).toHaveLength(1);
    const url = new URL(asked[0]!.url, 'http://127.0.0.1');
    expect(url.pathname).toBe('/msi/token');
    expect(url.searchParams.get('client_id')).toBe('11111111-2222-3333-4444-555555555555');
    expect(asked[0]!.identityHeader).toBe('platform-secret');
  });

  it('is the developer sign-in chain when no managed identity is configured', () => {
    expect(appCredential(undefined)).toBeInstanceOf(ChainedTokenCredential);
    expect(appCredential('')).toBeInstanceOf(ChainedTokenCredential);
  });
});
