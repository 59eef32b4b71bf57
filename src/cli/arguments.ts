// Parses `--name value` and `--flag` options for the CLI's commands, refusing unknown ones by name.

import { readFileSync } from 'node:fs';
import { UsageError } from './usage-error.js';

export interface ParsedArguments {
  values: Map<string, string>;
  flags: Set<string>;
}

export function parseArguments(
  args: string[],
  valueOptions: string[],
  flagOptions: string[] = [],
): ParsedArguments {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [name, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(2, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg.slice(2), undefined];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    if (flagOptions.includes(name)) flags.add(name);
    else if (valueOptions.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      values.set(name, value);
    } else {
      throw new UsageError(
        `unknown option --${name}; expected ${[...valueOptions, ...flagOptions].map((o) => `--${o}`).join(', ')}`,
      );
    }
  }
  return { values, flags };
}

/** An instant: ISO 8601 with `Z` or an offset; a plain date-time is read as UTC. */
export function parseInstantOption(text: string, name: string): number {
  const withZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text) || !text.includes('T') ? text : `${text}Z`;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(withZone) : NaN;
  if (!Number.isFinite(ms))
    throw new UsageError(`${name}: "${text}" is not an ISO 8601 instant such as 2026-01-05T08:00:00Z`);
  return ms;
}

export function parseCountOption(value: unknown, name: string): number {
  const count = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) {
    throw new UsageError(`${name}: ${JSON.stringify(value)} is not a whole number of at least 1`);
  }
  return count;
}

/** Reads a file named on the command line (`-` is standard input), as text. */
export function readInputFile(path: string, option: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `${option}: cannot read "${path}" (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
}

/** Parses JSON from the command line, naming the option it came from when it is not JSON. */
export function parseJsonOption(text: string, option: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${option}: not valid JSON (${(error as Error).message})`);
  }
}
