/**
 * `atob` and `btoa` for flow code. Temporal's sandbox is a bare V8 context without Node's web
 * globals, and libraries that flows use expect them: zod's `z.base64()`, `z.base64url()` and
 * `z.jwt()` checks call `atob`, and refused every value inside a flow without it. Installed once
 * per worker thread when the flow runtime loads; pure and deterministic. Sandbox-safe.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUE: Record<string, number> = Object.fromEntries([...ALPHABET].map((c, i) => [c, i]));

function invalidCharacter(message: string): Error {
  const error = new Error(message);
  error.name = 'InvalidCharacterError';
  return error;
}

/** Decodes base64 to a binary string, as the web platform's `atob` does (forgiving-base64 decode). */
export function atob(data: unknown): string {
  let s = String(data).replace(/[\t\n\f\r ]/g, '');
  if (s.length % 4 === 0) s = s.replace(/={1,2}$/, '');
  if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s)) {
    throw invalidCharacter("Failed to execute 'atob': The string to be decoded is not correctly encoded.");
  }
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const c of s) {
    buffer = (buffer << 6) | VALUE[c]!;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((buffer >> bits) & 0xff);
    }
  }
  return out;
}

/** Encodes a binary string (every code unit ≤ 0xFF) as base64, as the web platform's `btoa` does. */
export function btoa(data: unknown): string {
  const s = String(data);
  let out = '';
  for (let i = 0; i < s.length; i += 3) {
    const codes = [s.charCodeAt(i), s.charCodeAt(i + 1), s.charCodeAt(i + 2)];
    for (let k = 0; k < 3 && i + k < s.length; k++) {
      if (codes[k]! > 0xff) throw invalidCharacter("Failed to execute 'btoa': The string to be encoded contains characters outside of the Latin1 range.");
    }
    const present = Math.min(3, s.length - i);
    const n = ((codes[0]! & 0xff) << 16) | ((present > 1 ? codes[1]! & 0xff : 0) << 8) | (present > 2 ? codes[2]! & 0xff : 0);
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]!;
    out += present > 1 ? ALPHABET[(n >> 6) & 63]! : '=';
    out += present > 2 ? ALPHABET[n & 63]! : '=';
  }
  return out;
}

/** Defines the missing globals; leaves any the context already has. */
export function installWebGlobals(): void {
  const g = globalThis as Record<string, unknown>;
  if (typeof g.atob !== 'function') g.atob = atob;
  if (typeof g.btoa !== 'function') g.btoa = btoa;
}

installWebGlobals();
