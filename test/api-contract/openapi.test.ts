import { describe, expect, it } from 'vitest';
import { validateSchedules } from '../../src/schedule/index.js';
import { openApiDocument } from '../../src/api-contract/openapi.js';
import { operations } from '../../src/api-contract/operations.js';
import { schemas } from '../../src/api-contract/schemas.js';

const doc = openApiDocument() as {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      { operationId: string; requestBody?: unknown; responses: Record<string, unknown>; security?: unknown[] }
    >
  >;
  components: { schemas: Record<string, unknown> };
};

function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, found));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') found.push(v);
      else refs(v, found);
    }
  }
  return found;
}

describe('openapi.json', () => {
  it('is OpenAPI 3.1 with every operation under its path', () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const operation of operations) {
      expect(doc.paths[`/${operation.route}`]?.[operation.method.toLowerCase()]?.operationId).toBe(
        operation.operationId,
      );
    }
  });

  it('publishes the very schema objects that validate requests', () => {
    expect(doc.components.schemas).toBe(schemas);
    expect(doc.paths['/targets']?.post?.requestBody).toEqual({
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/RegisterTargetRequest' } } },
    });
  });

  it('resolves every reference', () => {
    for (const ref of refs(doc)) {
      expect(doc.components.schemas, ref).toHaveProperty(ref.replace('#/components/schemas/', ''));
    }
  });

  it('documents problem responses and the function key', () => {
    const put = doc.paths['/targets/{id}/schedules']?.put;
    expect(Object.keys(put?.responses ?? {}).sort()).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '405',
      '412',
      '413',
      '415',
      '500',
      '503',
    ]);
    expect(doc.paths['/openapi.json']?.get?.security).toEqual([]);
  });

  it('gives an example schedule the engine accepts', () => {
    const example = (schemas.ScheduleDocument as { examples: unknown[] }).examples[0];
    expect(() => validateSchedules(example, { now: Date.parse('2026-11-25T21:00:00Z') })).not.toThrow();
  });
});
