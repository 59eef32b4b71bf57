import { describe, expect, it } from 'vitest';
import { validate, type JsonSchema } from '../../src/api-contract/schema.js';
import { schemas } from '../../src/api-contract/schemas.js';

const check = (name: string, value: unknown) => validate(schemas[name]!, value, schemas);

describe('the request schema validator', () => {
  it('accepts a registration and points at every problem of a bad one', () => {
    expect(check('RegisterTargetRequest', { resourceId: '/subscriptions/x' })).toEqual([]);
    expect(check('RegisterTargetRequest', { assignedTo: 7, 'a/b~c': true })).toEqual([
      { pointer: '/resourceId', reason: 'is required' },
      { pointer: '/assignedTo', reason: 'must be a string, not a number' },
      { pointer: '/a~1b~0c', reason: 'is not a known field; expected resourceId, assignedTo, connectUrl' },
    ]);
  });

  it('does not mistake inherited properties for fields', () => {
    expect(check('RegisterTargetRequest', JSON.parse('{"resourceId":"x","__proto__":{"y":1}}'))).toEqual([
      { pointer: '/__proto__', reason: 'is not a known field; expected resourceId, assignedTo, connectUrl' },
    ]);
    expect(check('RegisterTargetRequest', { resourceId: 'x', toString: 'y' })).toHaveLength(1);
  });

  it('follows references and reports array items by index', () => {
    const problems = check('ScheduleDocument', {
      computeStartStop: [
        { triggerType: 'Cron', action: 'Stop' },
        { triggerType: 'Often', action: 'Stop', cron: 5 },
      ],
    });
    expect(problems).toEqual([
      { pointer: '/computeStartStop/1/triggerType', reason: 'must be one of Cron, Recurrence' },
      { pointer: '/computeStartStop/1/cron', reason: 'must be an object, not a number' },
    ]);
  });

  it('checks numbers, lengths, patterns and date-times', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        n: { type: 'integer', minimum: 1, maximum: 3 },
        s: { type: 'string', minLength: 1, maxLength: 2, pattern: '^[a-z]+$' },
        t: { type: 'string', format: 'date-time' },
        b: { type: 'boolean' },
      },
    };
    expect(validate(schema, { n: 1.5, s: '', t: '2026-11-25', b: 'yes' }, {})).toEqual([
      { pointer: '/n', reason: 'must be a whole number' },
      { pointer: '/s', reason: 'must not be empty' },
      { pointer: '/s', reason: 'must match ^[a-z]+$' },
      { pointer: '/t', reason: 'must be an RFC 3339 date-time with a time zone, e.g. 2026-11-25T21:00:00Z' },
      { pointer: '/b', reason: 'must be true or false, not a string' },
    ]);
    expect(validate(schema, { n: 3, s: 'ab', t: '2026-11-25T21:00:00+01:00', b: false }, {})).toEqual([]);
  });

  it('accepts the example schedule of docs/schedules.md against the published ScheduleDocument schema', () => {
    const example = (schemas.ScheduleDocument as { examples: unknown[] }).examples[0];
    expect(check('ScheduleDocument', example)).toEqual([]);
  });
});
