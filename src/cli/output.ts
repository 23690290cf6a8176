/** How the CLI prints: aligned tables for people, `--json` for programs. */

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
