// Checks a warning hook as a request sends it ({webhook, leadMinutes}), for a target's warning and a
// policy's alike: where the message goes and how long before each stop.

import type { FieldProblem } from '../errors.js';
import type { WarningHook } from '../store/ports.js';

/** Minutes before a stop the warning goes out when a request does not say. */
export const DEFAULT_LEAD_MINUTES = 15;
/** The longest lead: a day. */
export const MAX_LEAD_MINUTES = 1440;
const MAX_WEBHOOK_LENGTH = 2048;
// Plain http only to this machine (local tests, a relay next to the app); anything else must be https.
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The hook in `value`, or the problems with it, each pointing under `pointer`.
 * @param value the parsed JSON: `{ "webhook": "https://…", "leadMinutes": 15 }` (`leadMinutes` optional)
 */
export function readWarningHook(
  value: unknown,
  pointer: string,
  problems: FieldProblem[],
): WarningHook | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ pointer, reason: 'must be an object with "webhook" and optionally "leadMinutes"' });
    return undefined;
  }
  const { webhook, leadMinutes = DEFAULT_LEAD_MINUTES, ...rest } = value as Record<string, unknown>;
  for (const name of Object.keys(rest)) {
    problems.push({ pointer: `${pointer}/${name}`, reason: 'is not a warning field (webhook, leadMinutes)' });
  }
  const before = problems.length;
  const url = typeof webhook === 'string' && URL.canParse(webhook) ? new URL(webhook) : undefined;
  if (!url || webhook === undefined || (webhook as string).length > MAX_WEBHOOK_LENGTH) {
    problems.push({
      pointer: `${pointer}/webhook`,
      reason: `must be an absolute https URL of at most ${MAX_WEBHOOK_LENGTH} characters`,
    });
  } else if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    problems.push({ pointer: `${pointer}/webhook`, reason: 'must use https (http only to localhost)' });
  } else if (url.username || url.password) {
    problems.push({ pointer: `${pointer}/webhook`, reason: 'must not carry a user name or password' });
  }
  if (
    typeof leadMinutes !== 'number' ||
    !Number.isInteger(leadMinutes) ||
    leadMinutes < 1 ||
    leadMinutes > MAX_LEAD_MINUTES
  ) {
    problems.push({
      pointer: `${pointer}/leadMinutes`,
      reason: `must be a whole number of minutes from 1 to ${MAX_LEAD_MINUTES}`,
    });
  }
  if (problems.length > before) return undefined;
  return { webhook: webhook as string, leadMinutes: leadMinutes as number };
}
