/**
 * `${VAR}` references in a server's `env` and `headers`, resolved from the worker's environment
 * when it connects: the secret itself is never in the configuration Baton validates, in a task's
 * arguments or in a history. What was resolved is remembered so that it can be cut out of
 * everything the server sends back (tool results, errors, its stderr) before Baton logs or
 * records it.
 */
import { ConfigError } from '../core/errors';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** Shorter values are too likely to occur by chance ("1", "true") to be cut out of text. */
const MIN_REDACTED_LENGTH = 4;
export const REDACTED = '[redacted]';

/** Removes resolved secret values from text. */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(value: string): void {
    if (value.length >= MIN_REDACTED_LENGTH) this.secrets.add(value);
  }

  text(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is cut out whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join(REDACTED);
    return out;
  }

  /** A JSON value with every string redacted (keys included). */
  value<T>(value: T): T {
    if (this.secrets.size === 0) return value;
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.text(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [this.text(k), walk(x)]));
      return v;
    };
    return walk(value) as T;
  }
}

/**
 * `values` with each `${VAR}` replaced by the variable's value in `env`; each resolved value is
 * added to `redactor`. A variable that is not set is a ConfigError naming the server, the field and
 * the variable, never a value.
 */
export function resolveReferences(
  values: Record<string, string>,
  env: NodeJS.ProcessEnv,
  redactor: Redactor,
  where: { server: string; field: 'env' | 'headers' },
): Record<string, string> {
  const out: Record<string, string> = {};
  const missing: string[] = [];
  for (const [key, raw] of Object.entries(values)) {
    out[key] = raw.replace(REFERENCE, (_, name: string) => {
      const value = env[name];
      if (value === undefined) {
        missing.push(`${where.field}.${key} refers to \${${name}}, which is not set on the worker`);
        return '';
      }
      redactor.add(value);
      return value;
    });
  }
  if (missing.length) throw new ConfigError(missing.map((message) => ({ path: `MCP server '${where.server}'`, message })));
  return out;
}
