/**
 * A cache store whose every call is bounded in time. A shared store (Redis) that stops answering
 * must never hold a run: a lookup that does not answer in time is a miss, a result that cannot be
 * stored is not stored, and a key's lock that cannot be taken is done without (the task may then
 * run on two workers at once, as without a shared store). Each is logged as a warning. Clearing,
 * asked for by a person who waits for the answer, fails with CacheUnavailableError instead.
 */
import type { Logger } from 'pino';
import { CacheUnavailableError } from '../core/errors';
import type { CacheEntry, CacheLock, CacheStore } from './cache-store';

/** The lock taken when the store cannot say: nothing to renew or release. */
const NO_LOCK: CacheLock = { renew: async () => true, release: async () => undefined };

export class BoundedCacheStore implements CacheStore {
  readonly acquire?: (key: string, leaseMs: number) => Promise<CacheLock | undefined>;
  readonly kind?: string;

  constructor(
    private readonly inner: CacheStore,
    private readonly waitMs: number,
    private readonly logger?: Logger,
  ) {
    this.kind = inner.kind;
    if (inner.acquire) {
      const take = inner.acquire.bind(inner);
      this.acquire = async (key, leaseMs) => {
        try {
          return await this.within(take(key, leaseMs), 'take the lock');
        } catch (err) {
          this.logger?.warn({ err: String(err), cacheKey: key }, 'cache store did not answer: computing without the lock');
          return NO_LOCK;
        }
      };
    }
  }

  /** `work`, or a CacheUnavailableError once `waitMs` (or `ms`) have passed. */
  private within<T>(work: Promise<T>, what: string, ms = this.waitMs): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CacheUnavailableError(`the ${this.kind ?? 'cache'} store did not ${what} within ${ms / 1000} s`)), ms);
    });
    work.catch(() => undefined);
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    try {
      return await this.within(this.inner.get(key), 'answer a lookup');
    } catch (err) {
      this.logger?.warn({ err: String(err), cacheKey: key }, 'cache store did not answer: treating the lookup as a miss');
      return undefined;
    }
  }

  async set(entry: CacheEntry): Promise<void> {
    try {
      await this.within(this.inner.set(entry), 'store a result');
    } catch (err) {
      this.logger?.warn({ err: String(err), cacheKey: entry.key }, 'cache store did not answer: the result was not stored');
    }
  }

  /** Clearing is asked for by a person (the API, the CLI): past the wait, an error that says so. */
  async clear(filter?: { taskName?: string; key?: string }): Promise<number> {
    try {
      return await this.within(this.inner.clear(filter), 'clear entries');
    } catch (err) {
      if (err instanceof CacheUnavailableError) throw err;
      throw new CacheUnavailableError(`the ${this.kind ?? 'cache'} store could not clear entries: ${(err as Error).message}`);
    }
  }

  /** Whether the store answers within `ms` (health waits less than a task would). */
  async ping(ms = this.waitMs): Promise<void> {
    if (this.inner.ping) await this.within(this.inner.ping(), 'answer', ms);
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
