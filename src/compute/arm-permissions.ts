// Asks ARM what the caller may do on a machine, with the caller's own token: the permission check of
// registration (docs/policies.md). In Azure the token comes from the on-behalf-of flow, trading the token
// App Service Authentication hands over for one to ARM; locally the emulator's credential stands in.

import type { Agent } from 'node:https';
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineRequest,
  type HttpClient,
} from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import type { PermissionBlock } from '../auth/permissions.js';
import { AccessDeniedError, TargetNotFoundError, ThrottledError, TransientError } from './errors.js';

export const PERMISSIONS_API_VERSION = '2022-04-01';
const ARM_ENDPOINT = 'https://management.azure.com';

/** Options of {@link ArmPermissionReader}. */
export interface ArmPermissionReaderOptions {
  /** @default `https://management.azure.com` */
  endpoint?: string;
  /** HTTPS agent, e.g. one that trusts the local emulator's certificate. */
  agent?: Agent;
  /** @default 10000 */
  timeoutInMs?: number;
}

/** Reads `GET {resourceId}/providers/Microsoft.Authorization/permissions` with a given credential. */
export class ArmPermissionReader {
  private readonly endpoint: string;
  private readonly client: HttpClient = createDefaultHttpClient();

  constructor(private readonly options: ArmPermissionReaderOptions = {}) {
    this.endpoint = (options.endpoint ?? ARM_ENDPOINT).replace(/\/+$/, '');
  }

  /**
   * The permission blocks the credential's principal holds on the resource.
   * @throws TargetNotFoundError (404), AccessDeniedError (401, 403, or no token), ThrottledError (429),
   *   TransientError (5xx, no answer)
   */
  async read(credential: TokenCredential, resourceId: string): Promise<PermissionBlock[]> {
    const token = await credential.getToken(`${ARM_ENDPOINT}/.default`).catch((error: unknown) => {
      throw new AccessDeniedError(`permissions: no ARM token for the caller: ${(error as Error).message}`, {
        resourceId,
        cause: error,
      });
    });
    if (!token) throw new AccessDeniedError('permissions: no ARM token for the caller', { resourceId });
    const path = resourceId.split('/').map(encodeURIComponent).join('/');
    const request = createPipelineRequest({
      url: `${this.endpoint}${path}/providers/Microsoft.Authorization/permissions?api-version=${PERMISSIONS_API_VERSION}`,
      method: 'GET',
      headers: createHttpHeaders({ authorization: `Bearer ${token.token}`, accept: 'application/json' }),
      timeout: this.options.timeoutInMs ?? 10_000,
    });
    // createPipelineRequest does not copy an agent; the Node client reads it from the request.
    if (this.options.agent) request.agent = this.options.agent;
    let response;
    try {
      response = await this.client.sendRequest(request);
    } catch (error) {
      // No cause attached: the API would take a transport error behind it for a storage outage.
      throw new TransientError(`permissions: no answer from ARM: ${(error as Error).message}`, {
        resourceId,
      });
    }
    const { status } = response;
    const details = { resourceId, statusCode: status };
    if (status === 200) return blocksOf(response.bodyAsText ?? undefined);
    if (status === 404) throw new TargetNotFoundError(`permissions: ${resourceId} was not found`, details);
    if (status === 401 || status === 403)
      throw new AccessDeniedError('permissions: ARM refused the caller', details);
    if (status === 429)
      throw new ThrottledError('permissions: ARM throttled the read', { ...details, retryAfterInMs: 60_000 });
    throw new TransientError(`permissions: ARM answered ${status}`, details);
  }
}

function blocksOf(body: string | undefined): PermissionBlock[] {
  const parsed = JSON.parse(body ?? '{}') as { value?: unknown };
  if (!Array.isArray(parsed.value)) return [];
  return parsed.value.map((block: { actions?: unknown; notActions?: unknown }) => ({
    actions: Array.isArray(block.actions)
      ? block.actions.filter((a): a is string => typeof a === 'string')
      : [],
    notActions: Array.isArray(block.notActions)
      ? block.notActions.filter((a): a is string => typeof a === 'string')
      : [],
  }));
}
