import { describe, expect, it } from 'vitest';
import { readBody } from '../../../../toolkit/arm-emulator/gates/read-body.js';
import { exchangeOf, pass, recordingNext } from './exchange.js';

describe('the read-body gate', () => {
  it('reads every chunk of the body as UTF-8 text before passing the request on', async () => {
    const exchange = exchangeOf({
      method: 'PATCH',
      chunks: ['{"sku":{"capa', 'city":2},"tags":{"team":"Zürich"}}'],
    });
    const next = recordingNext();
    await pass(readBody(1024), exchange, next);
    expect(exchange.text).toBe('{"sku":{"capacity":2},"tags":{"team":"Zürich"}}');
    expect(next.calls).toBe(1);
  });

  it('reads an absent body as empty text', async () => {
    const exchange = exchangeOf();
    await pass(readBody(1024), exchange, recordingNext());
    expect(exchange.text).toBe('');
  });

  it('takes a body of exactly the limit', async () => {
    const exchange = exchangeOf({ chunks: ['12345', '67890'] });
    await pass(readBody(10), exchange, recordingNext());
    expect(exchange.text).toBe('1234567890');
  });

  it('refuses a body one byte over the limit with 413 RequestEntityTooLarge, before any later gate', async () => {
    const next = recordingNext();
    await expect(pass(readBody(10), exchangeOf({ chunks: ['12345', '678901'] }), next)).rejects.toMatchObject(
      {
        status: 413,
        code: 'RequestEntityTooLarge',
      },
    );
    expect(next.calls).toBe(0);
  });
});
