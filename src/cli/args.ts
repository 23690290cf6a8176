/** Flag parsing for the `baton` command: strict, with errors that name the flag. */
import { parseArgs } from 'node:util';
import { BatonError } from '../core/errors';

/** A usage error: exit code 2. */
export class UsageError extends BatonError {
  static override readonly code: string = 'USAGE';
}

export type Flags = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Parses flags; `positionals` names the positional arguments the command takes, in order. */
export function parse(args: string[], options: Flags, positionals: string[] = []): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
  if (parsed.positionals.length < positionals.length) {
    throw new UsageError(`missing <${positionals[parsed.positionals.length]}>`);
  }
  if (parsed.positionals.length > positionals.length) {
    throw new UsageError(`unexpected argument '${parsed.positionals[positionals.length]}'`);
  }
  return { values: parsed.values as Parsed['values'], positionals: parsed.positionals };
}

export function str(values: Parsed['values'], flag: string): string | undefined {
  const v = values[flag];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !v.trim()) throw new UsageError(`--${flag} must not be empty`);
  return v;
}

export function list(values: Parsed['values'], flag: string): string[] {
  const v = values[flag];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export function positiveInt(values: Parsed['values'], flag: string): number | undefined {
  const v = str(values, flag);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a whole number ≥ 1, got '${v}'`);
  return n;
}

export function positiveNumber(values: Parsed['values'], flag: string): number | undefined {
  const v = str(values, flag);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} must be a number > 0, got '${v}'`);
  return n;
}

/**
 * `--param k=v` pairs: a value that parses as JSON (numbers, booleans, null, arrays, objects,
 * quoted strings) is taken as such, anything else as a string. Dotted keys build nested objects.
 */
export function params(pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param '${pair}' must be key=value`);
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    const parts = key.split('.');
    let target = out;
    for (const part of parts.slice(0, -1)) {
      const next = target[part];
      if (next === undefined) target[part] = {};
      else if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        throw new UsageError(`--param '${pair}': '${part}' is already a value`);
      }
      target = target[part] as Record<string, unknown>;
    }
    target[parts[parts.length - 1]!] = value;
  }
  return out;
}
