// Asks ARM what the caller may do on a machine, with the caller's own token: the on-behalf-of permission
// check of registration (docs/permission-check.md). In Azure the token comes from the on-behalf-of flow, trading the
// token App Service Authentication hands over for one to ARM; locally the emulator's credential stands in.

import type { TokenCredential } from '@azure/identity';
import type { PermissionBlock } from '../auth/permissions.js';
import { ArmReader, armPath, stringsOf, type ArmReadOptions } from './arm-read.js';

export const PERMISSIONS_API_VERSION = '2022-04-01';

/** Options of {@link ArmPermissionReader}. */
export type ArmPermissionReaderOptions = ArmReadOptions;

/** Reads `GET {resourceId}/providers/Microsoft.Authorization/permissions` with a given credential. */
export class ArmPermissionReader {
  private readonly arm: ArmReader;

  constructor(options: ArmPermissionReaderOptions = {}) {
    this.arm = new ArmReader(options);
  }

  /**
   * The permission blocks the credential's principal holds on the resource.
   * @throws TargetNotFoundError (404), AccessDeniedError (401, 403, or no token), ThrottledError (429),
   *   TransientError (5xx, no answer)
   */
  async read(credential: TokenCredential, resourceId: string): Promise<PermissionBlock[]> {
    const path = `${armPath(resourceId)}/providers/Microsoft.Authorization/permissions?api-version=${PERMISSIONS_API_VERSION}`;
    const body = await this.arm.getJson(credential, path, { what: 'permissions', resourceId });
    return blocksOf(body);
  }
}

/** The permission blocks of a `{value: [...]}` answer or of a role definition's `permissions`. */
export function blocksOf(body: unknown): PermissionBlock[] {
  const value = Array.isArray(body) ? body : (body as { value?: unknown } | null)?.value;
  if (!Array.isArray(value)) return [];
  return value.map((block: { actions?: unknown; notActions?: unknown }) => ({
    actions: stringsOf(block?.actions),
    notActions: stringsOf(block?.notActions),
  }));
}
