// Shared by the emulator and gateway tests: resource ids, real SDK clients pointed at the emulator with their
// own retries off (so every answer is seen as sent), a raw HTTPS request for headers, and a webhook receiver.

import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { ComputeManagementClient } from '@azure/arm-compute';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { emulatorCredential, type ArmEmulator } from '../../../toolkit/arm-emulator/index.js';

export const SUBSCRIPTION = '6f1c1e2a-3b4d-4c5e-8f90-1a2b3c4d5e6f';
export const GROUP = 'rg-research';
export const WORKSPACE = 'ws-team';

export const vmId = (name: string, group = GROUP): string =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/${group}/providers/Microsoft.Compute/virtualMachines/${name}`;
export const poolId = (name: string, group = GROUP): string =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/${group}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`;
export const computeInstanceId = (name: string, workspace = WORKSPACE, group = GROUP): string =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/${group}/providers/Microsoft.MachineLearningServices/workspaces/${workspace}/computes/${name}`;

export const schedulerIdentity = { principalId: 'scheduler-identity' };

export function computeClient(
  emulator: ArmEmulator,
  principalId = schedulerIdentity.principalId,
): ComputeManagementClient {
  return new ComputeManagementClient(emulatorCredential({ principalId }), SUBSCRIPTION, {
    endpoint: emulator.url,
    agent: new https.Agent({ ca: emulator.certificatePem }),
    retryOptions: { maxRetries: 0 },
  });
}

export function machineLearningClient(emulator: ArmEmulator): AzureMachineLearningWorkspaces {
  return new AzureMachineLearningWorkspaces(emulatorCredential(schedulerIdentity), SUBSCRIPTION, {
    endpoint: emulator.url,
    agent: new https.Agent({ ca: emulator.certificatePem }),
    credentialScopes: ['https://management.azure.com/.default'],
    retryOptions: { maxRetries: 0 },
  });
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** One HTTPS request as sent, for checks on status codes, headers and bodies the SDKs hide. */
export function rawRequest(
  emulator: ArmEmulator,
  method: string,
  pathOrUrl: string,
  options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const url = new URL(pathOrUrl, emulator.url);
  if (!url.searchParams.has('api-version')) url.searchParams.set('api-version', '2026-03-01');
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const request = https.request(
      url,
      {
        method,
        ca: emulator.certificatePem,
        agent: false,
        headers: {
          ...(options.token === null
            ? {}
            : { authorization: `Bearer ${options.token ?? 'scheduler-identity'}` }),
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: text ? (JSON.parse(text) as unknown) : undefined,
          });
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

export interface Delivery {
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** A tiny HTTP endpoint standing in for the Event Grid trigger's webhook. */
export async function startWebhook(): Promise<{
  url: string;
  deliveries: Delivery[];
  close: () => Promise<void>;
}> {
  const deliveries: Delivery[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push({
        headers: request.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
      });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/runtime/webhooks/eventgrid?functionName=onResourceEvent`,
    deliveries,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The `code`s of an instance view's statuses, for compact expectations. */
export function statusCodes(view: { statuses?: { code?: string }[] }): (string | undefined)[] {
  return (view.statuses ?? []).map((status) => status.code);
}
