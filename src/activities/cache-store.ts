/**
 * Where cached task results live. The filesystem store keeps one JSON file per key under
 * BATON_HOME/cache, written atomically (a temporary file renamed into place), so concurrent
 * writers never leave a torn entry; an entry that cannot be read is a miss with a warning.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';

export interface CacheEntry {
  key: string;
  taskName: string;
  createdAt: string;
  /** When the entry stops counting, or null for never. */
  expiresAt: string | null;
  value: unknown;
}

/** A lock on one key, held under a lease that the holder renews while it works. */
export interface CacheLock {
  /** Extends the lease; false when the lock was lost (it lapsed and someone else took it). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

export interface CacheStore {
  get(key: string): Promise<CacheEntry | undefined>;
  set(entry: CacheEntry): Promise<void>;
  /** Removes entries (all, one task's, or one key); returns how many. */
  clear(filter?: { taskName?: string; key?: string }): Promise<number>;
  /**
   * Stores shared by several workers lock a key while one computes it, so the others wait for
   * its result instead of running the task too. Undefined: the lock is held elsewhere.
   */
  acquire?(key: string, leaseMs: number): Promise<CacheLock | undefined>;
  /** What kind of store it is, as health reports it: `file`, `redis`, or a custom store's own name. */
  readonly kind?: string;
  /** Resolves when the store can answer, rejects saying why not (health uses it). */
  ping?(): Promise<void>;
  close?(): Promise<void>;
}

export class FileCacheStore implements CacheStore {
  readonly kind = 'file';

  constructor(
    readonly dir: string,
    private readonly logger?: Logger,
  ) {}

  /** The folder exists (or can be made) and can be written. */
  async ping(): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    await fs.promises.access(this.dir, fs.constants.W_OK);
  }

  private file(key: string): string {
    if (!/^[a-f0-9]{16,128}$/.test(key)) throw new Error(`cache key '${key}' is not a hex digest`);
    return path.join(this.dir, `${key}.json`);
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.file(key), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.logger?.warn({ key, err }, 'cache entry unreadable: treating it as a miss');
      return undefined;
    }
    try {
      const entry = JSON.parse(text) as CacheEntry;
      if (entry.key !== key || !('value' in entry)) throw new Error('not a cache entry');
      if (entry.expiresAt && Date.parse(entry.expiresAt) <= Date.now()) return undefined;
      return entry;
    } catch (err) {
      this.logger?.warn({ key, err }, 'cache entry corrupt: treating it as a miss');
      return undefined;
    }
  }

  async set(entry: CacheEntry): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    const target = this.file(entry.key);
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.promises.writeFile(tmp, JSON.stringify(entry));
    await fs.promises.rename(tmp, target);
  }

  async clear(filter: { taskName?: string; key?: string } = {}): Promise<number> {
    let names: string[];
    try {
      names = await fs.promises.readdir(this.dir);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const key = name.slice(0, -5);
      if (filter.key && key !== filter.key) continue;
      if (filter.taskName) {
        try {
          const entry = JSON.parse(await fs.promises.readFile(path.join(this.dir, name), 'utf8')) as CacheEntry;
          if (entry.taskName !== filter.taskName) continue;
        } catch {
          continue;
        }
      }
      await fs.promises.rm(path.join(this.dir, name), { force: true });
      removed++;
    }
    return removed;
  }
}
