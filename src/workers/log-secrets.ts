/**
 * Secret values a process holds in its environment, cut out of every log line it writes (and so
 * out of every run's log): a task that logs a token by mistake leaves `[redacted]` instead. A
 * variable is secret by its name (TOKEN, SECRET, PASSWORD, API_KEY, PRIVATE_KEY, CREDENTIAL); the
 * secrets of BATON_API_KEYS are its entries' last parts, those of BATON_ENCRYPTION_KEYS the keys.
 */
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_KEY|ACCESS_KEY|CREDENTIAL)/i;
/** Shorter values are too likely to occur by chance in a line. */
const MIN_LENGTH = 8;
export const REDACTED = '[redacted]';

export function secretValues(env: NodeJS.ProcessEnv): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (name === 'BATON_API_KEYS') {
      for (const entry of value.split(',')) values.add(entry.trim().split(':').slice(2).join(':'));
    } else if (name === 'BATON_ENCRYPTION_KEYS') {
      for (const entry of value.split(',')) values.add(entry.trim().split(':').slice(1).join(':'));
    } else if (SECRET_NAME.test(name)) values.add(value);
  }
  // Longest first, so a secret that contains another is cut out whole.
  return [...values].filter((v) => v.length >= MIN_LENGTH).sort((a, b) => b.length - a.length);
}

/** `text` with each secret replaced; as a JSON string the value may be escaped, so both forms go. */
export function redactor(secrets: string[]): (text: string) => string {
  if (!secrets.length) return (text) => text;
  const forms = [...new Set(secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))];
  return (text) => {
    let out = text;
    for (const secret of forms) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
}
