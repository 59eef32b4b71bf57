// Serves openapi.json, generated from the same operation table and schemas that validate requests.

import type { HttpHandler } from '@azure/functions';
import { openApiDocument } from '../../api-contract/openapi.js';
import { jsonResponse } from './pipeline.js';

export function openApiHandler(): HttpHandler {
  const document = openApiDocument();
  return () => jsonResponse(200, document, { 'Cache-Control': 'public, max-age=300' });
}
