// Posts warnings to webhooks with the platform's fetch: JSON in, the HTTP status out, a deadline per call.
// Redirects are not followed: a webhook is a fixed address, and a redirect could lead a message elsewhere.

import type { WebhookClient } from '../engine/warn-before-stops.js';

export const fetchWebhookClient: WebhookClient = {
  async post(url, body, { timeoutInMs }) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'compute-scheduler' },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutInMs),
    });
    await response.body?.cancel();
    return response.status;
  },
};
