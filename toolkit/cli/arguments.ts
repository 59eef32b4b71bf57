// Parses `--name value` and `--flag` options for the CLI's commands, refusing unknown ones by name.

import { readFileSync } from 'node:fs';
import { parseInstant, ScheduleSyntaxError } from '../../src/schedule/index.js';
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

/** An instant: ISO 8601 with `Z` or an offset; a plain date-time is read as UTC. Impossible dates are refused. */
export function parseInstantOption(text: string, name: string): number {
  try {
    return parseInstant(text);
  } catch (error) {
    if (error instanceof ScheduleSyntaxError) throw new UsageError(`${name}: ${error.message}`);
    throw error;
  }
}

/**
 * A whole number from 1 to `max`.
 * @throws UsageError naming the option when it is anything else
 */
export function parseCountOption(value: unknown, name: string, max = Number.MAX_SAFE_INTEGER): number {
  const count = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) {
    throw new UsageError(`${name}: ${shown(value)} is not a whole number of at least 1`);
  }
  if (count > max) throw new UsageError(`${name}: ${count} is more than ${max.toLocaleString('en-US')}`);
  return count;
}

/** A value as it can be quoted back in one line: nested values are only named, never serialised. */
function shown(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
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

/**
 * How deeply JSON given to the CLI may nest. A schedule document needs 6 levels and a scenario 9; the
 * limit keeps thousands of levels from reaching code that walks values recursively (a stack overflow).
 */
export const MAX_JSON_DEPTH = 32;

/** Parses JSON from the command line, naming the option it came from when it is not JSON or nests too deeply. */
export function parseJsonOption(text: string, option: string): unknown {
  const depth = nestingDepth(text, MAX_JSON_DEPTH);
  if (depth > MAX_JSON_DEPTH)
    throw new UsageError(`${option}: JSON nested more than ${MAX_JSON_DEPTH} levels deep`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${option}: not valid JSON (${(error as Error).message})`);
  }
}

/** The deepest bracket nesting of JSON text, counted without parsing; stops once past `limit`. */
function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}
