/**
 * Secrets for task code (Prefect's Secret blocks): `getSecret(name)` reads a value the worker's
 * sources hold, in order: the environment (`BATON_SECRET_<NAME>`), a folder of files
 * (`BATON_SECRETS_DIR/<name>`, as Docker and Kubernetes mount secrets), and a store named by URL
 * (`BATON_SECRETS_URL`: a Redis hash, or a JSON file). Values are never cached in a history: only
 * workers read them, flows cannot (see workflows/secrets.ts), and each value read is registered
 * for redaction from logs, console output and the errors a task throws.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RedisClientType } from 'redis';
import { BatonError, ConfigError, SecretNotFoundError } from '../core/errors';
import { registerSecretValue } from './secret-values';

/** Letters, digits, `_`, `-` and `.`, at most 255: fit for a file name, a hash field, and (upper-cased, `-` and `.` as `_`) a variable name. */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,255}$/;

/** One place secrets are read from. */
export interface SecretSource {
  /** Where it looks for `name`, for the error when no source has it. */
  where(name: string): string;
  /** The value, or undefined when this source does not hold `name`. */
  get(name: string): Promise<string | undefined>;
  close?(): Promise<void>;
}

/** `BATON_SECRET_<NAME>`: the name upper-cased, `-` and `.` as `_`. */
export function secretEnvName(name: string): string {
  return `BATON_SECRET_${name.toUpperCase().replace(/[-.]/g, '_')}`;
}

export class EnvSecretSource implements SecretSource {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}
  where(name: string): string {
    return `environment variable ${secretEnvName(name)}`;
  }
  async get(name: string): Promise<string | undefined> {
    const value = this.env[secretEnvName(name)];
    return value === undefined || value === '' ? undefined : value;
  }
}

/** One file per secret, its whole content the value (one trailing newline dropped, as `echo` adds one). */
export class DirSecretSource implements SecretSource {
  constructor(readonly dir: string) {}
  where(name: string): string {
    return `file ${path.join(this.dir, name)}`;
  }
  async get(name: string): Promise<string | undefined> {
    try {
      return (await fs.promises.readFile(path.join(this.dir, name), 'utf8')).replace(/\r?\n$/, '');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      // The error names the file, not what is in it.
      throw new BatonError(`cannot read secret '${name}' from ${path.join(this.dir, name)}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
  }
}

/** `file:///path/secrets.json`: a JSON object of secret name → string value, read at each lookup (so it can be rotated in place). */
export class JsonFileSecretSource implements SecretSource {
  constructor(readonly file: string) {}
  where(name: string): string {
    return `key '${name}' of ${this.file}`;
  }
  /** Reads and checks the file; errors name the file and the variable, never the content. */
  read(): Record<string, unknown> {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      throw new ConfigError([{ path: 'BATON_SECRETS_URL', message: `cannot read ${this.file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}` }]);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ConfigError([{ path: 'BATON_SECRETS_URL', message: `${this.file} is not JSON (it must be an object of secret name → string)` }]);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError([{ path: 'BATON_SECRETS_URL', message: `${this.file} must hold a JSON object of secret name → string` }]);
    }
    return parsed as Record<string, unknown>;
  }
  async get(name: string): Promise<string | undefined> {
    const all = this.read();
    // Own names only: 'constructor' or '__proto__' is not a secret the file holds.
    const value = Object.hasOwn(all, name) ? all[name] : undefined;
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw new BatonError(`secret '${name}' in ${this.file} is not a string`);
    return value;
  }
}

/** `redis://host:port/db?key=baton:secrets`: the fields of one Redis hash (default key `baton:secrets`). */
export class RedisSecretSource implements SecretSource {
  private redis?: Promise<RedisClientType>;
  /** The URL without credentials or parameters, for messages. */
  readonly shown: string;
  constructor(
    readonly url: string,
    readonly hashKey: string,
  ) {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    this.shown = u.toString();
  }
  where(name: string): string {
    return `field '${name}' of Redis hash '${this.hashKey}' at ${this.shown}`;
  }
  /** Connects (once): a worker checks its store answers when it starts. */
  connect(): Promise<RedisClientType> {
    this.redis ??= (async () => {
      // Loaded only when a Redis store is configured.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { connectRedis } = require('./redis-connect') as typeof import('./redis-connect');
      try {
        return await connectRedis(this.url.replace(/\?.*$/, ''));
      } catch (err) {
        this.redis = undefined;
        throw new ConfigError([
          { path: 'BATON_SECRETS_URL', message: `cannot reach the secret store at ${this.shown}: ${(err as ConfigError).issues?.[0]?.message ?? 'no answer'}` },
        ]);
      }
    })();
    return this.redis;
  }
  async get(name: string): Promise<string | undefined> {
    const value = await (await this.connect()).hGet(this.hashKey, name);
    return value ?? undefined;
  }
  async close(): Promise<void> {
    const redis = await this.redis?.catch(() => undefined);
    redis?.destroy();
  }
}

/** The sources a worker reads secrets from, in order, and the read itself. */
export class SecretSources {
  constructor(readonly sources: readonly SecretSource[]) {}

  /** The secret's value from the first source holding it; SecretNotFoundError naming every place looked. */
  async get(name: string): Promise<string> {
    if (typeof name !== 'string' || !SECRET_NAME_PATTERN.test(name)) {
      throw new BatonError(`a secret name must be 1-255 letters, digits, '_', '-' or '.', got ${typeof name === 'string' ? `'${name.slice(0, 60)}'` : typeof name}`);
    }
    for (const source of this.sources) {
      const value = await source.get(name);
      if (value !== undefined) {
        registerSecretValue(name, value);
        return value;
      }
    }
    const tried = this.sources.map((s) => s.where(name));
    throw new SecretNotFoundError(`no secret named '${name}' (looked in: ${tried.join('; ')})`, name, tried);
  }

  async close(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.close?.().catch(() => undefined)));
  }
}

let installed: SecretSources | undefined;

/** Makes `sources` the ones `getSecret` reads in this process (a worker does, when it starts); returns a release. */
export function useSecretSources(sources: SecretSources): () => Promise<void> {
  installed = sources;
  return async () => {
    if (installed === sources) installed = undefined;
    await sources.close();
  };
}

/**
 * A secret's value, for task code. Read from the worker's sources each time it is called (a
 * rotated secret is read anew), and cut out of everything the worker logs or the task throws.
 * Throws SecretNotFoundError naming the secret and each place looked.
 *
 * @example
 * const password = await getSecret('db-password');
 */
export async function getSecret(name: string): Promise<string> {
  if (!installed) {
    throw new BatonError(
      `getSecret('${typeof name === 'string' ? name.slice(0, 60) : ''}') reads the secret sources of a Baton worker, and no worker runs in this process`,
    );
  }
  return installed.get(name);
}
