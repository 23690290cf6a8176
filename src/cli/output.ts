/**
 * How the CLI prints: aligned tables and lines for people, `--json` for programs. Text people read
 * passes through `terminalSafe`, so a run name or an error message cannot move the cursor, clear
 * the screen or retitle the terminal.
 */

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** An aligned table; `columns` maps a header to how to read the cell. */
export function table<T>(rows: T[], columns: Record<string, (row: T) => unknown>): string {
  const headers = Object.keys(columns);
  const cells = rows.map((row) => headers.map((h) => format(columns[h]!(row))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...cells.map(line)].join('\n');
}

function format(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (Array.isArray(value)) return value.length ? value.map(format).join(',') : '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** `2026-11-21T09:30:00.000Z` → `2026-11-21 09:30:00Z`. */
export function when(iso: string | null | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-';
}

/** Control characters (C0 but tab and newline, DEL, C1) shown as `\u001b`, as JSON writes them. */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Prints a line for people on stdout. */
export function say(text: string): void {
  process.stdout.write(terminalSafe(text) + '\n');
}

/** Prints a line for people on stderr. */
export function complain(text: string): void {
  process.stderr.write(terminalSafe(text) + '\n');
}
