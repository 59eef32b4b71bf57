// Reads what a request carries: a JSON body within the size limit, query and header parameters checked
// against the operation's schemas, and If-Match / If-None-Match lists.

import type { HttpRequest } from '@azure/functions';
import {
  InvalidRequestError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  type FieldProblem,
} from '../errors.js';
import { MAX_BODY_BYTES, MAX_BODY_DEPTH, type ApiParameter } from './operations.js';
import { escapePointer, validate, type SchemaRegistry } from './schema.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** The body parsed as JSON; 413 over the limit, 415 unless JSON, 400 when empty or malformed. */
export async function readJsonBody(request: HttpRequest, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
  if (bytes.byteLength === 0) {
    throw new InvalidRequestError('A JSON body is required.', [{ pointer: '', reason: 'the body is empty' }]);
  }
  const contentType = request.headers.get('content-type') ?? '';
  if (!JSON_TYPE.test(contentType)) {
    throw new UnsupportedMediaTypeError(
      `Send the body as JSON with Content-Type: application/json${contentType ? `, not ${contentType}` : ''}.`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidRequestError('The body is not UTF-8.', [{ pointer: '', reason: 'is not valid UTF-8' }]);
  }
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'is not JSON';
    throw new InvalidRequestError('The body is not valid JSON.', [{ pointer: '', reason }]);
  }
  const deep = firstTooDeep(body, MAX_BODY_DEPTH);
  if (deep !== undefined) {
    const reason = `nests arrays and objects more than ${MAX_BODY_DEPTH} levels deep`;
    throw new InvalidRequestError(`The body ${reason}.`, [{ pointer: deep, reason }]);
  }
  return body;
}

/**
 * The pointer of the first array or object nested below `maxDepth` others, if any. A loop with its own
 * stack, not recursion: the depth is exactly what we do not trust yet.
 */
function firstTooDeep(value: unknown, maxDepth: number): string | undefined {
  const pending: { value: unknown; pointer: string; depth: number }[] = [{ value, pointer: '', depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth >= maxDepth) return next.pointer;
    const children = Object.entries(next.value as Record<string, unknown>);
    // Reversed onto the stack, so the first offender in document order is the one reported.
    for (let i = children.length - 1; i >= 0; i--) {
      const [key, child] = children[i]!;
      pending.push({ value: child, pointer: `${next.pointer}/${escapePointer(key)}`, depth: next.depth + 1 });
    }
  }
  return undefined;
}

function tooLarge(maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`The body must be at most ${maxBytes} bytes (${maxBytes / 1024} KiB).`);
}

/** Checks a parsed body against its schema; 400 listing every problem. */
export function validateBody(body: unknown, schemaName: string, registry: SchemaRegistry): void {
  const schema = registry[schemaName];
  if (!schema) throw new Error(`http: no schema ${schemaName}`);
  const problems = validate(schema, body, registry);
  if (problems.length > 0) {
    throw new InvalidRequestError(`The body does not match ${schemaName}.`, problems);
  }
}

export type ParameterValues = Record<string, string | number | undefined>;

/** Query and header parameters, converted and checked against their schemas. Unknown ones are ignored (e.g. `code`). */
export function readParameters(
  request: HttpRequest,
  parameters: ApiParameter[],
  registry: SchemaRegistry,
): ParameterValues {
  const values: ParameterValues = {};
  const problems: FieldProblem[] = [];
  for (const parameter of parameters) {
    if (parameter.in === 'path') continue;
    const raw =
      parameter.in === 'query' ? request.query.get(parameter.name) : request.headers.get(parameter.name);
    if (raw === null || raw === '') {
      if (parameter.required) problems.push(locate(parameter, 'is required'));
      continue;
    }
    const isNumeric =
      'type' in parameter.schema &&
      (parameter.schema.type === 'integer' || parameter.schema.type === 'number');
    const value = isNumeric && /^-?\d+(?:\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
    for (const problem of validate(parameter.schema, value, registry)) {
      problems.push(locate(parameter, problem.reason));
    }
    values[parameter.name] = value;
  }
  if (problems.length > 0) throw new InvalidRequestError('Some parameters are invalid.', problems);
  return values;
}

function locate(parameter: ApiParameter, reason: string): FieldProblem {
  return parameter.in === 'header'
    ? { header: parameter.name, reason }
    : { parameter: parameter.name, reason };
}

/**
 * The entity tags of an If-Match or If-None-Match header: '*' for any, else the opaque tags without
 * quotes or weak prefix (we only ever issue strong tags, and compare them by value).
 */
export function entityTags(header: string | null): '*' | string[] | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (header.trim() === '*') return '*';
  return header
    .split(',')
    .map((tag) =>
      tag
        .trim()
        .replace(/^W\//, '')
        .replace(/^"(.*)"$/, '$1'),
    )
    .filter((tag) => tag.length > 0);
}

export function quoteEtag(revision: string): string {
  return `"${revision}"`;
}
