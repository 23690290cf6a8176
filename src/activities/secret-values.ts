/**
 * The secret values this process has read (through `getSecret`), so that what it writes can be
 * kept free of them: every log line (stdout and runs' logs), the console output of tasks, the
 * messages and stacks of errors tasks throw. A value is cut out in its raw form and as it reads
 * inside a JSON string (escaped). Values shorter than MIN_LENGTH are not: they would occur by
 * chance in ordinary text.
 */
export const REDACTED = '[redacted]';
/** Shorter secrets are not redacted (a 3-character value would cut words out of every line). */
export const MIN_SECRET_LENGTH = 4;

/** Secret name by each form of its value, longest first when read. */
const forms = new Map<string, string>();
let ordered: [string, string][] = [];

/** Remembers a secret's value, read under `name`, for redaction. */
export function registerSecretValue(name: string, value: string): void {
  if (value.length < MIN_SECRET_LENGTH) return;
  let added = false;
  for (const form of new Set([value, JSON.stringify(value).slice(1, -1)])) {
    if (!forms.has(form)) {
      forms.set(form, name);
      added = true;
    }
  }
  // Longest first, so a secret that contains another is cut out whole.
  if (added) ordered = [...forms].sort((a, b) => b[0].length - a[0].length);
}

/** `text` with every registered secret value replaced by `[redacted]`. */
export function redactSecretValues(text: string): string {
  let out = text;
  for (const [form] of ordered) if (out.includes(form)) out = out.split(form).join(REDACTED);
  return out;
}

/** The name of a registered secret whose value `text` contains, or undefined. */
export function secretNameIn(text: string): string | undefined {
  for (const [form, name] of ordered) if (text.includes(form)) return name;
  return undefined;
}

/** Whether any secret was read in this process (the checks cost nothing until one is). */
export function anySecretRead(): boolean {
  return ordered.length > 0;
}
