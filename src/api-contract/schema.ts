// A small subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it), written as data: the same objects
// validate requests here and appear verbatim in openapi.json, so the two can never disagree.

import type { FieldProblem } from '../errors.js';
import { parseInstant } from '../schedule/index.js';

interface Annotations {
  description?: string;
  examples?: unknown[];
}

export type JsonSchema =
  | (Annotations & {
      type: 'object';
      properties: Record<string, JsonSchema>;
      required?: readonly string[];
      additionalProperties?: false;
    })
  | (Annotations & { type: 'array'; items: JsonSchema; minItems?: number; maxItems?: number })
  | (Annotations & {
      type: 'string';
      enum?: readonly string[];
      minLength?: number;
      maxLength?: number;
      pattern?: string;
      format?: 'date-time' | 'uri';
    })
  | (Annotations & { type: 'integer' | 'number'; minimum?: number; maximum?: number })
  | (Annotations & { type: 'boolean' })
  | (Annotations & { $ref: string })
  | (Annotations & { oneOf: JsonSchema[] });

/** Named schemas, as they appear under `components.schemas`; `$ref`s point into it. */
export type SchemaRegistry = Record<string, JsonSchema>;

const REF_PREFIX = '#/components/schemas/';

export const ref = (name: string): JsonSchema => ({ $ref: `${REF_PREFIX}${name}` });

/** Every problem with `value`, each with an RFC 6901 pointer below `pointer`. */
export function validate(
  schema: JsonSchema,
  value: unknown,
  registry: SchemaRegistry,
  pointer = '',
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  check(schema, value, registry, pointer, problems);
  return problems;
}

type Of<T extends string> = Extract<JsonSchema, { type: T }>;
/** Where a check reports: the pointer of the value, the problems found so far, the named schemas. */
interface Walk {
  pointer: string;
  problems: FieldProblem[];
  registry: SchemaRegistry;
}

const add = (walk: Walk, reason: string, at = walk.pointer) => walk.problems.push({ pointer: at, reason });

function check(
  schema: JsonSchema,
  value: unknown,
  registry: SchemaRegistry,
  pointer: string,
  problems: FieldProblem[],
): void {
  const walk: Walk = { pointer, problems, registry };
  if ('$ref' in schema) {
    const target = registry[schema.$ref.slice(REF_PREFIX.length)];
    if (!target) throw new Error(`schema: unknown reference ${schema.$ref}`);
    check(target, value, registry, pointer, problems);
    return;
  }
  if ('oneOf' in schema) {
    const matches = schema.oneOf.filter((option) => validate(option, value, registry, pointer).length === 0);
    if (matches.length !== 1) add(walk, 'matches none of the allowed shapes');
    return;
  }
  switch (schema.type) {
    case 'object':
      return checkObject(schema, value, walk);
    case 'array':
      return checkArray(schema, value, walk);
    case 'string':
      return checkString(schema, value, walk);
    case 'integer':
    case 'number':
      return checkNumber(schema, value, walk);
    case 'boolean':
      if (typeof value !== 'boolean') add(walk, `must be true or false, not ${describeType(value)}`);
      return;
  }
}

function checkObject(schema: Of<'object'>, value: unknown, walk: Walk): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    add(walk, `must be an object, not ${describeType(value)}`);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const name of schema.required ?? []) {
    if (!Object.hasOwn(record, name)) add(walk, 'is required', `${walk.pointer}/${escapePointer(name)}`);
  }
  for (const [name, field] of Object.entries(record)) {
    const fieldPointer = `${walk.pointer}/${escapePointer(name)}`;
    const fieldSchema = Object.hasOwn(schema.properties, name) ? schema.properties[name] : undefined;
    if (fieldSchema) check(fieldSchema, field, walk.registry, fieldPointer, walk.problems);
    else if (schema.additionalProperties === false) {
      add(walk, `is not a known field; expected ${Object.keys(schema.properties).join(', ')}`, fieldPointer);
    }
  }
}

function checkArray(schema: Of<'array'>, value: unknown, walk: Walk): void {
  if (!Array.isArray(value)) {
    add(walk, `must be an array, not ${describeType(value)}`);
    return;
  }
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    add(walk, `must have at least ${schema.minItems} items`);
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    add(walk, `must have at most ${schema.maxItems} items, not ${value.length}`);
  }
  value.forEach((item, i) => check(schema.items, item, walk.registry, `${walk.pointer}/${i}`, walk.problems));
}

function checkString(schema: Of<'string'>, value: unknown, walk: Walk): void {
  if (typeof value !== 'string') {
    add(walk, `must be a string, not ${describeType(value)}`);
    return;
  }
  if (schema.minLength !== undefined && value.length < schema.minLength) {
    add(
      walk,
      schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters`,
    );
  }
  if (schema.maxLength !== undefined && value.length > schema.maxLength) {
    add(walk, `must be at most ${schema.maxLength} characters`);
  }
  if (schema.enum && !schema.enum.includes(value)) add(walk, `must be one of ${schema.enum.join(', ')}`);
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
    add(walk, `must match ${schema.pattern}`);
  }
  if (schema.format === 'date-time' && !isDateTime(value)) {
    add(walk, 'must be an RFC 3339 date-time with a time zone, e.g. 2026-11-25T21:00:00Z');
  }
}

function checkNumber(schema: Of<'integer' | 'number'>, value: unknown, walk: Walk): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    add(walk, `must be a number, not ${describeType(value)}`);
    return;
  }
  if (schema.type === 'integer' && !Number.isInteger(value)) add(walk, 'must be a whole number');
  if (schema.minimum !== undefined && value < schema.minimum) add(walk, `must be at least ${schema.minimum}`);
  if (schema.maximum !== undefined && value > schema.maximum) add(walk, `must be at most ${schema.maximum}`);
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/** An RFC 3339 date-time that names a real instant: no 30 February, nothing after 9999. */
export function isDateTime(value: string): boolean {
  if (!DATE_TIME.test(value)) return false;
  try {
    parseInstant(value);
    return true;
  } catch {
    return false;
  }
}

export function escapePointer(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
