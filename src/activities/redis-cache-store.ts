/**
 * A Redis result cache for workers on several machines. Entries expire with Redis's own TTLs.
 * Locks with a lease make concurrent computations of one key run the task once: the holder renews
 * its lease while it works, and a holder that dies simply stops renewing, so its lock lapses and
 * another worker takes over.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { RedisClientType } from 'redis';
import { connectRedis } from './redis-connect';
import type { CacheEntry, CacheLock, CacheStore } from './cache-store';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export class RedisCacheStore implements CacheStore {
  readonly kind = 'redis';

  private constructor(
    private readonly redis: RedisClientType,
    private readonly prefix: string,
    private readonly logger?: Logger,
  ) {}

  /** Connects; the URL names a loopback or private Redis (`redis://127.0.0.1:6379`). */
  static async connect(url: string, options: { prefix?: string; logger?: Logger; connectAttempts?: number } = {}): Promise<RedisCacheStore> {
    return new RedisCacheStore(await connectRedis(url, options), options.prefix ?? 'baton:cache:', options.logger);
  }

  private entryKey(key: string): string {
    return `${this.prefix}entry:${key}`;
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const text = await this.redis.get(this.entryKey(key));
    if (text === null) return undefined;
    try {
      const entry = JSON.parse(text) as CacheEntry;
      if (entry.key !== key || !('value' in entry)) throw new Error('not a cache entry');
      return entry;
    } catch (err) {
      this.logger?.warn({ key, err }, 'cache entry corrupt: treating it as a miss');
      return undefined;
    }
  }

  async set(entry: CacheEntry): Promise<void> {
    const ttl = entry.expiresAt ? Date.parse(entry.expiresAt) - Date.now() : undefined;
    if (ttl !== undefined && ttl <= 0) return;
    await this.redis.set(this.entryKey(entry.key), JSON.stringify(entry), ttl !== undefined ? { PX: ttl } : undefined);
  }

  async clear(filter: { taskName?: string; key?: string } = {}): Promise<number> {
    if (filter.key && !filter.taskName) return this.redis.del(this.entryKey(filter.key));
    let removed = 0;
    for await (const keys of this.redis.scanIterator({ MATCH: `${this.prefix}entry:*`, COUNT: 500 })) {
      for (const k of Array.isArray(keys) ? keys : [keys]) {
        if (filter.key && k !== this.entryKey(filter.key)) continue;
        if (filter.taskName) {
          const text = await this.redis.get(k);
          try {
            if (!text || (JSON.parse(text) as CacheEntry).taskName !== filter.taskName) continue;
          } catch {
            continue;
          }
        }
        removed += await this.redis.del(k);
      }
    }
    return removed;
  }

  async acquire(key: string, leaseMs: number): Promise<CacheLock | undefined> {
    const lockKey = `${this.prefix}lock:${key}`;
    const token = randomBytes(16).toString('hex');
    const ok = await this.redis.set(lockKey, token, { NX: true, PX: leaseMs });
    if (ok !== 'OK') return undefined;
    return {
      renew: async () => (await this.redis.eval(RENEW, { keys: [lockKey], arguments: [token, String(leaseMs)] })) === 1,
      release: async () => {
        await this.redis.eval(RELEASE, { keys: [lockKey], arguments: [token] });
      },
    };
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}
