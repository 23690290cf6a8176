/**
 * Run-name templates, as Prefect writes them: `'agent-{agentName}-on-{date:%A}'`.
 *
 * A field names a parameter (or a dotted path into one); `{field:%A}` formats a date with
 * strftime directives, in UTC so that the same run gets the same name on every machine.
 * `{{` and `}}` stand for literal braces. Pure: used in flows and in Node.
 */
import { BatonError } from './errors';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'string' || typeof value === 'number') {
    const d = new Date(value);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return undefined;
}

/** Formats a date with strftime directives (%Y %m %d %H %M %S %A %a %B %b %j %y %I %p %F %T %%), in UTC. */
export function strftime(date: Date, format: string): string {
  return format.replace(/%([a-zA-Z%])/g, (whole, d: string) => {
    const h = date.getUTCHours();
    switch (d) {
      case 'Y':
        return String(date.getUTCFullYear());
      case 'y':
        return pad(date.getUTCFullYear() % 100);
      case 'm':
        return pad(date.getUTCMonth() + 1);
      case 'd':
        return pad(date.getUTCDate());
      case 'H':
        return pad(h);
      case 'I':
        return pad(h % 12 === 0 ? 12 : h % 12);
      case 'p':
        return h < 12 ? 'AM' : 'PM';
      case 'M':
        return pad(date.getUTCMinutes());
      case 'S':
        return pad(date.getUTCSeconds());
      case 'A':
        return DAYS[date.getUTCDay()]!;
      case 'a':
        return DAYS[date.getUTCDay()]!.slice(0, 3);
      case 'B':
        return MONTHS[date.getUTCMonth()]!;
      case 'b':
        return MONTHS[date.getUTCMonth()]!.slice(0, 3);
      case 'j': {
        const start = Date.UTC(date.getUTCFullYear(), 0, 1);
        return pad(Math.floor((date.getTime() - start) / 86_400_000) + 1, 3);
      }
      case 'F':
        return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
      case 'T':
        return `${pad(h)}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
      case '%':
        return '%';
      default:
        return whole;
    }
  });
}

function lookup(values: Record<string, unknown>, path: string): { found: boolean; value: unknown } {
  let current: unknown = values;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || !(part in (current as object))) {
      return { found: false, value: undefined };
    }
    current = (current as Record<string, unknown>)[part];
  }
  return { found: true, value: current };
}

function display(value: unknown, format: string | undefined, field: string): string {
  if (format) {
    const date = toDate(value);
    if (!date) throw new BatonError(`run-name field {${field}:${format}} needs a date, got ${typeof value}`);
    return strftime(date, format);
  }
  if (value instanceof Date) return value.toISOString();
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The field names a template refers to, for checking a template against known parameters. */
export function templateFields(template: string): string[] {
  const fields: string[] = [];
  template.replace(/\{\{|\}\}|\{([^{}:]+)(?::[^{}]*)?\}/g, (whole, field?: string) => {
    if (field) fields.push(field.trim());
    return whole;
  });
  return fields;
}

/** Fills a template from named values; a field that names no value is an error that says which. */
export function renderTemplate(template: string, values: Record<string, unknown>): string {
  return template.replace(/\{\{|\}\}|\{([^{}:]+)(?::([^{}]*))?\}/g, (whole, field?: string, format?: string) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    const name = field!.trim();
    const { found, value } = lookup(values, name);
    if (!found) {
      const known = Object.keys(values);
      throw new BatonError(
        `run-name template '${template}' refers to {${name}}, which is not a parameter` + (known.length ? ` (parameters: ${known.join(', ')})` : ''),
      );
    }
    return display(value, format, name);
  });
}

/**
 * Binds positional task arguments to names: by the declared parameter names, then the first
 * argument's own properties when it is a plain object, then by position (`{0}`, `{1}`).
 */
export function bindArguments(args: readonly unknown[], paramNames: readonly string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const first = args[0];
  if (first !== null && typeof first === 'object' && !Array.isArray(first) && !(first instanceof Date)) {
    Object.assign(values, first as Record<string, unknown>);
  }
  args.forEach((arg, i) => {
    values[String(i)] = arg;
    const name = paramNames[i];
    if (name) values[name] = arg;
  });
  return values;
}

const ADJECTIVES = [
  'amber',
  'brisk',
  'calm',
  'daring',
  'eager',
  'fuzzy',
  'gentle',
  'hazy',
  'jolly',
  'keen',
  'lucid',
  'merry',
  'nimble',
  'olive',
  'proud',
  'quiet',
  'rapid',
  'silver',
  'tidy',
  'vivid',
  'witty',
  'zesty',
];
const ANIMALS = [
  'otter',
  'heron',
  'lynx',
  'panda',
  'falcon',
  'koala',
  'marten',
  'ibis',
  'gecko',
  'bison',
  'crane',
  'dingo',
  'egret',
  'ferret',
  'jackal',
  'lemur',
  'moose',
  'newt',
  'okapi',
  'puffin',
  'quokka',
  'wombat',
];

/** A readable run name such as `brisk-otter`; `pick(n)` returns a whole number below n. */
export function friendlyName(pick: (n: number) => number): string {
  return `${ADJECTIVES[pick(ADJECTIVES.length)]}-${ANIMALS[pick(ANIMALS.length)]}`;
}
