import functions from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { InvalidRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../src/errors.js';
import { entityTags, readJsonBody } from '../../src/api-contract/request.js';

const { HttpRequest } = functions;

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  new HttpRequest({ method: 'POST', url: 'http://localhost/api/x', headers, body: { string: body } });

describe('reading request bodies', () => {
  it('parses JSON with any JSON media type and charset', async () => {
    expect(await readJsonBody(post('{"a":1}'))).toEqual({ a: 1 });
    expect(await readJsonBody(post('[1]', { 'content-type': 'application/json; charset=utf-8' }))).toEqual([
      1,
    ]);
    expect(await readJsonBody(post('{}', { 'content-type': 'application/merge-patch+json' }))).toEqual({});
  });

  it('refuses other media types with 415, and a missing one', async () => {
    await expect(readJsonBody(post('{}', { 'content-type': 'text/json-ish' }))).rejects.toBeInstanceOf(
      UnsupportedMediaTypeError,
    );
    await expect(readJsonBody(post('{}', {}))).rejects.toBeInstanceOf(UnsupportedMediaTypeError);
    await expect(readJsonBody(post('{}', { 'content-type': 'application/jsonp' }))).rejects.toBeInstanceOf(
      UnsupportedMediaTypeError,
    );
  });

  it('refuses bodies over the limit by their declared or their actual length', async () => {
    await expect(readJsonBody(post('x'.repeat(11)), 10)).rejects.toBeInstanceOf(PayloadTooLargeError);
    const declared = post('{}', { 'content-type': 'application/json', 'content-length': '70000' });
    await expect(readJsonBody(declared)).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(await readJsonBody(post(`"${'x'.repeat(8)}"`), 10)).toBe('xxxxxxxx');
  });

  it('refuses malformed JSON with the parser’s reason at the body’s pointer', async () => {
    const error = await readJsonBody(post('{"a":')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).errors[0]?.pointer).toBe('');
  });
});

describe('entity tags', () => {
  it('reads If-Match lists, quotes, weak prefixes and *', () => {
    expect(entityTags(null)).toBeUndefined();
    expect(entityTags('*')).toBe('*');
    expect(entityTags('"abc"')).toEqual(['abc']);
    expect(entityTags('W/"abc", "def" ,xyz')).toEqual(['abc', 'def', 'xyz']);
  });
});
