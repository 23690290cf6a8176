/**
 * Temporal's visibility queries and page tokens, built in one place for every list Baton offers
 * (flow runs, approvals, deployments).
 */

/** A string literal for a visibility query. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A page token from a Baton list (base64url) as the bytes Temporal gave. */
export function pageTokenBytes(token: string | undefined): Uint8Array | undefined {
  return token ? Buffer.from(token, 'base64url') : undefined;
}

/** The page token Baton hands out for Temporal's next-page bytes; null on the last page. */
export function pageTokenText(bytes: Uint8Array | null | undefined): string | null {
  return bytes?.length ? Buffer.from(bytes).toString('base64url') : null;
}
