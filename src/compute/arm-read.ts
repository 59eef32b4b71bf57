// One authorised GET to ARM, answered as JSON or as the compute error its status means: the shared plumbing
// of the reads the permission checks make outside the SDK clients (ARM's permissions and authorization APIs
// have no client in the packages we ship).

import type { Agent } from 'node:https';
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineRequest,
  type HttpClient,
} from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { AccessDeniedError, TargetNotFoundError, ThrottledError, TransientError } from './errors.js';

export const ARM_ENDPOINT = 'https://management.azure.com';

/** Where and how the reads go. */
export interface ArmReadOptions {
  /** @default `https://management.azure.com` */
  endpoint?: string;
  /** HTTPS agent, e.g. one that trusts the local emulator's certificate. */
  agent?: Agent;
  /** @default 10000 */
  timeoutInMs?: number;
}

/** Reads ARM paths with a credential; `what` names the read in errors (`permissions`, `role assignments`). */
export class ArmReader {
  private readonly endpoint: string;
  private readonly client: HttpClient = createDefaultHttpClient();

  constructor(private readonly options: ArmReadOptions = {}) {
    this.endpoint = (options.endpoint ?? ARM_ENDPOINT).replace(/\/+$/, '');
  }

  /** The path (and query) of a full URL ARM handed out, such as a `nextLink`, on this reader's endpoint. */
  pathOf(url: string): string {
    const parsed = new URL(url, this.endpoint);
    return `${parsed.pathname}${parsed.search}`;
  }

  /**
   * GETs `pathAndQuery` (already encoded) for the resource `resourceId` (named in errors).
   * @throws TargetNotFoundError (404), AccessDeniedError (401, 403, or no token), ThrottledError (429),
   *   TransientError (5xx, no answer)
   */
  async getJson(
    credential: TokenCredential,
    pathAndQuery: string,
    context: { what: string; resourceId: string },
  ): Promise<unknown> {
    const { what, resourceId } = context;
    const token = await credential.getToken(`${ARM_ENDPOINT}/.default`).catch((error: unknown) => {
      throw new AccessDeniedError(`${what}: no ARM token: ${(error as Error).message}`, {
        resourceId,
        cause: error,
      });
    });
    if (!token) throw new AccessDeniedError(`${what}: no ARM token`, { resourceId });
    const request = createPipelineRequest({
      url: `${this.endpoint}${pathAndQuery}`,
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
      throw new TransientError(`${what}: no answer from ARM: ${(error as Error).message}`, { resourceId });
    }
    const { status } = response;
    const details = { resourceId, statusCode: status };
    if (status === 200) return JSON.parse(response.bodyAsText || '{}') as unknown;
    if (status === 404) throw new TargetNotFoundError(`${what}: ${resourceId} was not found`, details);
    if (status === 401 || status === 403)
      throw new AccessDeniedError(
        `${what}: ARM refused the read (${armErrorCode(response.bodyAsText ?? undefined)})`,
        details,
      );
    if (status === 429)
      throw new ThrottledError(`${what}: ARM throttled the read`, { ...details, retryAfterInMs: 60_000 });
    throw new TransientError(`${what}: ARM answered ${status}`, details);
  }
}

/** ARM's error code from an error body, for messages (`AuthorizationFailed`). */
function armErrorCode(body: string | undefined): string {
  try {
    const code = (JSON.parse(body ?? '') as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : 'no error code';
  } catch {
    return 'no error code';
  }
}

/** The strings of a JSON array, or none. */
export function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** A resource id as a URL path, each segment encoded. */
export function armPath(resourceId: string): string {
  return resourceId.split('/').map(encodeURIComponent).join('/');
}
