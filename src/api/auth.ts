/**
 * API keys as bearer tokens. Keys are configured as `BATON_API_KEYS=name:role:secret,...` with
 * role `read` or `admin`; secrets are compared in constant time (over their SHA-256 digests, so
 * length leaks nothing) and never logged or echoed in an error.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError, ForbiddenError, UnauthorizedError, type FieldIssue } from '../core/errors';

export type Role = 'read' | 'admin';

export interface ApiKey {
  name: string;
  role: Role;
  digest: Buffer;
}

/** Who made a request. With no keys configured (loopback only), everyone is `local` with admin rights. */
export interface Principal {
  name: string;
  role: Role;
}

const digest = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

/** Parses BATON_API_KEYS; errors name the entry by position and never include a secret. */
export function parseApiKeys(value: string | undefined): ApiKey[] {
  if (!value || !value.trim()) return [];
  const issues: FieldIssue[] = [];
  const keys: ApiKey[] = [];
  value.split(',').forEach((entry, i) => {
    const parts = entry.trim().split(':');
    const where = `BATON_API_KEYS[${i}]`;
    if (parts.length < 3) {
      issues.push({ path: where, message: 'must be name:role:secret' });
      return;
    }
    const [name, role, ...rest] = parts;
    const secret = rest.join(':');
    if (!/^[\w.@-]{1,64}$/.test(name!)) issues.push({ path: where, message: 'name must be 1-64 letters, digits or . _ @ -' });
    if (role !== 'read' && role !== 'admin') issues.push({ path: where, message: "role must be 'read' or 'admin'" });
    if (secret.length < 16) issues.push({ path: where, message: 'secret must be at least 16 characters' });
    if (keys.some((k) => k.name === name)) issues.push({ path: where, message: `name '${name}' is used twice` });
    keys.push({ name: name!, role: role as Role, digest: digest(secret) });
  });
  if (issues.length) throw new ConfigError(issues);
  return keys;
}

/** The key a bearer token matches, checking every key so timing does not tell which one. */
export function authenticate(header: string | undefined, keys: ApiKey[]): Principal {
  if (keys.length === 0) return { name: 'local', role: 'admin' };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) throw new UnauthorizedError('missing API key: send Authorization: Bearer <key>');
  const candidate = digest(match[1]!);
  let found: ApiKey | undefined;
  for (const key of keys) {
    if (timingSafeEqual(candidate, key.digest) && !found) found = key;
  }
  if (!found) throw new UnauthorizedError('invalid API key');
  return { name: found.name, role: found.role };
}

/** Throws unless `principal` may perform an action needing `needed`. */
export function authorize(principal: Principal, needed: Role): void {
  if (needed === 'admin' && principal.role !== 'admin') {
    throw new ForbiddenError(`API key '${principal.name}' is read-only; this needs an admin key`);
  }
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
