// Parameters and answers that several operation tables share, declared once so that the same header or
// path segment reads the same in every operation and in openapi.json.

import type { ApiParameter, ApiResponse } from './operations.js';

/** `{id}` in a target's routes. */
export const targetId: ApiParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The target id returned at registration.',
  schema: { type: 'string', pattern: '^[0-9a-f]{32}$' },
};

/** A conditional read: the ETag the caller holds. */
export const ifNoneMatch: ApiParameter = {
  name: 'If-None-Match',
  in: 'header',
  description: 'An ETag you hold; 304 if it is still current.',
  schema: { type: 'string' },
};

/** 304 to an If-None-Match that is still current. */
export const notModified: ApiResponse = { description: 'Unchanged since the ETag in If-None-Match.' };

/** 412 to an If-Match that is not current. */
export const staleEtag: ApiResponse = {
  description: 'If-Match does not match the current ETag.',
  schema: 'Problem',
};
