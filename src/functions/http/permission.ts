// The permission check before a registration: the caller must be able to start and stop the machine in
// Azure. A resource id that does not parse is left for the use case to refuse with its own 400.

import type { Caller } from '../../auth/permission-check.js';
import { InvalidResourceIdError, parseResourceId } from '../../targets/resource-id.js';
import type { Dependencies } from '../dependencies.js';

export async function assertCallerMayStartAndStop(
  deps: Pick<Dependencies, 'permissions'>,
  caller: Caller,
  body: unknown,
): Promise<void> {
  const { resourceId } = body as { resourceId: string };
  let kind;
  try {
    kind = parseResourceId(resourceId).kind;
  } catch (error) {
    if (error instanceof InvalidResourceIdError) return;
    throw error;
  }
  await deps.permissions.assertMayStartAndStop(caller, { resourceId, kind });
}
