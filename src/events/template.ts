/**
 * `{{ path }}` templates: a dotted path into a context object (`{{body.repository.full_name}}`,
 * `{{headers.x-github-event}}`, `{{payload.issue.html_url}}`). A string that is exactly one
 * template takes the value as it is (an object, a number); elsewhere a value is written as text,
 * and a path that leads nowhere writes nothing.
 */

const TEMPLATE = /\{\{\s*([^{}]+?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^{}]+?)\s*\}\}$/;

/** The value at a dotted path (`a.b.0.c`), or undefined. */
export function valueAt(context: unknown, path: string): unknown {
  let value: unknown = context;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    // Own properties only: a template never reaches a prototype.
    if (!Object.prototype.hasOwnProperty.call(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

const asText = (value: unknown): string => (value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));

/** A template string rendered against the context. */
export function renderString(template: string, context: unknown): unknown {
  const whole = WHOLE.exec(template);
  if (whole) return valueAt(context, whole[1]!);
  return template.replace(TEMPLATE, (_, path: string) => asText(valueAt(context, path)));
}

/** Every string inside a JSON value rendered; other values kept. */
export function render(value: unknown, context: unknown): unknown {
  if (typeof value === 'string') return renderString(value, context);
  if (Array.isArray(value)) return value.map((v) => render(v, context));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v, context)]));
  return value;
}

/** A template rendered as text (a whole-template value written as text too). */
export function renderText(template: string, context: unknown): string {
  return asText(renderString(template, context));
}

/** The paths a template string refers to. */
export function templatePaths(template: string): string[] {
  return [...template.matchAll(TEMPLATE)].map((m) => m[1]!);
}
