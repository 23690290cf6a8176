/**
 * Checks a cron expression before it reaches Temporal, so a bad one gets an error that says
 * which field is wrong. Accepts Temporal's forms: five fields (minute hour day-of-month month
 * day-of-week) with `*`, `?`, lists, ranges, steps and month/day names, or a macro such as
 * `@daily`.
 */

const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** The value names count from (1 for months, 0 for days). */
  namesFrom?: number;
}

const FIELDS: FieldRule[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, namesFrom: 0 },
];

function value(token: string, rule: FieldRule): number | undefined {
  if (/^\d+$/.test(token)) return Number(token);
  const index = rule.names?.indexOf(token.toUpperCase()) ?? -1;
  return index >= 0 ? index + (rule.namesFrom ?? 0) : undefined;
}

function fieldProblem(field: string, rule: FieldRule): string | undefined {
  for (const part of field.split(',')) {
    const [range, step, extra] = part.split('/');
    if (extra !== undefined || range === undefined || range === '') return `${rule.name} '${field}' is malformed`;
    if (step !== undefined && !(/^\d+$/.test(step) && Number(step) > 0)) {
      return `${rule.name} step '${step}' must be a whole number > 0`;
    }
    if (range === '*' || range === '?') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `${rule.name} range '${range}' is malformed`;
    const numbers = bounds.map((b) => value(b, rule));
    for (let i = 0; i < bounds.length; i++) {
      const n = numbers[i];
      if (n === undefined) return `${rule.name} '${bounds[i]}' is not a number or name`;
      if (n < rule.min || n > rule.max) return `${rule.name} ${n} is outside ${rule.min}-${rule.max}`;
    }
    if (numbers.length === 2 && numbers[0]! > numbers[1]!) return `${rule.name} range '${range}' runs backwards`;
  }
  return undefined;
}

/** What is wrong with a cron expression, or undefined when it is valid. */
export function cronProblem(expression: string): string | undefined {
  const trimmed = expression.trim();
  if (trimmed.startsWith('@')) {
    return MACROS.has(trimmed.toLowerCase()) ? undefined : `unknown macro '${trimmed}' (use ${[...MACROS].join(', ')})`;
  }
  if (/CRON_TZ=|TZ=/.test(trimmed)) return 'give the timezone in the timezone field, not in the expression';
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5) return `needs 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  for (let i = 0; i < 5; i++) {
    const problem = fieldProblem(fields[i]!, FIELDS[i]!);
    if (problem) return problem;
  }
  return undefined;
}

/** True when `zone` is an IANA timezone this runtime knows. */
export function isTimezone(zone: string): boolean {
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    // Intl reads names in any case; Temporal's zone database does not ('utc', 'europe/paris').
    if (resolved !== zone && resolved.toLowerCase() === zone.toLowerCase()) return false;
    return zone.length > 0;
  } catch {
    return false;
  }
}
